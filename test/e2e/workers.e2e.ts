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
 *
 * The lease is 15 s, not shorter: the page reads the workers every 3 s (BrokerWorkers'
 * REFRESH_MS), and a frozen worker holds its task only until its lease runs out (then the
 * server hands the task back and the row truthfully reads "idle"). With a 2 s lease that
 * window (lease minus up to one heartbeat, 1.3-2 s) was shorter than one refresh, so the
 * row showed the task only when a refresh happened to land in it: on a busy machine it did
 * not, and the row read "idle". Frozen, the worker now holds its task for at least 10 s.
 */
const LEASE_MS = 15_000;

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
  box = await worker(redis.url, server.url, 'e2e-box', ['--slots', '1', '--lease-ms', String(LEASE_MS)]);
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
    // A task can end between the read that saw it and the SIGSTOP (CI once froze the worker
    // just after its last completion landed, holding nothing, with no work left to claim). So
    // freeze, let in-flight messages land, read the broker again, and if it holds nothing,
    // thaw it, give it more pictures when the queue has run dry, and try again.
    let seed = 1;
    await datasetWith(server.url, 40, seed);
    await expect(async () => {
      box!.child.kill('SIGCONT');
      const running = (await broker.list({ state: 'running', limit: 100 })).items;
      if (!running.some((x) => x.workerId === 'e2e-box')) {
        const waiting = await broker.list({ state: 'queued', limit: 1 });
        if (running.length === 0 && waiting.items.length === 0) await datasetWith(server.url, 40, (seed += 40));
        throw new Error('the worker holds no task yet');
      }
      box!.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 300));
      const held = (await broker.list({ state: 'running', limit: 100 })).items.filter((x) => x.workerId === 'e2e-box');
      expect(held.length).toBeGreaterThan(0);
    }).toPass({ timeout: 90_000, intervals: [20] });
    // Stopped now: what it holds is what it was given last (a claim it sent just before may
    // land meanwhile, so the broker is read again on every try, not once).
    await expect(async () => {
      const holding = (await broker.list({ state: 'running', limit: 100 })).items.filter((x) => x.workerId === 'e2e-box');
      expect(holding.length).toBeGreaterThan(0);
      await expect(row.getByTestId('worker-current')).toHaveText(
        holding.map((t) => `embed-batch #${t.id}${t.startedAt === null ? ' (claimed)' : ''}`).join(', '),
        { timeout: 1000 },
      );
    }).toPass({ timeout: 20_000 });

    // Killed: no more heartbeats, so once its lease ends it reads as lost and holds nothing.
    await stop(box, 'SIGKILL');
    box = null;
    await expect(row).toHaveAttribute('data-state', 'lost', { timeout: 30_000 });
    await expect(row).toContainText('lost');
    await expect(row.getByTestId('worker-current')).toHaveText('idle', { timeout: 30_000 });
  } finally {
    await broker.close();
  }
});
