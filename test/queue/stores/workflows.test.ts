import { expect, it } from 'vitest';
import { z } from 'zod';
import { QueueError, type Task } from '../../../src/main/queue';
import { type StoreCase, forEachStore, sleep, waitFor, waitSettled } from './harness';

function setup(store: StoreCase) {
  const queue = store.make({ concurrency: 4 });
  queue.define('double', { input: z.number(), handler: (n) => n * 2 });
  queue.define('inc', { input: z.number(), handler: (n) => n + 1 });
  queue.define('sum', { input: z.array(z.number()), handler: (xs) => xs.reduce((a, b) => a + b, 0) });
  queue.define('boom', {
    input: z.any(),
    maxAttempts: 1,
    handler: () => {
      throw Object.assign(new Error('boom'), { code: 'boom' });
    },
  });
  queue.define('slow', {
    input: z.number(),
    handler: async (n, ctx) => {
      for (let i = 1; i <= 4; i++) {
        await sleep(40);
        ctx.progress(i / 4);
      }
      return n;
    },
  });
  return queue;
}

forEachStore((store) => {
  it('a chain feeds each result into the next step', async () => {
    const queue = setup(store);
    const chain = await queue.chain([
      { kind: 'double', input: 5 },
      { kind: 'inc', input: undefined },
      { kind: 'double', input: undefined },
    ]);
    expect(chain).toMatchObject({ workflow: 'chain', state: 'running' });
    queue.start();
    expect(await waitSettled(queue, chain.id)).toMatchObject({ state: 'succeeded', result: 22, progress: 1 });
    expect((await queue.children(chain.id)).map((c) => c.result)).toEqual([10, 11, 22]);
  });

  it('a chain stops at a failing step', async () => {
    const queue = setup(store);
    const chain = await queue.chain([
      { kind: 'double', input: 1 },
      { kind: 'boom', input: undefined },
      { kind: 'inc', input: undefined },
    ]);
    queue.start();
    const done = await waitSettled(queue, chain.id);
    expect(done).toMatchObject({ state: 'dead', error: { code: 'child_failed' } });
    expect(done.error!.message).toContain('step 2 (boom) failed: boom');
    expect(await queue.children(chain.id)).toHaveLength(2);
  });

  it('a chain whose result does not fit the next step ends with invalid_input', async () => {
    const queue = setup(store);
    const chain = await queue.chain([
      { kind: 'double', input: 1 },
      { kind: 'sum', input: undefined },
    ]);
    queue.start();
    const done = await waitSettled(queue, chain.id);
    expect(done).toMatchObject({ state: 'dead', error: { code: 'invalid_input' } });
    expect(done.error!.message).toContain('step 2 (sum)');
  });

  it('a group collects results in order', async () => {
    const queue = setup(store);
    const g = await queue.group([3, 1, 2].map((n) => ({ kind: 'slow', input: n })));
    queue.start();
    expect(await waitSettled(queue, g.id)).toMatchObject({ state: 'succeeded', result: [3, 1, 2] });
  });

  it('a fail-fast group fails on the first failure and cancels the rest', async () => {
    const queue = setup(store);
    const g = await queue.group([{ kind: 'boom', input: 1 }, ...Array.from({ length: 6 }, () => ({ kind: 'slow', input: 1 }))], { mode: 'failFast' });
    queue.start();
    expect(await waitSettled(queue, g.id)).toMatchObject({ state: 'dead', error: { code: 'child_failed' } });
    await waitFor(async () => (await queue.children(g.id)).every((c) => ['succeeded', 'cancelled', 'dead'].includes(c.state)));
    expect((await queue.children(g.id)).some((c) => c.state === 'cancelled')).toBe(true);
  });

  it('a settle-all group waits for every child and reports each outcome', async () => {
    const queue = setup(store);
    const g = await queue.group(
      [
        { kind: 'double', input: 2 },
        { kind: 'boom', input: 0 },
      ],
      { mode: 'settleAll' },
    );
    queue.start();
    const done = await waitSettled(queue, g.id);
    expect(done.state).toBe('succeeded');
    expect(done.result).toEqual([
      { state: 'succeeded', result: 4, error: null },
      { state: 'dead', result: null, error: { code: 'boom', message: 'boom' } },
    ]);
  });

  it('a chord passes the group results to its callback', async () => {
    const queue = setup(store);
    const c = await queue.chord(
      [1, 2, 3].map((n) => ({ kind: 'double', input: n })),
      { kind: 'sum' },
    );
    queue.start();
    expect(await waitSettled(queue, c.id)).toMatchObject({ state: 'succeeded', result: 12 });
    expect((await queue.children(c.id)).map((t) => t.kind)).toEqual(['double', 'double', 'double', 'sum']);
  });

  it('a parent reports the progress of its children', async () => {
    const queue = setup(store);
    const g = await queue.group([
      { kind: 'slow', input: 1 },
      { kind: 'slow', input: 2 },
    ]);
    const seen: Task[] = [];
    queue.on('task', (t) => t.id === g.id && seen.push(t));
    queue.start();
    await waitSettled(queue, g.id);
    await waitFor(() => seen.some((t) => t.progress === 1), 5000, 'final progress');
    expect(seen.some((t) => t.progress > 0 && t.progress < 1)).toBe(true);
  });

  it('cancelling a workflow cancels its children', async () => {
    const queue = setup(store);
    const g = await queue.group(Array.from({ length: 3 }, () => ({ kind: 'slow', input: 1 })));
    expect((await queue.cancel(g.id)).state).toBe('cancelled');
    expect((await queue.children(g.id)).map((c) => c.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('validates every step before storing anything', async () => {
    const queue = setup(store);
    await expect(async () =>
      queue.group([
        { kind: 'double', input: 1 },
        { kind: 'double', input: 'x' },
      ]),
    ).rejects.toThrow(QueueError);
    await expect(async () =>
      queue.chain([
        { kind: 'double', input: 1 },
        { kind: 'nope', input: undefined },
      ]),
    ).rejects.toThrow(/No task kind named "nope"/);
    await expect(async () => queue.chord([{ kind: 'double', input: 1 }], { kind: 'nope' })).rejects.toThrow(QueueError);
    expect((await queue.list()).items).toHaveLength(0);
  });
});
