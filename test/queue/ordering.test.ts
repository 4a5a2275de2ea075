import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { backoffDelay } from '../../src/main/queue';
import { makeQueue, sleep, waitFor, waitSettled } from './helpers';

const N = z.object({ n: z.number() });

describe('ordering and limits', () => {
  it('runs higher priority first, then oldest first', async () => {
    const { queue } = makeQueue({ concurrency: 1 });
    const order: number[] = [];
    queue.define('job', { input: N, handler: ({ n }) => void order.push(n) });
    queue.enqueue('job', { n: 1 });
    queue.enqueue('job', { n: 2 }, { priority: 5 });
    queue.enqueue('job', { n: 3 });
    queue.enqueue('job', { n: 4 }, { priority: 10 });
    queue.start();
    await waitFor(() => order.length === 4);
    expect(order).toEqual([4, 2, 1, 3]);
  });

  it('does not start delayed tasks before their time', async () => {
    const { queue } = makeQueue();
    queue.define('job', { input: N, handler: ({ n }) => n });
    const later = queue.enqueue('job', { n: 1 }, { delayMs: 600 });
    const at = queue.enqueue('job', { n: 2 }, { runAt: new Date(Date.now() + 300) });
    const now = queue.enqueue('job', { n: 3 });
    queue.start();
    await waitSettled(queue, now.id);
    if (Date.now() < later.runAt) expect(queue.get(later.id)!.state).toBe('queued');
    const a = await waitSettled(queue, at.id);
    const l = await waitSettled(queue, later.id);
    expect(a.startedAt!).toBeGreaterThanOrEqual(at.runAt);
    expect(l.startedAt!).toBeGreaterThanOrEqual(later.runAt);
  });

  it('keeps at most one live task per dedupe key', async () => {
    const { queue } = makeQueue();
    queue.define('job', { input: N, handler: ({ n }) => n });
    const a = queue.enqueue('job', { n: 1 }, { dedupeKey: 'k' });
    const b = queue.enqueue('job', { n: 2 }, { dedupeKey: 'k' });
    expect(b.id).toBe(a.id);
    expect(b.input).toEqual({ n: 1 });
    queue.start();
    await waitSettled(queue, a.id);
    const c = queue.enqueue('job', { n: 3 }, { dedupeKey: 'k' });
    expect(c.id).not.toBe(a.id);
    expect(queue.list().items).toHaveLength(2);
  });

  it('runs tasks sharing a concurrency key one at a time, others alongside', async () => {
    const { queue } = makeQueue({ concurrency: 10 });
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
    for (let i = 0; i < 6; i++) queue.enqueue('job', { key: 'a' }, { concurrencyKey: 'dataset-a' });
    for (let i = 0; i < 6; i++) queue.enqueue('job', { key: 'free' });
    queue.start();
    await waitFor(() => queue.stats().totals.succeeded === 12, 30_000);
    expect(maxSameKey).toBe(1);
    expect(maxTotal).toBeGreaterThan(1);
  });

  it('limits a kind to its concurrency and rate', async () => {
    const { queue } = makeQueue({ concurrency: 10 });
    let now = 0;
    let peak = 0;
    queue.define('heavy', {
      input: N,
      concurrency: 2,
      handler: async () => {
        peak = Math.max(peak, ++now);
        await sleep(20);
        now--;
      },
    });
    queue.define('limited', { input: N, rateLimit: { max: 3, intervalMs: 400 }, handler: () => null });
    for (let i = 0; i < 8; i++) queue.enqueue('heavy', { n: i });
    for (let i = 0; i < 7; i++) queue.enqueue('limited', { n: i });
    queue.start();
    await waitFor(() => queue.stats().totals.succeeded === 15, 30_000);
    expect(peak).toBe(2);
    // Starts as recorded at claim time: no window of 400 ms holds more than 3.
    const starts = queue.list({ kind: 'limited' }).items.map((t) => t.startedAt!).sort((a, b) => a - b);
    expect(starts).toHaveLength(7);
    for (let i = 3; i < starts.length; i++) expect(starts[i] - starts[i - 3]).toBeGreaterThanOrEqual(400);
  });

  it('spreads retries with capped exponential backoff and full jitter', () => {
    const b = { type: 'exponential' as const, baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(b, 1, () => 0.999)).toBe(99);
    expect(backoffDelay(b, 3, () => 0.999)).toBe(399);
    expect(backoffDelay(b, 10, () => 0.999)).toBe(999);
    expect(backoffDelay(b, 10, () => 0)).toBe(0);
    expect(backoffDelay({ type: 'fixed', delayMs: 250 }, 7)).toBe(250);
  });
});
