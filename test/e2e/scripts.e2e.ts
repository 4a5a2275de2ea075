import { test, expect } from './fixtures';

// Whole programs go in with insertText: typed key by key, the editor's bracket closing
// would add a second `}`.
test.describe('the Scripts page', () => {
  test('edits a script, shows a diagnostic, runs it and shows its output', async ({ app }) => {
    await app.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: /Scripts/ }).click();
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

    // A runtime error shows its position; clicking it puts the cursor on that line.
    await editor.click();
    await app.keyboard.press('ControlOrMeta+a');
    await app.keyboard.press('Delete');
    await app.keyboard.insertText('print("before")\n\nlet x = 1 / 0\n');
    await app.getByRole('button', { name: 'Run', exact: true }).click();
    const error = app.getByTestId('script-error');
    await expect(error).toHaveText('Error at 3:11: Division by zero.', { timeout: 30_000 });
    await expect(output).toContainText('before');
    await error.click();
    await expect(app.locator('.cm-activeLine')).toHaveText('let x = 1 / 0', { timeout: 15_000 });
  });

  test('saves a script under a name and stops a running one', async ({ app }) => {
    await app.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: /Scripts/ }).click();
    const editor = app.getByTestId('script-editor').locator('.cm-content');
    await editor.click();
    await app.keyboard.press('ControlOrMeta+a');
    await app.keyboard.press('Delete');
    await app.keyboard.insertText('print("spinning")\nwhile true {\n}\n');
    await app.getByLabel('Script name').fill('Spinner');
    await app.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(app.getByRole('list', { name: 'Saved scripts' }).getByRole('button', { name: 'Spinner' })).toBeVisible();

    await app.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(app.getByTestId('script-output')).toContainText('spinning', { timeout: 30_000 });
    await app.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(app.getByTestId('script-error')).toContainText('Cancelled.', { timeout: 30_000 });
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
});
