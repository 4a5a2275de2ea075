import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataset, expect, labelCount, test } from './fixtures';
import { kindPicture, writeKind } from '../services/vision-pictures';

/*
 * From an empty dataset to a model that answers, in the browser shell: a folder of two
 * kinds of pictures goes in, Loupe trains on its own, the Train page shows the finished
 * run, and a new picture dropped on Play gets the right label.
 */

let pics: string;

test.beforeAll(async () => {
  pics = mkdtempSync(join(tmpdir(), 'loupe-vision-e2e-'));
  await writeKind(join(pics, 'colours', 'red'), 'red', 10, 1);
  await writeKind(join(pics, 'colours', 'blue'), 'blue', 10, 1);
  writeFileSync(join(pics, 'new-red.png'), await kindPicture('red', 999));
});
test.afterAll(() => rmSync(pics, { recursive: true, force: true }));

test('drop two kinds of pictures, watch training finish, and get the right label in Play', async ({ app: page }) => {
  await createDataset(page, 'Colours');
  await page.getByTestId('folder-input').setInputFiles(join(pics, 'colours'));
  await expect(labelCount(page, 'label:red')).toHaveText('10', { timeout: 60_000 });
  await expect(labelCount(page, 'label:blue')).toHaveText('10');

  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('run-done')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByRole('table', { name: /Confusion matrix/ })).toBeVisible();
  await expect(page.getByRole('table', { name: /precision, recall and F1/ })).toContainText('red');
  await expect(page.getByText(/Colours v1/)).toBeVisible();

  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.getByTestId('play-input').setInputFiles(join(pics, 'new-red.png'));
  await expect(page.getByTestId('play-top').first()).toHaveText('red', { timeout: 30_000 });

  // A dropped picture works the same way.
  const blue = (await kindPicture('blue', 998)).toString('base64');
  await page.evaluate((b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped-blue.png', { type: 'image/png' }));
    document.querySelector('[data-testid="play-drop"]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, blue);
  await expect(page.getByTestId('play-result').filter({ hasText: 'dropped-blue.png' }).getByTestId('play-top')).toHaveText('blue', { timeout: 30_000 });
});
