import { test as base, expect, type Page } from '@playwright/test';
import { startLoupe, type LoupeServer } from './loupe-server';

/**
 * One `loupe serve` per test FILE, fresh data folder each time. Playwright keeps a worker
 * (and its worker-scoped fixtures) across files, so a plain worker fixture would let one
 * file's datasets and tasks leak into the next; the worker-scoped holder below starts a new
 * server whenever the file changes. Tests of one file share it, in order.
 */
class ServerPerFile {
  private current: { file: string; key: string; server: LoupeServer } | null = null;
  async forFile(file: string, env: Record<string, string>): Promise<LoupeServer> {
    const key = JSON.stringify(env);
    if (this.current && this.current.file === file && this.current.key === key) return this.current.server;
    await this.stop();
    const server = await startLoupe({ env });
    this.current = { file, key, server };
    return server;
  }
  async stop(): Promise<void> {
    const c = this.current;
    this.current = null;
    if (c) await c.server.stop();
  }
}

export const test = base.extend<{ app: Page; loupe: LoupeServer; loupeEnv: Record<string, string> }, { servers: ServerPerFile }>({
  servers: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture list from this pattern
    async ({}, use) => {
      const servers = new ServerPerFile();
      await use(servers);
      await servers.stop();
    },
    { scope: 'worker', timeout: 240_000 },
  ],
  /** Environment for this file's server: `test.use({ loupeEnv: { … } })`. */
  loupeEnv: [{}, { option: true }],
  loupe: async ({ servers, loupeEnv }, use, testInfo) => {
    await use(await servers.forFile(testInfo.file, loupeEnv));
  },
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
