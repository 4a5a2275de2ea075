import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeQueue, waitSettled } from './helpers';

const Add = z.object({ a: z.number(), b: z.number() });

describe('enqueue and run', () => {
  it('enqueueMany returns ids that match the stored rows, whether or not rows share their options', () => {
    const { queue } = makeQueue();
    queue.define('add', { input: Add, handler: ({ a, b }) => a + b }).define('other', { input: Add, handler: () => 0 });
    queue.enqueue('add', { a: -1, b: 0 });
    // 150 rows: chunks of one shape, then chunks mixing kinds, priorities and delays.
    const items = Array.from({ length: 150 }, (_, i) => ({
      kind: i < 80 || i % 3 ? 'add' : 'other',
      input: { a: i, b: 2 },
      options: i < 80 ? undefined : { priority: i % 5, delayMs: i % 2 ? 1000 : 0, maxAttempts: 1 + (i % 4) },
    }));
    const tasks = queue.enqueueMany(items);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(150);
    tasks.forEach((t, i) => {
      const stored = queue.get(t.id)!;
      expect(stored.input).toEqual({ a: i, b: 2 });
      expect([stored.kind, stored.priority, stored.maxAttempts, stored.runAt]).toEqual([t.kind, t.priority, t.maxAttempts, t.runAt]);
    });
  });
});

describe('debounce', () => {
  it('moves a queued holder of the dedupe key to the latest runAt, so a burst runs once after the last enqueue', async () => {
    const { queue } = makeQueue();
    let runs = 0;
    queue.define('add', { input: Add, handler: ({ a, b }) => (runs++, a + b) });
    const now = Date.now();
    const first = queue.enqueue('add', { a: 1, b: 1 }, { dedupeKey: 'k', runAt: now + 200, debounce: true });
    const second = queue.enqueue('add', { a: 1, b: 1 }, { dedupeKey: 'k', runAt: now + 400, debounce: true });
    expect(second.id).toBe(first.id);
    expect(queue.get(first.id)!.runAt).toBe(now + 400);
    // Without `debounce`, a dedupe key keeps the first runAt, as before.
    const plain = queue.enqueue('add', { a: 1, b: 1 }, { dedupeKey: 'p', runAt: now + 200 });
    queue.enqueue('add', { a: 1, b: 1 }, { dedupeKey: 'p', runAt: now + 900 });
    expect(queue.get(plain.id)!.runAt).toBe(now + 200);
    queue.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(queue.get(first.id)!.state).toBe('queued');
    const done = await waitSettled(queue, first.id);
    expect(done.state).toBe('succeeded');
    expect(done.startedAt!).toBeGreaterThanOrEqual(now + 400);
    await waitSettled(queue, plain.id);
    expect(runs).toBe(2);
  });
});
