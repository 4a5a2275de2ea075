import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, createDataset, labelCount } from './fixtures';
import { writePetFolders } from './pictures';
import { ROOT } from './loupe-server';
import { callInPage } from './contract-call';

/*
 * Play as a person drives it: results in file order with a summary per predicted label,
 * "That's right" and "That's wrong → a new label" add the picture to the dataset, a test
 * folder is scored without adding anything, and the webcam (Chromium's fake camera) takes
 * a picture that is classified like a dropped one.
 */
test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  },
});

let pics: string;
test.beforeAll(async () => {
  pics = mkdtempSync(join(tmpdir(), 'loupe-play-'));
  await writePetFolders(join(pics, 'all'), 12);
  // Training: the first six of each; Play: three more, renamed so name order ≠ any other order; test folder: the last three.
  for (const kind of ['cats', 'dogs']) {
    const files = readdirSync(join(pics, 'all', kind)).sort();
    mkdirSync(join(pics, 'train', kind), { recursive: true });
    mkdirSync(join(pics, 'test', kind), { recursive: true });
    files.slice(0, 6).forEach((f) => copyFileSync(join(pics, 'all', kind, f), join(pics, 'train', kind, f)));
    files.slice(9).forEach((f) => copyFileSync(join(pics, 'all', kind, f), join(pics, 'test', kind, f)));
  }
  mkdirSync(join(pics, 'try'));
  const cats = readdirSync(join(pics, 'all', 'cats')).sort();
  const dogs = readdirSync(join(pics, 'all', 'dogs')).sort();
  const ext = (f: string) => f.slice(f.lastIndexOf('.'));
  copyFileSync(join(pics, 'all', 'cats', cats[6]), join(pics, 'try', `pic10${ext(cats[6])}`));
  copyFileSync(join(pics, 'all', 'dogs', dogs[6]), join(pics, 'try', `pic2${ext(dogs[6])}`));
  copyFileSync(join(pics, 'all', 'cats', cats[7]), join(pics, 'try', `pic1${ext(cats[7])}`));
});
test.afterAll(() => rmSync(pics, { recursive: true, force: true }));

async function imageCount(page: Page): Promise<number> {
  return (await callInPage(page, 'datasets.list', {}))[0].imageCount;
}

test('Play: file order, a summary, that’s right / wrong, scoring a test folder, the webcam', async ({ app: page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await createDataset(page, 'Pets');
  await page.getByTestId('folder-input').setInputFiles(join(pics, 'train'));
  await expect(labelCount(page, 'all')).toHaveText('12', { timeout: 60_000 });
  await expect.poll(async () => (await callInPage(page, 'models.list', {})).items.length, { timeout: 120_000 }).toBeGreaterThan(0);

  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.getByTestId('play-folder-input').setInputFiles(join(pics, 'try'));
  const rows = page.getByTestId('play-result');
  await expect(rows).toHaveCount(3);
  // File order (pic1, pic2, pic10), laid out before any answer arrives and kept after.
  await expect(rows.locator('.play-name')).toHaveText([/^pic1\./, /^pic2\./, /^pic10\./]);
  await expect(rows.getByTestId('play-top')).toHaveText(['cats', 'dogs', 'cats'], { timeout: 60_000 });
  const summary = page.getByTestId('play-summary');
  await expect(summary.getByTestId('play-summary-row')).toHaveText([/^cats 2/, /^dogs 1/]);

  // "That's right": the picture joins the dataset with the guessed label.
  const before = await imageCount(page);
  await rows.nth(0).getByRole('button', { name: 'That’s right' }).click();
  await expect(rows.nth(0)).toContainText('Added as “cats”');
  await expect.poll(() => imageCount(page)).toBe(before + 1);

  // "That's wrong" → a new label.
  await rows.nth(1).getByRole('button', { name: 'That’s wrong…' }).click();
  await rows.nth(1).getByLabel('The right label').selectOption({ label: 'New label…' });
  await rows.nth(1).getByLabel('New label').fill('puppies');
  await rows.nth(1).getByRole('button', { name: 'Add to dataset' }).click();
  await expect(rows.nth(1)).toContainText('Added as “puppies”');
  await expect(summary).toContainText('you said 1 right, 1 wrong');
  await expect
    .poll(async () => (await callInPage(page, 'datasets.get', { id: (await callInPage(page, 'datasets.list', {}))[0].id })).labels.map((l) => l.name))
    .toContain('puppies');

  // Score a labelled test folder: accuracy, per-label table, confusion matrix; nothing added.
  const count = await imageCount(page);
  await page.getByTestId('score-folder-input').setInputFiles(join(pics, 'test'));
  const score = page.getByTestId('score');
  await expect(score).toBeVisible({ timeout: 60_000 });
  await expect(score).toContainText('6 pictures scored');
  await expect(score.getByTestId('score-accuracy')).toHaveText(/%/);
  await expect(score.getByRole('table', { name: /Confusion matrix/ })).toContainText('dogs');
  await expect(score.getByRole('table', { name: /precision, recall and F1/ })).toContainText('cats');
  expect(await imageCount(page)).toBe(count);
  await page.screenshot({ path: join(ROOT, 'docs/play.png') });

  // The webcam: Chromium's fake camera; a capture is classified like a dropped picture.
  await page.getByRole('button', { name: 'Webcam' }).click();
  await expect(page.getByTestId('webcam').locator('video')).toBeVisible();
  await page.getByRole('button', { name: /Capture/ }).click();
  await expect(rows.filter({ hasText: 'webcam-' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'webcam-' }).getByTestId('play-top')).toHaveText(/cats|dogs/, { timeout: 60_000 });
});
