import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { createDataset, expect, labelButton, labelCount, test } from './fixtures';
import { fmnistPictures, writeByLabel, writeFlat } from './fmnist-pictures';
import { callInPage } from './contract-call';
import { ROOT } from './loupe-server';

/*
 * Predictions that pay, as a person uses them: filter the unlabelled pictures by what the
 * model guesses and how sure it is, sort by confidence, search a file name, then "Select
 * all N" and Enter label every match in one undoable step, pages not yet loaded included
 * (the page size is cut to 5 here so the matches span several pages). Fashion-MNIST, 28×28.
 */

const CLASSES = ['Trouser', 'Bag', 'Sneaker'];
let pics: string;

test.beforeAll(async () => {
  pics = mkdtempSync(join(tmpdir(), 'loupe-grid-filters-'));
  writeByLabel(join(pics, 'clothes'), await fmnistPictures(CLASSES, 8));
  writeFlat(join(pics, 'loose'), await fmnistPictures(CLASSES, 12, 8));
});
test.afterAll(() => rmSync(pics, { recursive: true, force: true }));

const cells = (page: Page) => page.locator('.cell[data-id]');

/** Waits until the active model has predicted every picture. */
async function waitForPredictions(page: Page, total: number) {
  const datasetId = (await callInPage(page, 'datasets.list', {}))[0].id;
  await expect
    .poll(
      async () => {
        const r = await callInPage(page, 'images.list', { datasetId, limit: 500 });
        return r.items.filter((i) => i.prediction !== null).length;
      },
      { timeout: 120_000 },
    )
    .toBe(total);
  return datasetId;
}

test('filter by guess and confidence, sort, search, then Select all N + Enter labels them all; Ctrl+Z undoes', async ({ app: page }) => {
  await page.addInitScript(() => localStorage.setItem('loupe.pageSize', '5'));
  await page.reload();
  await page.setViewportSize({ width: 1280, height: 860 });
  await createDataset(page, 'Clothes');
  await page.getByTestId('folder-input').setInputFiles(join(pics, 'clothes'));
  for (const c of CLASSES) await expect(labelCount(page, `label:${c}`)).toHaveText('8', { timeout: 60_000 });
  await page.getByTestId('picture-input').setInputFiles(readdirSync(join(pics, 'loose')).map((f) => join(pics, 'loose', f)));
  await expect(labelCount(page, 'unlabeled')).toHaveText('36', { timeout: 60_000 });
  const datasetId = await waitForPredictions(page, 60);

  // Unlabelled pictures the model calls Sneaker, at least 60 % sure.
  await labelButton(page, 'unlabeled').click();
  const bar = page.getByRole('search', { name: 'Filter pictures' });
  await bar.getByLabel('Predicted label').selectOption('Sneaker');
  await expect(page).toHaveURL(new RegExp(`#/library/${datasetId}/unlabelled\\?predicted=Sneaker$`));
  await bar.getByLabel('Lowest confidence').fill('0.6');
  await expect(page).toHaveURL(/min=0\.6&predicted=Sneaker$/);
  await bar.getByLabel('Sort by').selectOption('-confidence');
  await expect(page).toHaveURL(/sort=-confidence$/);

  const expected = await callInPage(page, 'images.list', {
    datasetId,
    unlabeled: true,
    predicted: 'Sneaker',
    minConfidence: 0.6,
    sort: '-confidence',
    limit: 500,
  });
  const n = expected.items.length;
  expect(n).toBeGreaterThan(5); // more than one page of 5
  await expect(page.locator('.toolbar-info')).toContainText(`Unlabelled (filtered) · ${n} pictures`);
  // Surest first: the first cells are the surest guesses, in the server's order.
  await expect(cells(page).first()).toHaveAttribute('data-id', expected.items[0].id);
  const shown = await cells(page).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  const percents = shown.map((l) => Number(/guess Sneaker (\d+) %/.exec(l)?.[1]));
  expect(percents.every((p) => p >= 60)).toBe(true);
  expect(percents).toEqual([...percents].sort((a, b) => b - a));
  await page.screenshot({ path: join(ROOT, 'docs/grid-filters.png') });

  // A file name search narrows to one picture; Back takes the search away again.
  const one = expected.items[n - 1];
  await bar.getByLabel('Search file names').fill(one.fileName.replace('.png', '').toUpperCase());
  await expect(cells(page)).toHaveCount(1);
  await expect(cells(page).first()).toHaveAttribute('data-id', one.id);
  await expect(page).toHaveURL(/&q=/);
  await page.goBack();
  await expect(page).not.toHaveURL(/&q=/);
  await expect(bar.getByLabel('Search file names')).toHaveValue('');
  await expect(page.locator('.toolbar-info')).toContainText(`· ${n} pictures`);
  await page.goForward();
  await expect(cells(page)).toHaveCount(1);
  await page.goBack();
  await expect(bar.getByLabel('Lowest confidence')).toHaveValue('0.6');

  // Select all N: every match, not only the first page loaded; Enter accepts all their guesses.
  await bar.getByRole('button', { name: `Select all ${n}` }).click();
  await expect(page.locator('.toolbar-info')).toContainText(`${n} selected`);
  await expect(page.locator('[role="grid"]')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('undo-notice')).toContainText(`${n}`);
  await expect(labelCount(page, 'unlabeled')).toHaveText(String(36 - n));
  await expect(page.getByText('No pictures match these filters.')).toBeVisible();
  const accepted = await callInPage(page, 'images.list', { datasetId, q: '', label: 'Sneaker', limit: 500 });
  expect(accepted.items.filter((i) => expected.items.some((e) => e.id === i.id))).toHaveLength(n);

  // One undo step brings them all back unlabelled.
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('undo-notice')).toContainText('Undone');
  await expect(labelCount(page, 'unlabeled')).toHaveText('36');
  await expect(labelCount(page, 'label:Sneaker')).toHaveText('8');

  // Disagrees: labelled pictures whose guess differs from their label (the filters stay); Clear filters keeps the order.
  await bar.getByRole('button', { name: 'Disagrees' }).click();
  await expect(page).toHaveURL(new RegExp(`#/library/${datasetId}\\?agreement=disagrees&min=0\\.6&predicted=Sneaker&sort=-confidence$`));
  const dis = await callInPage(page, 'images.list', { datasetId, agreement: 'disagrees', predicted: 'Sneaker', minConfidence: 0.6, limit: 500 });
  expect(dis.items.every((i) => i.label !== null && i.label !== 'Sneaker')).toBe(true);
  await expect(page.locator('.toolbar-info')).toContainText(`All pictures (filtered) · ${dis.items.length} picture`);
  await expect(cells(page)).toHaveCount(dis.items.length);
  await bar.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(new RegExp(`#/library/${datasetId}\\?sort=-confidence$`));
  await expect(page.locator('.toolbar-info')).toContainText('All pictures · 60 pictures');
});
