import { rmSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { startLoupe } from './loupe-server';
import { createDataset } from './fixtures';

/*
 * The browser shell outlives a restart of `loupe serve`: the page says it is reconnecting,
 * comes back by itself on the same address, and shows what the server now holds.
 */
test('the page reconnects after loupe serve restarts, and keeps working', async ({ page }) => {
  test.setTimeout(240_000);
  let server = await startLoupe();
  const { dataDir, token } = server;
  const port = Number(new URL(server.url).port);
  try {
    await page.goto(`${server.url}/#token=${token}`);
    await createDataset(page, 'Before');
    await server.stop({ keepData: true });
    await expect(page.getByRole('status').filter({ hasText: 'Reconnecting' })).toBeVisible({ timeout: 20_000 });

    server = await startLoupe({ dataDir, token, port });
    await expect(page.getByRole('status').filter({ hasText: 'Reconnecting' })).toBeHidden({ timeout: 30_000 });
    // The same session cookie is still good (same token), so the page works without a reload.
    await createDataset(page, 'After');
    await page.getByRole('button', { name: /Open the dataset menu/ }).click();
    await expect(page.getByRole('menuitemradio', { name: /Before/ })).toBeVisible();
    await expect(page.getByRole('menuitemradio', { name: /After/ })).toBeVisible();
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
