import type { APIRequestContext } from '@playwright/test';
import { test, expect } from './fixtures';

/*
 * The Tasks page in Debian's Chromium against a real `loupe serve`: tasks queued through
 * the API show up live, wait while the queue is paused, run when it resumes; one is
 * cancelled from the page, one fails and shows its message.
 */

async function enqueue(request: APIRequestContext, url: string, token: string, source: string): Promise<string> {
  const r = await request.post(`${url}/v1/tasks`, {
    headers: { authorization: `Bearer ${token}` },
    data: { kind: 'script', input: { source } },
  });
  expect(r.status()).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

test('the Tasks page follows the queue live: pause, cancel, resume, success and failure', async ({ app: page, loupe }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const nav = page.getByRole('navigation', { name: 'Pages' });
  await expect(nav).toBeVisible();
  await page.keyboard.press('Alt+5');
  await expect(page.getByRole('heading', { name: 'Tasks' })).toBeVisible();
  await expect(page.getByText(/No tasks yet/)).toBeVisible();

  // Paused, nothing starts: the queued tasks appear as they are created, without a reload.
  await page.getByRole('button', { name: 'Pause all queues' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Every queue is paused' })).toBeVisible();
  const ok = [];
  for (let i = 0; i < 3; i++) ok.push(await enqueue(page.request, loupe.url, loupe.token, `print("step ${i}")\n${i} + 40`));
  const bad = await enqueue(page.request, loupe.url, loupe.token, 'this is ( not a program');
  const doomed = await enqueue(page.request, loupe.url, loupe.token, '1');
  const row = (id: string) => page.locator(`.task-row[data-task-id="${id}"]`);
  await expect(page.locator('.task-row[data-state="queued"]')).toHaveCount(5, { timeout: 20_000 });
  await expect(page.getByTestId('count-queued')).toHaveText('5', { timeout: 20_000 });

  // Cancel one while it waits, from its details.
  await row(doomed).click();
  const detail = page.getByRole('region', { name: `Task ${doomed}` });
  await expect(detail.getByTestId('detail-state')).toHaveText('Queued');
  await detail.getByRole('button', { name: 'Cancel' }).click();
  await expect(row(doomed)).toHaveAttribute('data-state', 'cancelled');
  await expect(detail.getByTestId('detail-state')).toHaveText('Cancelled');
  await expect(detail.locator('.timeline')).toContainText('Cancelled');

  // Resume: the rest run, live.
  await page.getByRole('button', { name: 'Resume all queues' }).click();
  for (const id of ok) await expect(row(id)).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(row(bad)).toHaveAttribute('data-state', 'dead', { timeout: 60_000 });
  await expect(row(doomed)).toHaveAttribute('data-state', 'cancelled');
  await expect(page.getByTestId('count-succeeded')).toHaveText('3', { timeout: 20_000 });

  // The failure says what went wrong, never a stack.
  await row(bad).click();
  const failed = page.getByRole('region', { name: `Task ${bad}` });
  await expect(failed.getByTestId('detail-error')).toContainText(/line \d+/);
  await expect(failed).not.toContainText(/\n\s+at |\.ts:\d+/);
  await expect(failed.locator('.timeline')).toContainText('Failed for good');

  // A success shows its result; the text filter narrows the list.
  await row(ok[2]).click();
  await expect(page.getByRole('region', { name: `Task ${ok[2]}` })).toContainText('step 2');
  await page.keyboard.press('/');
  await page.keyboard.type('step 1');
  await expect(page.locator('.task-row')).toHaveCount(1);
  await expect(row(ok[1])).toBeVisible();
  await page.getByLabel('Filter tasks by text').fill('');

  // The dead-letter list holds the failed one, from the keyboard.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('d');
  await expect(page.getByRole('button', { name: /Dead letters \(1\)/ })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.task-row')).toHaveCount(1);
  await expect(row(bad)).toBeVisible();

  // The help dialog lists the page's keys.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('Cancel the selected task');
});
