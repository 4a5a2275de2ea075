import { join } from 'node:path';
import { test, expect } from './fixtures';
import { ROOT } from './loupe-server';

// Whole programs go in with insertText: typed key by key, the editor's bracket closing
// would add a second `}`.
test.describe('the Scripts page', () => {
  test('edits a script, shows a diagnostic, runs it and shows its output', async ({ app }) => {
    await app
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('button', { name: /Scripts/ })
      .click();
    const editor = app.getByTestId('script-editor').locator('.cm-content');
    await expect(editor).toBeVisible();

    // An undefined name is squiggled by the real resolver, through the contract.
    await editor.click();
    await app.keyboard.press('ControlOrMeta+a');
    await app.keyboard.press('Delete');
    await app.keyboard.insertText('let total = 0\nprint(totl)\n');
    const squiggle = app.locator('.cm-lintRange-error');
    await expect(squiggle).toHaveCount(1, { timeout: 15_000 });
    await expect(squiggle).toHaveText('totl');
    await squiggle.hover();
    await expect(app.locator('.cm-tooltip-lint')).toContainText("Undefined variable 'totl'.");

    // Fix it and run: the prints stream into the console, then the value.
    await editor.click();
    await app.keyboard.press('ControlOrMeta+a');
    await app.keyboard.press('Delete');
    await app.keyboard.insertText('let total = 0\nfor i in range(4) {\ntotal += i\nprint("step", i)\n}\ntotal\n');
    await expect(squiggle).toHaveCount(0, { timeout: 15_000 });
    await app.getByRole('button', { name: 'Run', exact: true }).click();
    const output = app.getByTestId('script-output');
    await expect(output).toContainText('step 0\nstep 1\nstep 2\nstep 3', { timeout: 30_000 });
    await expect(output).toContainText('→ 6');
    await expect(app.getByTestId('run-status')).toHaveText('Finished');

    // A runtime error shows its position; clicking it puts the cursor on that line.
    await editor.click();
    await app.keyboard.press('ControlOrMeta+a');
    await app.keyboard.press('Delete');
    await app.keyboard.insertText('print("before")\n\nlet x = 1 / 0\n');
    await app.getByRole('button', { name: 'Run', exact: true }).click();
    const error = app.getByTestId('script-error');
    await expect(error).toHaveText('Error at 3:11: Division by zero.', { timeout: 30_000 });
    await expect(output).toContainText('before');
    await expect(app.getByTestId('run-status')).toHaveText('Failed');
    await error.click();
    await expect(app.locator('.cm-activeLine')).toHaveText('let x = 1 / 0', { timeout: 15_000 });
  });

  test('saves a script under a name and stops a running one', async ({ app }) => {
    await app
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('button', { name: /Scripts/ })
      .click();
    const editor = app.getByTestId('script-editor').locator('.cm-content');
    await editor.click();
    await app.keyboard.press('ControlOrMeta+a');
    await app.keyboard.press('Delete');
    await app.keyboard.insertText('print("spinning")\nwhile true {\n}\n');
    await app.getByLabel('Script name').fill('Spinner');
    // A script saved for the first time is named in a dialog, which offers the name typed so far.
    await app.getByRole('button', { name: 'Save', exact: true }).click();
    const naming = app.getByRole('dialog', { name: 'Save script' });
    await expect(naming.getByLabel('Name')).toHaveValue('Spinner');
    await naming.getByRole('button', { name: 'Save' }).click();
    await expect(app.getByRole('list', { name: 'Saved scripts' }).getByRole('button', { name: 'Spinner' })).toBeVisible();

    await app.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(app.getByTestId('script-output')).toContainText('spinning', { timeout: 30_000 });
    await app.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(app.getByTestId('script-error')).toContainText('Cancelled.', { timeout: 30_000 });
    await expect(app.getByTestId('run-status')).toHaveText('Cancelled');
    await expect(app.getByRole('button', { name: 'Run', exact: true })).toBeVisible();

    // A saved script takes a schedule; a wrong cron says what is wrong.
    const schedule = app.getByRole('form', { name: 'Schedule' });
    await schedule.getByLabel('Schedule (cron)').fill('every hour');
    await schedule.getByRole('button', { name: 'Set schedule' }).click();
    await expect(schedule.getByRole('alert')).toContainText('5-field cron', { timeout: 15_000 });
    await schedule.getByLabel('Schedule (cron)').fill('0 * * * *');
    await schedule.getByLabel('Enabled').check();
    await schedule.getByRole('button', { name: 'Set schedule' }).click();
    await expect(schedule).toContainText('Runs on “0 * * * *”', { timeout: 15_000 });
  });

  test('a draft is kept as you type: back after another page, a reload and a restart of the page; Enter auto-indents', async ({ app }) => {
    const pages = app.getByRole('navigation', { name: 'Pages' });
    await pages.getByRole('button', { name: /Scripts/ }).click();
    const editor = app.getByTestId('script-editor').locator('.cm-content');
    await editor.click();
    await app.keyboard.press('ControlOrMeta+a');
    await app.keyboard.press('Delete');
    // Typed key by key: Enter after "{" indents the next line by one level.
    await app.keyboard.type('for i in range(2) {');
    await app.keyboard.press('Enter');
    await app.keyboard.type('print("kept", i)');
    await expect(app.locator('.cm-line').nth(1)).toHaveText('    print("kept", i)');
    await app.getByLabel('Script name').fill('Draft one');

    await pages.getByRole('button', { name: /Library/ }).click();
    await pages.getByRole('button', { name: /Scripts/ }).click();
    await expect(editor).toContainText('print("kept", i)');
    await expect(app.getByLabel('Script name')).toHaveValue('Draft one');
    await expect(app.getByText('unsaved')).toBeVisible();

    await app.reload();
    await expect(editor).toContainText('print("kept", i)');
    await expect(app.getByLabel('Script name')).toHaveValue('Draft one');
  });

  test('in dark mode every token keeps at least 4.5:1 against the editor', async ({ app }) => {
    await app.emulateMedia({ colorScheme: 'dark' });
    await app
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('button', { name: /Scripts/ })
      .click();
    const editor = app.getByTestId('script-editor').locator('.cm-content');
    await editor.click();
    await app.keyboard.press('ControlOrMeta+a');
    await app.keyboard.press('Delete');
    await app.keyboard.insertText('# note\nfn add(a, b) {\nreturn a + b * 2\n}\nlet s = "text"\nprint(len(s), true, nil)\n');
    await expect(app.getByTestId('script-editor')).toHaveAttribute('data-theme', 'dark');
    const ratios = await app.evaluate(() => {
      const rgb = (c: string) => (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
      const lum = (c: string) => {
        const [r, g, b] = rgb(c).map((x) => {
          const v = x / 255;
          return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const bg = getComputedStyle(document.querySelector('.script-editor')!).backgroundColor;
      return Array.from(document.querySelectorAll('.cm-content span')).map((s) => {
        const fg = getComputedStyle(s).color;
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        return { text: s.textContent, ratio: (a + 0.05) / (b + 0.05) };
      });
    });
    expect(ratios.length).toBeGreaterThan(8);
    for (const r of ratios) expect(r.ratio, `“${r.text}”`).toBeGreaterThanOrEqual(4.5);
    await app.setViewportSize({ width: 1280, height: 760 });
    await app.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(app.getByTestId('run-status')).toHaveText('Finished', { timeout: 30_000 });
    await app.screenshot({ path: join(ROOT, 'docs/scripts-dark.png') });
  });
});

test.describe('a schedule that keeps failing', () => {
  test('is paused after three failed runs, the page says why, and Resume turns it back on', async ({ app, loupe }) => {
    await app
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('button', { name: /Scripts/ })
      .click();
    const editor = app.getByTestId('script-editor').locator('.cm-content');
    await editor.click();
    await app.keyboard.press('ControlOrMeta+a');
    await app.keyboard.press('Delete');
    await app.keyboard.insertText('print("tick")\nthrow "boom"\n');
    await app.getByLabel('Script name').fill('Always fails');
    await app.getByRole('button', { name: 'Save', exact: true }).click();
    const listed = app.getByRole('list', { name: 'Saved scripts' }).getByRole('button', { name: /Always fails/ });
    await expect(listed).toBeVisible();
    const schedule = app.getByRole('form', { name: 'Schedule' });
    await schedule.getByLabel('Schedule (cron)').fill('0 3 * * *');
    await schedule.getByLabel('Enabled').check();
    await schedule.getByRole('button', { name: 'Set schedule' }).click();
    await expect(schedule).toContainText('Runs on “0 3 * * *”', { timeout: 15_000 });

    // Three runs as the schedule's tick enqueues them, through the API.
    const items = await app.evaluate(() =>
      (window as unknown as { loupe: { call(m: string, p: unknown): Promise<{ items: Array<{ id: string; name: string }> }> } }).loupe.call('scripts.list', {}),
    );
    const id = items.items.find((s) => s.name === 'Always fails')!.id;
    const headers = { authorization: `Bearer ${loupe.token}`, 'content-type': 'application/json' };
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${loupe.url}/v1/tasks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ kind: 'script', input: { scriptId: id, scheduled: true }, maxAttempts: 1 }),
      });
      expect(r.status).toBeLessThan(300);
      const task = (await r.json()) as { id: string };
      await expect
        .poll(async () => ((await (await fetch(`${loupe.url}/v1/tasks/${task.id}`, { headers })).json()) as { state: string }).state, { timeout: 30_000 })
        .toBe('dead');
    }

    // The page learns of it when the script is opened again.
    await app.reload();
    await app
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('button', { name: /Scripts/ })
      .click();
    await app
      .getByRole('list', { name: 'Saved scripts' })
      .getByRole('button', { name: /Always fails/ })
      .click();
    const notice = app.getByRole('alert', { name: 'Schedule paused' });
    await expect(notice).toContainText('Paused after 3 failed runs in a row. Last error: boom (line 2, column 1).', { timeout: 15_000 });
    await notice.getByRole('button', { name: 'Resume schedule' }).click();
    await expect(notice).toHaveCount(0, { timeout: 15_000 });
    await expect(app.getByRole('form', { name: 'Schedule' })).toContainText('Runs on “0 3 * * *”');
  });
});
