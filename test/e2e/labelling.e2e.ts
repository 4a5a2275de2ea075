import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, createDataset, labelButton, labelCount } from './fixtures';
import { writePetFolders } from './pictures';
import { ROOT } from './loupe-server';

/*
 * The labelling loop as a person drives it: keys, the selection bar, right-click, dragging
 * onto a label, undo and redo, label rename / merge / recolour / delete, and URLs that Back
 * and Forward follow. Each test builds on the one before (one server per file).
 */

// Labelling needs no training here; it would only load the machine.
test.use({ loupeEnv: { LOUPE_AUTO_TRAIN: '0' } });

let pics: string;
test.beforeAll(async () => {
  pics = mkdtempSync(join(tmpdir(), 'loupe-labelling-'));
  await writePetFolders(join(pics, 'pets'), 6);
});
test.afterAll(() => rmSync(pics, { recursive: true, force: true }));

const grid = (page: Page) => page.getByRole('grid', { name: 'Pictures' });
const cells = (page: Page) => page.getByRole('gridcell');
const notice = (page: Page) => page.getByTestId('undo-notice');

async function waitForThumbnails(page: Page) {
  await page.waitForFunction(() => {
    const imgs = Array.from(document.querySelectorAll<HTMLImageElement>('.cell img'));
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  });
}

test('bulk clear says what it did and Undo, Ctrl+Z and Ctrl+Shift+Z take it back and forth', async ({ app: page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await createDataset(page, 'Pets');
  await page.getByTestId('folder-input').setInputFiles(join(pics, 'pets'));
  await expect(labelCount(page, 'all')).toHaveText('12', { timeout: 60_000 });

  // Seven pictures selected, 0 pressed: they are unlabelled, and the notice says so with Undo.
  await cells(page).nth(0).click();
  await cells(page)
    .nth(6)
    .click({ modifiers: ['Shift'] });
  await page.keyboard.press('0');
  await expect(notice(page)).toContainText('7 pictures unlabelled');
  await expect(labelCount(page, 'unlabeled')).toHaveText('7');
  await notice(page).getByRole('button', { name: 'Undo' }).click();
  await expect(labelCount(page, 'unlabeled')).toHaveText('0');
  await expect(notice(page)).toContainText('Undone: 7 pictures unlabelled');

  // Redo from the keyboard, then undo again.
  await grid(page).focus();
  await page.keyboard.press('Control+Shift+Z');
  await expect(labelCount(page, 'unlabeled')).toHaveText('7');
  await page.keyboard.press('Control+z');
  await expect(labelCount(page, 'unlabeled')).toHaveText('0');

  // The history outlives a reload.
  await page.reload();
  await expect(labelCount(page, 'all')).toHaveText('12');
  await page.keyboard.press('Control+Shift+Z');
  await expect(labelCount(page, 'unlabeled')).toHaveText('7');
  await page.keyboard.press('Control+z');
  await expect(labelCount(page, 'unlabeled')).toHaveText('0');
});

test('labels by mouse: selection bar, right-click menu, drag onto a label; focus comes back to the grid', async ({ app: page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await labelButton(page, 'label:cats').click();
  await expect(cells(page)).toHaveCount(6);

  // The selection bar's button labels the selection, and the next digit still works.
  await cells(page).nth(0).click();
  const bar = page.getByRole('toolbar', { name: /Label 1 selected picture/ });
  await bar.getByRole('button', { name: 'dogs' }).click();
  await expect(labelCount(page, 'label:dogs')).toHaveText('7');
  await expect(grid(page)).toBeFocused();

  // Right-click: the menu acts on that picture; after it closes, keys reach the grid again.
  await cells(page).nth(0).click({ button: 'right' });
  const menu = page.getByRole('menu');
  await expect(menu).toBeVisible();
  await menu.getByRole('menuitem', { name: /Remove label/ }).click();
  await expect(labelCount(page, 'unlabeled')).toHaveText('1');
  await expect(grid(page)).toBeFocused();
  const catsKey = await labelButton(page, 'label:cats').locator('.label-key').textContent();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press(catsKey!.trim());

  // Drag two pictures onto "dogs" in the sidebar.
  await cells(page).nth(0).click();
  await cells(page)
    .nth(1)
    .click({ modifiers: ['Shift'] });
  const before = Number(await labelCount(page, 'label:dogs').textContent());
  await cells(page).nth(0).dragTo(labelButton(page, 'label:dogs'));
  await expect(labelCount(page, 'label:dogs')).toHaveText(String(before + 2));
  await expect(notice(page)).toContainText('2 pictures labelled “dogs”');

  // The label picker (L) returns focus to the grid: the digit pressed next labels.
  await labelButton(page, 'all').click();
  await cells(page).nth(0).click();
  await page.keyboard.press('l');
  const picker = page.getByRole('dialog', { name: 'Label' });
  await picker.getByRole('combobox').fill('birds');
  await page.keyboard.press('Enter');
  await expect(picker).toBeHidden();
  await expect(labelCount(page, 'label:birds')).toHaveText('1');
  await expect(grid(page)).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('3');
  await expect(labelCount(page, 'label:birds')).toHaveText('2');
});

test('labels keep their shortcuts in creation order, and can be renamed, merged, recoloured and deleted with undo', async ({ app: page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  const keys = () =>
    page
      .locator('.labels .label-item[data-filter^="label:"]')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-filter')}=${e.querySelector('.label-key')?.textContent ?? ''}`));
  await expect(labelButton(page, 'label:birds')).toBeVisible();
  expect(await keys()).toEqual(['label:cats=1', 'label:dogs=2', 'label:birds=3']);
  // A new label alphabetically first still goes last: no shortcut renumbers.
  await page.getByRole('button', { name: '+ New label' }).click();
  const add = page.getByRole('dialog', { name: 'New label' });
  await add.getByLabel('Label name').fill('aardvarks');
  await add.getByRole('button', { name: 'Add label' }).click();
  await expect(labelButton(page, 'label:aardvarks')).toBeVisible();
  expect(await keys()).toEqual(['label:cats=1', 'label:dogs=2', 'label:birds=3', 'label:aardvarks=4']);
  // Too few pictures to measure is said beside the label.
  await expect(labelButton(page, 'label:birds').getByRole('img', { name: 'too few pictures to measure' })).toBeVisible();

  // Rename "birds" to "parrots".
  await page.getByRole('button', { name: 'Actions for label birds' }).click();
  await page.getByRole('menuitem', { name: 'Rename or merge…' }).click();
  let dialog = page.getByRole('dialog', { name: 'Rename “birds”' });
  await dialog.getByRole('textbox').fill('parrots');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await expect(labelCount(page, 'label:parrots')).toHaveText('2');
  expect(await keys()).toEqual(['label:cats=1', 'label:dogs=2', 'label:parrots=3', 'label:aardvarks=4']);

  // Merge "parrots" into "dogs": the dialog warns, the counts add up, Undo separates them.
  const dogs = Number(await labelCount(page, 'label:dogs').textContent());
  await page.getByRole('button', { name: 'Actions for label parrots' }).click();
  await page.getByRole('menuitem', { name: 'Rename or merge…' }).click();
  dialog = page.getByRole('dialog', { name: 'Rename “parrots”' });
  await dialog.getByRole('textbox').fill('dogs');
  await expect(dialog.getByRole('status')).toContainText('will be merged into “dogs”');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await expect(labelCount(page, 'label:dogs')).toHaveText(String(dogs + 2));
  await expect(labelButton(page, 'label:parrots')).toHaveCount(0);
  await expect(notice(page)).toContainText('“parrots” merged into “dogs” (2 pictures)');
  await notice(page).getByRole('button', { name: 'Undo' }).click();
  await expect(labelCount(page, 'label:parrots')).toHaveText('2');
  expect(await keys()).toEqual(['label:cats=1', 'label:dogs=2', 'label:parrots=3', 'label:aardvarks=4']);

  // Recolour "cats" with a preset.
  await page.getByRole('button', { name: 'Actions for label cats' }).click();
  await page.getByRole('menuitem', { name: 'Change colour…' }).click();
  const colour = page.getByRole('dialog', { name: 'Colour of “cats”' });
  await colour.getByLabel('Or a colour as #rrggbb').fill('#d03030');
  await colour.getByRole('button', { name: 'Use colour' }).click();
  await expect(labelButton(page, 'label:cats').locator('.swatch')).toHaveCSS('background-color', 'rgb(208, 48, 48)');

  // Delete "parrots": its pictures become unlabelled; Ctrl+Z brings it back in its place.
  const unlabelled = Number(await labelCount(page, 'unlabeled').textContent());
  await page.getByRole('button', { name: 'Actions for label parrots' }).click();
  await page.getByRole('menuitem', { name: 'Delete label…' }).click();
  await page.getByRole('alertdialog', { name: 'Delete label “parrots”?' }).getByRole('button', { name: 'Delete label' }).click();
  await expect(labelButton(page, 'label:parrots')).toHaveCount(0);
  await expect(labelCount(page, 'unlabeled')).toHaveText(String(unlabelled + 2));
  await grid(page).focus();
  await page.keyboard.press('Control+z');
  await expect(labelCount(page, 'label:parrots')).toHaveText('2');
  expect(await keys()).toEqual(['label:cats=1', 'label:dogs=2', 'label:parrots=3', 'label:aardvarks=4']);

  await labelButton(page, 'all').click();
  await cells(page).nth(0).click();
  await cells(page)
    .nth(2)
    .click({ modifiers: ['Shift'] });
  await waitForThumbnails(page);
  await page.screenshot({ path: join(ROOT, 'docs/labelling.png') });
});

test('adding pictures under a label filter says where they go; pages, datasets and filters have URLs that Back and Forward follow', async ({ app: page }) => {
  await labelButton(page, 'label:cats').click();
  await expect(page.getByRole('button', { name: 'Add pictures to “cats”…' })).toBeVisible();
  await expect(page).toHaveURL(/#\/library\/\d+\/label\/cats$/);
  await labelButton(page, 'unlabeled').click();
  await expect(page.getByRole('button', { name: 'Add pictures…', exact: true })).toBeVisible();
  await expect(page).toHaveURL(/#\/library\/\d+\/unlabelled$/);

  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: /Train/ }).click();
  // The Train page's address names the dataset it shows, without an extra Back step.
  await expect(page).toHaveURL(/#\/train\/\d+$/);
  await page.goBack();
  await expect(page).toHaveURL(/#\/library\/\d+\/unlabelled$/);
  await expect(labelButton(page, 'unlabeled')).toHaveAttribute('aria-pressed', 'true');
  await page.goBack();
  await expect(page).toHaveURL(/label\/cats$/);
  await expect(labelButton(page, 'label:cats')).toHaveAttribute('aria-pressed', 'true');
  await page.goForward();
  await expect(labelButton(page, 'unlabeled')).toHaveAttribute('aria-pressed', 'true');

  // A URL opened afresh shows that view.
  const url = page.url().replace(/unlabelled$/, 'label/dogs');
  await page.goto(url);
  await expect(labelButton(page, 'label:dogs')).toHaveAttribute('aria-pressed', 'true');
});

test('Space shows a picture full size with zoom; arrows move, digits label it; the size slider makes cells bigger', async ({ app: page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await labelButton(page, 'all').click();
  await cells(page).nth(0).click();
  const first = await cells(page).nth(0).getAttribute('aria-label');
  await page.keyboard.press(' ');
  const viewer = page.getByRole('dialog');
  await expect(viewer).toBeVisible();
  await expect(viewer.getByRole('heading')).toHaveText(first!.split(',')[0]);
  await expect(page.getByTestId('viewer-zoom')).toHaveText('Fit');
  await page.keyboard.press('+');
  await expect(page.getByTestId('viewer-zoom')).toHaveText('150 %');
  await viewer.getByRole('button', { name: 'Zoom out' }).click();
  await expect(page.getByTestId('viewer-zoom')).toHaveText('100 %');
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('.viewer-stage img');
    return img !== null && img.complete && img.naturalWidth > 256;
  });

  // → shows the next picture; a digit labels the one shown.
  await page.keyboard.press('ArrowRight');
  // The grid is hidden from the accessibility tree while the viewer is open: read it by class.
  const second = await page.locator('.cell').nth(1).getAttribute('aria-label');
  await expect(viewer.getByRole('heading')).toHaveText(second!.split(',')[0]);
  const cats = Number(await labelCount(page, 'label:cats').textContent());
  const wasCat = second!.includes(', cats');
  await page.keyboard.press('1');
  if (!wasCat) await expect(labelCount(page, 'label:cats')).toHaveText(String(cats + 1));
  await expect(viewer).toContainText('Label: cats');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
  await expect(grid(page)).toBeFocused();

  const before = (await cells(page).nth(0).boundingBox())!.width;
  await page.getByLabel('Picture size').fill('320');
  await expect.poll(async () => (await cells(page).nth(0).boundingBox())!.width).toBeGreaterThan(before + 40);
});
