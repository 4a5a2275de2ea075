import { expect, it } from 'vitest';
import { z } from 'zod';
import { QueueError, type Task } from '../../../src/main/queue';
import { forEachStore, succeeded, waitFor, waitSettled } from './harness';

const Add = z.object({ a: z.number(), b: z.number() });

async function rejection(fn: () => unknown): Promise<QueueError> {
  try {
    await fn();
  } catch (e) {
    return e as QueueError;
  }
  throw new Error('expected a throw');
}

forEachStore((store) => {
  it('runs a task and stores its result', async () => {
    const queue = store.make();
    queue.define('add', { input: Add, handler: async ({ a, b }) => a + b });
    const t = await queue.enqueue('add', { a: 2, b: 3 });
    expect(t).toMatchObject({ kind: 'add', state: 'queued', attempts: 0, input: { a: 2, b: 3 }, queue: 'default' });
    queue.start();
    const done = await waitSettled(queue, t.id);
    expect(done).toMatchObject({ state: 'succeeded', result: 5, attempts: 1, progress: 1, error: null });
    expect(done.startedAt).toBeGreaterThanOrEqual(done.createdAt);
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt!);
  });

  it('rejects an unknown kind, invalid input and bad options, storing nothing', async () => {
    const queue = store.make();
    queue.define('add', { input: Add, handler: ({ a, b }) => a + b });
    const unknown = await rejection(() => queue.enqueue('nope', {}));
    expect(unknown).toBeInstanceOf(QueueError);
    expect(unknown.code).toBe('unknown_kind');
    expect((await rejection(() => queue.enqueue('add', { a: 'x', b: 1 }))).code).toBe('invalid_input');
    expect((await rejection(() => queue.enqueue('add', { a: 1, b: 1 }, { delayMs: -5 }))).code).toBe('invalid_option');
    expect(
      (
        await rejection(() =>
          queue.enqueueMany([
            { kind: 'add', input: { a: 1, b: 1 } },
            { kind: 'add', input: {} },
          ]),
        )
      ).code,
    ).toBe('invalid_input');
    expect((await rejection(() => queue.schedule('s', 'every minute', 'add', { a: 1, b: 1 }))).code).toBe('invalid_cron');
    expect((await rejection(() => queue.schedule('s', '* * * * *', 'add', { a: 1, b: 1 }, { tz: 'Mars/Olympus' }))).code).toBe('invalid_timezone');
    expect((await queue.list()).items).toHaveLength(0);
    expect(await queue.schedules()).toHaveLength(0);
  });

  it('enqueueMany stores all and runs them; ids match the stored rows', async () => {
    const queue = store.make({ concurrency: 4 });
    queue.define('add', { input: Add, handler: ({ a, b }) => a + b });
    const items = Array.from({ length: 50 }, (_, i) => ({ kind: 'add', input: { a: i, b: 1 }, options: i % 3 ? undefined : { priority: i % 5 } }));
    const tasks = await queue.enqueueMany(items);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(50);
    for (const [i, t] of tasks.entries()) expect((await queue.get(t.id))!.input).toEqual({ a: i, b: 1 });
    queue.start();
    await waitFor(async () => (await succeeded(queue)) === 50, 30_000, 'all done');
    expect((await queue.get(tasks[49].id))!.result).toBe(50);
  });

  it("keeps a task's last progress report, made just before it ends, on the finished task", async () => {
    const queue = store.make();
    queue.define('files', {
      input: z.object({}),
      handler: async (_i, ctx) => {
        ctx.progress(0, '0 of 8 files');
        await new Promise((r) => setTimeout(r, 50));
        // The last report and the end land in one group commit.
        ctx.progress(1, '8 of 8 files');
        return 'ok';
      },
    });
    const t = await queue.enqueue('files', {});
    queue.start();
    await waitSettled(queue, t.id);
    const done = (await queue.get(t.id))!;
    expect(done.state).toBe('succeeded');
    expect({ progress: done.progress, message: done.progressMessage }).toEqual({ progress: 1, message: '8 of 8 files' });
  });

  it('emits an event on every state change and progress update, and keeps logs', async () => {
    const queue = store.make();
    queue.define('work', {
      input: z.object({}),
      handler: async (_i, ctx) => {
        ctx.progress(0.5, 'half');
        ctx.log('hello');
        await new Promise((r) => setTimeout(r, 100));
        return 'ok';
      },
    });
    const seen: Task[] = [];
    queue.on('task', (t) => seen.push(t));
    const t = await queue.enqueue('work', {});
    queue.start();
    await waitSettled(queue, t.id);
    await waitFor(() => seen.some((e) => e.state === 'succeeded'), 5000, 'success event');
    const mine = seen.filter((e) => e.id === t.id);
    expect(mine[0].state).toBe('queued');
    expect(mine.some((e) => e.state === 'running' && e.progress === 0.5 && e.progressMessage === 'half')).toBe(true);
    expect(mine[mine.length - 1].state).toBe('succeeded');
    expect((await queue.logs(t.id)).map((l) => l.message)).toEqual(['hello']);
  });

  it('lists with filters and cursor pagination, newest first', async () => {
    const queue = store.make();
    queue.define('a', { input: z.number(), handler: (n) => n });
    queue.define('b', { input: z.number(), handler: (n) => n });
    for (let i = 0; i < 7; i++) await queue.enqueue(i % 2 ? 'a' : 'b', i);
    const p1 = await queue.list({ limit: 3 });
    const p2 = await queue.list({ limit: 3, cursor: p1.nextCursor! });
    const p3 = await queue.list({ limit: 3, cursor: p2.nextCursor! });
    expect(p3.nextCursor).toBeNull();
    expect([...p1.items, ...p2.items, ...p3.items].map((t) => t.input)).toEqual([6, 5, 4, 3, 2, 1, 0]);
    expect((await queue.list({ kind: 'a' })).items).toHaveLength(3);
    expect((await queue.list({ state: 'queued', kind: 'b' })).items.map((t) => t.input)).toEqual([6, 4, 2, 0]);
    expect((await queue.list({ state: 'succeeded' })).items).toHaveLength(0);
  });
});
