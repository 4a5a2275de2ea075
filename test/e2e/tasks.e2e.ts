import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIRequestContext } from '@playwright/test';
import { test, expect } from './fixtures';
import { writePetFolders } from './pictures';
import { ROOT } from './loupe-server';

/*
 * The Tasks page in Debian's Chromium against a real `loupe serve`: imports of generated
 * pictures queued through the API show up live, wait while the queue is paused, run when
 * it resumes; one is cancelled from the page, one fails and shows its message.
 */

// Imports need no training here; it would only add tasks and load the machine.
test.use({ loupeEnv: { LOUPE_AUTO_TRAIN: '0' } });

let pics: string;
test.beforeAll(async () => {
  pics = mkdtempSync(join(tmpdir(), 'loupe-task-pics-'));
  for (let i = 0; i < 4; i++) await writePetFolders(join(pics, `batch${i}`), 2 + i);
});
test.afterAll(() => rmSync(pics, { recursive: true, force: true }));

function api(request: APIRequestContext, url: string, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  return {
    async post<T>(path: string, data: unknown): Promise<T> {
      const r = await request.post(`${url}${path}`, { headers, data });
      expect(r.status(), await r.text()).toBeLessThan(300);
      return (await r.json()) as T;
    },
    async delete(path: string): Promise<void> {
      expect((await request.delete(`${url}${path}`, { headers })).status()).toBe(204);
    },
  };
}

test('the Tasks page follows the queue live: pause, cancel, resume, success and failure', async ({ app: page, loupe }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const nav = page.getByRole('navigation', { name: 'Pages' });
  await expect(nav).toBeVisible({ timeout: 30_000 });
  await page.keyboard.press('Alt+5');
  await expect(page.getByRole('heading', { name: 'Tasks' })).toBeVisible();
  await expect(page.getByText(/No tasks yet/)).toBeVisible();
  const v1 = api(page.request, loupe.url, loupe.token);
  const pets = await v1.post<{ id: string }>('/v1/datasets', { name: 'Pets' });
  const gone = await v1.post<{ id: string }>('/v1/datasets', { name: 'Gone soon' });
  const importTask = (datasetId: string, folder: string) =>
    v1.post<{ id: string }>('/v1/tasks', { kind: 'import', input: { datasetId, paths: [join(pics, folder)] } }).then((t) => t.id);

  // Paused, nothing starts: the queued tasks appear as they are created, without a reload.
  await page.getByRole('button', { name: 'Pause all queues' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Every queue is paused' })).toBeVisible();
  const ok = [await importTask(pets.id, 'batch0'), await importTask(pets.id, 'batch1'), await importTask(pets.id, 'batch2')];
  const bad = await importTask(gone.id, 'batch3');
  const doomed = await importTask(pets.id, 'batch3');
  const row = (id: string) => page.locator(`.task-row[data-task-id="${id}"]`);
  await expect(page.locator('.task-row[data-state="queued"]')).toHaveCount(5, { timeout: 20_000 });
  await expect(page.getByTestId('count-queued')).toHaveText('5', { timeout: 20_000 });
  // Its dataset goes away before it runs: that import must fail with a reason.
  await v1.delete(`/v1/datasets/${gone.id}`);

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
  await expect(page.locator('.kind-table tr').filter({ hasText: 'import' })).toContainText('3 succeeded', { timeout: 20_000 });

  // The failure says what went wrong, never a stack.
  await row(bad).click();
  const failed = page.getByRole('region', { name: `Task ${bad}` });
  await expect(failed.getByTestId('detail-error')).toContainText(`Dataset ${gone.id} no longer exists.`);
  await expect(failed).not.toContainText(/\n\s+at |\.ts:\d+/);
  await expect(failed.locator('.timeline')).toContainText('Failed for good');

  // A success shows its result; the text filter narrows the list.
  await row(ok[2]).click();
  const done = page.getByRole('region', { name: `Task ${ok[2]}` });
  await expect(done.getByTestId('detail-state')).toHaveText('Succeeded');
  // Its last progress report stays, and the bar is drawn full (a span fill once drew nothing).
  await expect(done.locator('.task-detail-progress')).toContainText('8 of 8 files');
  const bar = await done.getByRole('progressbar').boundingBox();
  const fill = await done.locator('.progress-fill').boundingBox();
  expect(fill?.width ?? 0).toBeGreaterThan((bar?.width ?? 0) * 0.95);
  // In the person's words: what and where, readable facts, the JSON one click away.
  await expect(done.getByRole('heading', { level: 2 })).toContainText('Import 8 pictures into Pets');
  await expect(done.locator('.task-facts')).toContainText('Added');
  await expect(done.locator('.task-facts')).toContainText('Already there');
  await expect(done.locator('.task-facts')).toContainText('from folder names');
  await expect(done.locator('pre.task-json').first()).toBeHidden();
  await done.getByText('Input and result as sent (JSON)').click();
  await expect(done).toContainText('"total": 8');
  await expect(row(ok[2]).locator('.task-kind')).toHaveText('Import 8 pictures into Pets');
  await page.keyboard.press('/');
  await page.keyboard.type('batch1');
  await expect(page.locator('.task-row')).toHaveCount(1);
  await expect(row(ok[1])).toBeVisible();
  await page.getByLabel('Filter tasks by text').fill('');

  // The list of tasks that failed for good holds the failed one, from the keyboard.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('d');
  await expect(page.getByRole('button', { name: /Failed, will not retry \(\d+\)/ })).toHaveAttribute('aria-pressed', 'true');
  await expect(row(bad).locator('.state-tag')).toHaveText('Failed');
  await expect(row(bad)).toBeVisible();
  await expect(page.locator('.task-row[data-state="succeeded"]')).toHaveCount(0);

  // At 1024 px nothing in the header is cut off.
  await page.setViewportSize({ width: 1024, height: 768 });
  const clipped = await page.locator('.tasks .toolbar').evaluate((bar) => {
    const box = bar.getBoundingClientRect();
    return Array.from(bar.children)
      .filter((c) => c.getBoundingClientRect().width > 0 && !c.classList.contains('visually-hidden'))
      .filter((c) => c.getBoundingClientRect().right > box.right + 0.5 || c.scrollWidth > c.clientWidth + 1)
      .map((c) => c.textContent);
  });
  expect(clipped).toEqual([]);
  await page.screenshot({ path: join(ROOT, 'docs/tasks.png') });

  // The help dialog lists the page's keys.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('Cancel the selected task');
});
