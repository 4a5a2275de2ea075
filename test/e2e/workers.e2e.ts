import { hostname } from 'node:os';
import { test, expect } from '@playwright/test';
import { RedisTaskQueue } from '../../src/main/queue';
import { type RedisHandle, startRedis } from '../queue/redis-server';
import { TOKEN, type Proc, datasetWith, stop, worker } from '../cli/cluster';
import { type LoupeServer, startLoupe } from './loupe-server';

/*
 * The Tasks page's workers table in Debian's Chromium, against a real redis-server, a real
 * `loupe serve --broker` and a real `loupe worker` process: the worker appears with its name
 * and host, shows the task it holds, and reads as lost once it is killed and its lease ends.
 */

let redis: RedisHandle;
let server: LoupeServer;
let box: Proc | null = null;

test.beforeAll(async () => {
  redis = await startRedis();
  server = await startLoupe({ token: TOKEN, args: ['--broker', redis.url], env: { LOUPE_AUTO_TRAIN: '0' } });
});
test.afterAll(async () => {
  if (box) await stop(box, 'SIGKILL');
  await server?.stop();
  await redis?.stop();
});

test('a worker shows on the Tasks page with its host and current task, and as lost once killed', async ({ page }) => {
  test.setTimeout(180_000);
  box = await worker(redis.url, server.url, 'e2e-box', ['--slots', '1', '--lease-ms', '2000']);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${server.url}/#token=${TOKEN}`);
  await expect(page.getByRole('navigation', { name: 'Pages' })).toBeVisible({ timeout: 30_000 });
  await page.keyboard.press('Alt+5');
  await expect(page.getByRole('heading', { name: 'Broker workers' })).toBeVisible({ timeout: 20_000 });
  const row = page.locator('[data-testid="broker-workers"] tr[data-worker="e2e-box"]');
  await expect(row).toHaveAttribute('data-state', 'alive', { timeout: 20_000 });
  await expect(row).toContainText(hostname());
  await expect(row.getByTestId('worker-current')).toHaveText('idle');

  // Freeze the worker (SIGSTOP) while it holds a task: the page shows that task as its work.
  const broker = new RedisTaskQueue(redis.url, { name: 'loupe' });
  try {
    await datasetWith(server.url, 40);
    await expect(async () => {
      const t = (await broker.list({ state: 'running', limit: 100 })).items.find((x) => x.workerId === 'e2e-box');
      expect(t).toBeDefined();
      box!.child.kill('SIGSTOP');
    }).toPass({ timeout: 60_000, intervals: [20] });
    // Stopped now: what it holds is what it was given last (a claim may have landed meanwhile).
    const holding = (await broker.list({ state: 'running', limit: 100 })).items.filter((x) => x.workerId === 'e2e-box');
    expect(holding.length).toBeGreaterThan(0);
    await expect(row.getByTestId('worker-current')).toHaveText(holding.map((t) => `embed-batch #${t.id}`).join(', '), { timeout: 20_000 });

    // Killed: no more heartbeats, so after its 2 s lease it reads as lost and holds nothing.
    await stop(box, 'SIGKILL');
    box = null;
    await expect(row).toHaveAttribute('data-state', 'lost', { timeout: 30_000 });
    await expect(row).toContainText('lost');
    await expect(row.getByTestId('worker-current')).toHaveText('idle', { timeout: 30_000 });
  } finally {
    await broker.close();
  }
});
