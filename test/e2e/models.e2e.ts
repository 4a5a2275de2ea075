import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataset, expect, labelCount, test } from './fixtures';
import { writeKind } from '../services/vision-pictures';
import { ROOT } from './loupe-server';

/*
 * One active model per dataset, as a person meets it: the Library shows training while it
 * runs, "Train now" with nothing changed says so, and on the Train page versions are
 * pinned, renamed, compared on the same held-out pictures and deleted.
 */

let pics: string;
test.beforeAll(async () => {
  pics = mkdtempSync(join(tmpdir(), 'loupe-models-e2e-'));
  await writeKind(join(pics, 'colours', 'red'), 'red', 12, 1);
  await writeKind(join(pics, 'colours', 'blue'), 'blue', 12, 1);
});
test.afterAll(() => rmSync(pics, { recursive: true, force: true }));

test('training shows in the Library; versions are pinned, renamed, compared and deleted; an unchanged Train now says so', async ({ app: page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await createDataset(page, 'Colours');
  // The automatic run of 24 small pictures can be over in well under a second on a fast, idle
  // machine: between two of Playwright's polls (500 ms apart), so polling for the indicator
  // may never see it. The page itself notes every time the indicator is rendered.
  await page.evaluate(() => {
    const w = window as unknown as { trainingShown: boolean };
    w.trainingShown = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="library-training"]')) w.trainingShown = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.getByTestId('folder-input').setInputFiles(join(pics, 'colours'));
  await expect(labelCount(page, 'label:red')).toHaveText('12', { timeout: 60_000 });
  // Loupe trains on its own after the labels arrive, and the Library says so while it runs.
  await expect.poll(() => page.evaluate(() => (window as unknown as { trainingShown: boolean }).trainingShown), { timeout: 60_000 }).toBe(true);
  await expect(page.getByTestId('library-training')).toBeHidden({ timeout: 120_000 });

  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('run-done')).toContainText('It is now the active model.', { timeout: 60_000 });
  const v1 = page.locator('.model-list li').filter({ hasText: 'Colours v1' });
  await expect(v1).toContainText('Active');

  // Nothing changed: Train now says so and offers to train anyway.
  await page.getByRole('button', { name: 'Train now' }).click();
  await expect(page.getByRole('alert')).toContainText('Nothing changed since Colours v1 was trained');
  await page.getByRole('button', { name: 'Train anyway' }).click();
  const v2 = page.locator('.model-list li').filter({ hasText: 'Colours v2' });
  await expect(v2).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('run-done')).toBeVisible({ timeout: 90_000 });
  // The run's line gives both scores and on how many pictures they were made.
  await expect(page.getByTestId('run-done')).toContainText(
    /It is now the active model: [\d.]+ % against [\d.]+ % for the model it replaces on the same \d+ held-out pictures\./,
    {
      timeout: 90_000,
    },
  );

  // Pin v1: it is the active one whatever v2 scored.
  await page.getByRole('button', { name: 'Pin Colours v1' }).click();
  await expect(v1).toContainText('Active · pinned');
  await expect(v2).not.toContainText('Active');

  // Rename v2, compare the two on the same held-out pictures.
  await page.getByRole('button', { name: 'Rename Colours v2' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename Colours v2' });
  await rename.getByLabel('Name').fill('Second try');
  await rename.getByRole('button', { name: 'Rename' }).click();
  const second = page.locator('.model-list li').filter({ hasText: 'Second try' });
  await expect(second).toBeVisible();
  await page.getByLabel('Compare Colours v1').check();
  await page.getByLabel('Compare Second try').check();
  const table = page.getByRole('table', { name: 'Colours v1 compared with Second try' });
  await expect(table).toContainText(/Both scored on the same \d+ held-out pictures/);
  await page.screenshot({ path: join(ROOT, 'docs/train-models.png') });

  // Delete the second version.
  await page.getByRole('button', { name: 'Delete Second try' }).click();
  await page.getByRole('alertdialog', { name: 'Delete Second try?' }).getByRole('button', { name: 'Delete model' }).click();
  await expect(second).toHaveCount(0);
  await expect(v1).toContainText('Active · pinned');
});
