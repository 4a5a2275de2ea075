import { expect, it } from 'vitest';
import { z } from 'zod';
import { forEachStore, sleep, succeeded, waitFor, waitSettled } from './harness';

const N = z.object({ n: z.number() });

forEachStore((store) => {
  it('runs higher priority first, then oldest first', async () => {
    const queue = store.make({ concurrency: 1 });
    const order: number[] = [];
    queue.define('job', { input: N, handler: ({ n }) => void order.push(n) });
    await queue.enqueue('job', { n: 1 });
    await queue.enqueue('job', { n: 2 }, { priority: 5 });
    await queue.enqueue('job', { n: 3 });
    await queue.enqueue('job', { n: 4 }, { priority: 10 });
    queue.start();
    await waitFor(() => order.length === 4);
    expect(order).toEqual([4, 2, 1, 3]);
  });

  it('does not start delayed tasks before their time', async () => {
    const queue = store.make();
    queue.define('job', { input: N, handler: ({ n }) => n });
    const later = await queue.enqueue('job', { n: 1 }, { delayMs: 600 });
    const at = await queue.enqueue('job', { n: 2 }, { runAt: new Date(Date.now() + 300) });
    const now = await queue.enqueue('job', { n: 3 });
    queue.start();
    await waitSettled(queue, now.id);
    expect((await queue.get(later.id))!.state).toBe('queued');
    const a = await waitSettled(queue, at.id);
    const l = await waitSettled(queue, later.id);
    expect(a.startedAt!).toBeGreaterThanOrEqual(at.runAt);
    expect(l.startedAt!).toBeGreaterThanOrEqual(later.runAt);
    expect(l.startedAt! - l.createdAt).toBeGreaterThanOrEqual(590);
  });

  it('keeps at most one live task per dedupe key', async () => {
    const queue = store.make();
    queue.define('job', { input: N, handler: ({ n }) => n });
    const a = await queue.enqueue('job', { n: 1 }, { dedupeKey: 'k' });
    const b = await queue.enqueue('job', { n: 2 }, { dedupeKey: 'k' });
    expect(b.id).toBe(a.id);
    expect(b.input).toEqual({ n: 1 });
    queue.start();
    await waitSettled(queue, a.id);
    const c = await queue.enqueue('job', { n: 3 }, { dedupeKey: 'k' });
    expect(c.id).not.toBe(a.id);
    expect((await queue.list()).items).toHaveLength(2);
  });

  it('runs tasks sharing a concurrency key one at a time, others alongside', async () => {
    const queue = store.make({ concurrency: 10 });
    let sameKey = 0;
    let maxSameKey = 0;
    let total = 0;
    let maxTotal = 0;
    queue.define('job', {
      input: z.object({ key: z.string() }),
      handler: async ({ key }) => {
        if (key === 'a') maxSameKey = Math.max(maxSameKey, ++sameKey);
        maxTotal = Math.max(maxTotal, ++total);
        await sleep(30);
        if (key === 'a') sameKey--;
        total--;
      },
    });
    for (let i = 0; i < 6; i++) await queue.enqueue('job', { key: 'a' }, { concurrencyKey: 'dataset-a' });
    for (let i = 0; i < 6; i++) await queue.enqueue('job', { key: 'free' });
    queue.start();
    await waitFor(async () => (await succeeded(queue)) === 12, 30_000);
    expect(maxSameKey).toBe(1);
    expect(maxTotal).toBeGreaterThan(1);
  });

  it('limits a kind to its concurrency and rate, the rate across two runners', async () => {
    const queue = store.make({ concurrency: 10 });
    const other = store.second(queue, { concurrency: 10 });
    let now = 0;
    let peak = 0;
    for (const q of [queue, other]) {
      q.define('heavy', {
        input: N,
        concurrency: 2,
        handler: async () => {
          peak = Math.max(peak, ++now);
          await sleep(20);
          now--;
        },
      });
      q.define('limited', { input: N, rateLimit: { max: 3, intervalMs: 400 }, handler: () => null });
    }
    for (let i = 0; i < 8; i++) await queue.enqueue('heavy', { n: i });
    for (let i = 0; i < 7; i++) await queue.enqueue('limited', { n: i });
    queue.start();
    other.start();
    await waitFor(async () => (await succeeded(queue)) === 15, 30_000);
    expect(peak).toBeLessThanOrEqual(4); // 2 per runner
    const starts = (await queue.list({ kind: 'limited' })).items.map((t) => t.startedAt!).sort((a, b) => a - b);
    expect(starts).toHaveLength(7);
    for (let i = 3; i < starts.length; i++) expect(starts[i] - starts[i - 3]).toBeGreaterThanOrEqual(400);
  });

  it('two runners on one store never run one task twice', async () => {
    const queue = store.make({ concurrency: 5 });
    const other = store.second(queue, { concurrency: 5 });
    const runs = new Map<number, number>();
    for (const q of [queue, other]) {
      q.define('job', {
        input: N,
        handler: async ({ n }) => {
          runs.set(n, (runs.get(n) ?? 0) + 1);
          await sleep(2);
          return n;
        },
      });
    }
    await queue.enqueueMany(Array.from({ length: 300 }, (_, n) => ({ kind: 'job', input: { n } })));
    queue.start();
    other.start();
    await waitFor(async () => (await succeeded(queue)) === 300, 60_000);
    expect(runs.size).toBe(300);
    expect([...runs.values()].every((v) => v === 1)).toBe(true);
  });
});
