import { test as base, expect, type Page } from '@playwright/test';
import { startLoupe, type LoupeServer } from './loupe-server';

/** One `loupe serve` per test file (worker), fresh data folder each time. */
export const test = base.extend<{ app: Page }, { loupe: LoupeServer }>({
  loupe: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture list from this pattern
    async ({}, use) => {
      const server = await startLoupe();
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 240_000 },
  ],
  app: async ({ page, loupe }, use) => {
    await page.goto(`${loupe.url}/#token=${loupe.token}`);
    await use(page);
  },
});

export { expect };

/** A filter button of the label sidebar: 'all', 'unlabeled' or 'label:NAME'. */
export function labelButton(page: Page, filter: string) {
  return page.locator(`.labels .label-item[data-filter="${filter}"]`);
}

/** The count shown beside it. */
export function labelCount(page: Page, filter: string) {
  return labelButton(page, filter).locator('.count');
}

export async function createDataset(page: Page, name: string): Promise<void> {
  const welcome = page.getByRole('button', { name: 'New dataset', exact: true });
  const menu = page.getByRole('button', { name: /Open the dataset menu/ });
  // Wait for the page to know whether any dataset exists before choosing the route.
  await expect(welcome.or(menu)).toBeVisible();
  if (await welcome.isVisible()) await welcome.click();
  else {
    await menu.click();
    await page.getByRole('menuitem', { name: /New dataset/ }).click();
  }
  const dialog = page.getByRole('dialog', { name: 'New dataset' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('button', { name: new RegExp(`Dataset: ${name}\\.`) })).toBeVisible();
}
