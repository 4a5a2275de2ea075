import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataset, expect, labelButton, labelCount, test } from './fixtures';
import { fmnistPictures, writeByLabel, writeFlat } from './fmnist-pictures';

/*
 * The loop that makes Loupe useful, as a new user meets it in Chromium: drop folders of
 * labelled pictures and a handful of unlabelled ones, do nothing else, and every unlabelled
 * picture shows what the model thinks it is in the Library. (Fashion-MNIST, 28×28 PNGs.)
 */

const CLASSES = ['Trouser', 'Bag', 'Sneaker'];
let pics: string;

test.beforeAll(async () => {
  pics = mkdtempSync(join(tmpdir(), 'loupe-predictions-e2e-'));
  writeByLabel(join(pics, 'clothes'), await fmnistPictures(CLASSES, 8));
  writeFlat(join(pics, 'loose'), await fmnistPictures(CLASSES, 4, 8));
});
test.afterAll(() => rmSync(pics, { recursive: true, force: true }));

test('every unlabelled picture shows a prediction in the Library without any further action', async ({ app: page }) => {
  await createDataset(page, 'Clothes');
  await page.getByTestId('folder-input').setInputFiles(join(pics, 'clothes'));
  for (const c of CLASSES) await expect(labelCount(page, `label:${c}`)).toHaveText('8', { timeout: 60_000 });
  const loose = readdirSync(join(pics, 'loose')).map((f) => join(pics, 'loose', f));
  await page.getByTestId('picture-input').setInputFiles(loose);
  await expect(labelCount(page, 'unlabeled')).toHaveText('12', { timeout: 60_000 });

  await labelButton(page, 'unlabeled').click();
  const badges = page.locator('.cell [data-testid="prediction"]');
  await expect(badges).toHaveCount(12, { timeout: 120_000 });
  // The badges say what the pictures are (file names start with the true class).
  let right = 0;
  for (const cell of await page.locator('.cell[data-id]').all()) {
    const name = (await cell.getAttribute('aria-label')) ?? '';
    const badge = (await cell.getByTestId('prediction').textContent()) ?? '';
    expect(badge).toMatch(/^(Trouser|Bag|Sneaker) \d+%$/);
    if (name.toLowerCase().startsWith(badge.split(' ')[0].toLowerCase())) right++;
  }
  expect(right).toBeGreaterThanOrEqual(10);
});
