import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QueueError, type Task } from '../../src/main/queue';
import { makeQueue, waitFor, waitSettled } from './helpers';

const Add = z.object({ a: z.number(), b: z.number() });

describe('enqueue and run', () => {
  it('runs a task and stores its result', async () => {
    const { queue } = makeQueue();
    queue.define('add', { input: Add, handler: async ({ a, b }) => a + b });
    const t = queue.enqueue('add', { a: 2, b: 3 });
    expect(t).toMatchObject({ kind: 'add', state: 'queued', attempts: 0, input: { a: 2, b: 3 }, queue: 'default' });
    expect(typeof t.id).toBe('string');
    queue.start();
    const done = await waitSettled(queue, t.id);
    expect(done).toMatchObject({ state: 'succeeded', result: 5, attempts: 1, progress: 1, error: null });
    expect(done.startedAt).toBeGreaterThanOrEqual(done.createdAt);
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt!);
  });

  it('rejects an unknown kind, invalid input and bad options, storing nothing', () => {
    const { queue } = makeQueue();
    queue.define('add', { input: Add, handler: ({ a, b }) => a + b });
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as QueueError;
      }
      throw new Error('expected a throw');
    };
    const unknown = err(() => queue.enqueue('nope', {}));
    expect(unknown).toBeInstanceOf(QueueError);
    expect(unknown.code).toBe('unknown_kind');
    expect(unknown.message).toContain('"nope"');
    const invalid = err(() => queue.enqueue('add', { a: 'x', b: 1 }));
    expect(invalid.code).toBe('invalid_input');
    expect(invalid.message).toContain('a:');
    expect(err(() => queue.enqueue('add', { a: 1, b: 1 }, { delayMs: -5 })).code).toBe('invalid_option');
    expect(err(() => queue.enqueueMany([{ kind: 'add', input: { a: 1, b: 1 } }, { kind: 'add', input: {} }])).code).toBe('invalid_input');
    expect(err(() => queue.schedule('s', 'every minute', 'add', { a: 1, b: 1 })).code).toBe('invalid_cron');
    expect(err(() => queue.schedule('s', '61 * * * *', 'add', { a: 1, b: 1 })).code).toBe('invalid_cron');
    expect(err(() => queue.schedule('s', '* * * * *', 'add', { a: 1, b: 1 }, { tz: 'Mars/Olympus' })).code).toBe('invalid_timezone');
    expect(err(() => queue.schedule('s', '* * * * *', 'add', { a: 1 })).code).toBe('invalid_input');
    expect(queue.list().items).toHaveLength(0);
    expect(queue.schedules()).toHaveLength(0);
  });

  it('enqueueMany stores all in one go and runs them', async () => {
    const { queue } = makeQueue({ concurrency: 4 });
    queue.define('add', { input: Add, handler: ({ a, b }) => a + b });
    const tasks = queue.enqueueMany(Array.from({ length: 50 }, (_, i) => ({ kind: 'add', input: { a: i, b: 1 } })));
    expect(tasks).toHaveLength(50);
    queue.start();
    await waitFor(() => queue.stats().totals.succeeded === 50, 30_000, 'all done');
    expect(queue.get(tasks[49].id)!.result).toBe(50);
  });

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

  it('emits an event on every state change and progress update', async () => {
    const { queue } = makeQueue();
    queue.define('work', {
      input: z.object({}),
      handler: async (_i, ctx) => {
        ctx.progress(0.5, 'half');
        ctx.log('hello');
        return 'ok';
      },
    });
    const seen: Task[] = [];
    queue.on('task', (t) => seen.push(t));
    const t = queue.enqueue('work', {});
    queue.start();
    await waitSettled(queue, t.id);
    await waitFor(() => seen.some((e) => e.state === 'succeeded'), 5000, 'success event');
    const mine = seen.filter((e) => e.id === t.id);
    expect(mine.map((e) => e.state)).toEqual(['queued', 'running', 'running', 'succeeded']);
    expect(mine[2]).toMatchObject({ progress: 0.5, progressMessage: 'half' });
    expect(queue.logs(t.id).map((l) => l.message)).toEqual(['hello']);
  });

  it('lists with filters and cursor pagination', () => {
    const { queue } = makeQueue();
    queue.define('a', { input: z.number(), handler: (n) => n });
    queue.define('b', { input: z.number(), handler: (n) => n });
    for (let i = 0; i < 7; i++) queue.enqueue(i % 2 ? 'a' : 'b', i);
    const p1 = queue.list({ limit: 3 });
    expect(p1.items).toHaveLength(3);
    const p2 = queue.list({ limit: 3, cursor: p1.nextCursor! });
    const p3 = queue.list({ limit: 3, cursor: p2.nextCursor! });
    expect(p3.nextCursor).toBeNull();
    expect([...p1.items, ...p2.items, ...p3.items].map((t) => t.input)).toEqual([6, 5, 4, 3, 2, 1, 0]);
    expect(queue.list({ kind: 'a' }).items).toHaveLength(3);
    expect(queue.list({ state: 'succeeded' }).items).toHaveLength(0);
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
