import { mkdirSync, mkdtempSync, rmSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, createDataset, labelCount } from './fixtures';
import { writePetFolders } from './pictures';
import { ROOT } from './loupe-server';
import { callInPage } from './contract-call';

/*
 * Review mode as a person drives it: the Review button opens the Label next queue, Enter
 * accepts the model's guess, a digit corrects it, ← goes back to see the label changed,
 * Ctrl+Z undoes, Esc returns to the Library whose counts agree.
 */

let pics: string;
test.beforeAll(async () => {
  pics = mkdtempSync(join(tmpdir(), 'loupe-review-'));
  await writePetFolders(join(pics, 'pets'), 8);
  // The last two cats and dogs go in as loose, unlabelled pictures.
  mkdirSync(join(pics, 'loose'));
  for (const kind of ['cats', 'dogs']) {
    for (const f of readdirSync(join(pics, 'pets', kind))
      .sort()
      .slice(6)) {
      copyFileSync(join(pics, 'pets', kind, f), join(pics, 'loose', f));
      rmSync(join(pics, 'pets', kind, f));
    }
  }
});
test.afterAll(() => rmSync(pics, { recursive: true, force: true }));

/** Waits until every picture is embedded and a model exists (automatic training after the import). */
async function waitForModel(page: Page, datasetId: string, images: number) {
  await expect
    .poll(
      async () => {
        const s = await callInPage(page, 'vision.status', { datasetId });
        return s.latestModelId !== null ? s.embedded : -1;
      },
      { timeout: 120_000 },
    )
    .toBe(images);
}

test('review mode: Enter accepts, a digit corrects, the label changes, Ctrl+Z undoes', async ({ app: page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await createDataset(page, 'Pets');
  await page.getByTestId('folder-input').setInputFiles(join(pics, 'pets'));
  await expect(labelCount(page, 'all')).toHaveText('12', { timeout: 60_000 });
  await page.getByTestId('picture-input').setInputFiles(readdirSync(join(pics, 'loose')).map((f) => join(pics, 'loose', f)));
  await expect(labelCount(page, 'unlabeled')).toHaveText('4', { timeout: 60_000 });
  const datasetId = (await callInPage(page, 'datasets.list', {}))[0].id;
  await waitForModel(page, datasetId, 16);

  await page.getByRole('button', { name: 'Review', exact: true }).click();
  const review = page.getByTestId('review-mode');
  await expect(review).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`#/library/${datasetId}/review/label-next$`));
  await expect(review.getByRole('tab', { name: 'Label next' })).toHaveAttribute('aria-selected', 'true');
  await expect(review.getByText('1 of 4')).toBeVisible();
  await expect(review.getByTestId('review-label')).toHaveText('Unlabelled');
  // Its top guesses: both labels, best first.
  await expect(review.getByTestId('review-top').locator('li')).toHaveCount(2);
  const guess = (await review.getByTestId('review-top').locator('li').first().locator('.chip').textContent())!;
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="review-image"]');
    return img !== null && img.complete && img.naturalWidth > 0;
  });
  await page.screenshot({ path: join(ROOT, 'docs/review.png') });

  // Enter accepts the guess and moves on.
  await page.keyboard.press('Enter');
  await expect(review.getByText('2 of 4')).toBeVisible();
  await expect(labelCount(page, 'unlabeled')).toHaveText('3');
  // 2 is the second label (dogs): the picture is labelled dogs and review moves on.
  await page.keyboard.press('2');
  await expect(review.getByText('3 of 4')).toBeVisible();
  await expect(labelCount(page, 'unlabeled')).toHaveText('2');

  // Back: each picture shows the label it was given here.
  await page.keyboard.press('ArrowLeft');
  await expect(review.getByText('2 of 4')).toBeVisible();
  await expect(review.getByTestId('review-label')).toHaveText('dogs');
  await page.keyboard.press('ArrowLeft');
  await expect(review.getByTestId('review-label')).toHaveText(guess);

  // Skip with S leaves a picture as it is.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('s');
  await expect(review.getByText('4 of 4')).toBeVisible();
  await expect(labelCount(page, 'unlabeled')).toHaveText('2');

  // Ctrl+Z undoes the correction: one more unlabelled picture, and the notice says so.
  await page.keyboard.press('Control+z');
  await expect(review.getByTestId('undo-notice')).toContainText('Undone');
  await expect(labelCount(page, 'unlabeled')).toHaveText('3');

  // The other queues answer too; Likely mislabelled trains its five heads first.
  await review.getByRole('tab', { name: 'Likely mislabelled' }).click();
  await expect(page).toHaveURL(/review\/likely-mislabelled$/);
  await expect(review.getByText(/of \d+|contradicts|Nothing/)).toBeVisible({ timeout: 60_000 });

  // Esc: back in the Library, whose counts agree.
  await page.keyboard.press('Escape');
  await expect(review).toBeHidden();
  await expect(page).toHaveURL(new RegExp(`#/library/${datasetId}$`));
  await expect(labelCount(page, 'unlabeled')).toHaveText('3');

  // Settings names what ran those predictions: the provider and onnxruntime's thread count.
  await page.keyboard.press('Alt+6');
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByTestId('inference-provider')).toHaveText('cpu');
  await expect(page.getByTestId('inference-threads')).toHaveText(/^[1-4]$/);
});
