import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QueueError, type Task } from '../../src/main/queue';
import { makeQueue, sleep, waitFor, waitSettled } from './helpers';

function setup() {
  const { queue } = makeQueue({ concurrency: 4 });
  queue.define('double', { input: z.number(), handler: (n) => n * 2 });
  queue.define('inc', { input: z.number(), handler: (n) => n + 1 });
  queue.define('sum', { input: z.array(z.number()), handler: (xs) => xs.reduce((a, b) => a + b, 0) });
  queue.define('boom', { input: z.any(), maxAttempts: 1, handler: () => { throw Object.assign(new Error('boom'), { code: 'boom' }); } });
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

describe('workflows', () => {
  it('a chain feeds each result into the next step', async () => {
    const queue = setup();
    const chain = queue.chain([{ kind: 'double', input: 5 }, { kind: 'inc', input: undefined }, { kind: 'double', input: undefined }]);
    expect(chain).toMatchObject({ workflow: 'chain', state: 'running' });
    queue.start();
    expect(await waitSettled(queue, chain.id)).toMatchObject({ state: 'succeeded', result: 22, progress: 1 });
    expect(queue.children(chain.id).map((c) => c.result)).toEqual([10, 11, 22]);
  });

  it('a chain stops at a failing step', async () => {
    const queue = setup();
    const chain = queue.chain([{ kind: 'double', input: 1 }, { kind: 'boom', input: undefined }, { kind: 'inc', input: undefined }]);
    queue.start();
    const done = await waitSettled(queue, chain.id);
    expect(done).toMatchObject({ state: 'dead', error: { code: 'child_failed' } });
    expect(done.error!.message).toContain('step 2 (boom) failed: boom');
    expect(queue.children(chain.id)).toHaveLength(2);
  });

  it('a group collects results in order', async () => {
    const queue = setup();
    const g = queue.group([3, 1, 2].map((n) => ({ kind: 'slow', input: n })));
    queue.start();
    expect(await waitSettled(queue, g.id)).toMatchObject({ state: 'succeeded', result: [3, 1, 2] });
  });

  it('a fail-fast group fails on the first failure and cancels the rest', async () => {
    const queue = setup();
    const g = queue.group([{ kind: 'boom', input: 1 }, ...Array.from({ length: 6 }, () => ({ kind: 'slow', input: 1 }))], { mode: 'failFast' });
    queue.start();
    expect(await waitSettled(queue, g.id)).toMatchObject({ state: 'dead', error: { code: 'child_failed' } });
    await waitFor(() => queue.children(g.id).every((c) => ['succeeded', 'cancelled', 'dead'].includes(c.state)));
    expect(queue.children(g.id).some((c) => c.state === 'cancelled')).toBe(true);
  });

  it('a settle-all group waits for every child and reports each outcome', async () => {
    const queue = setup();
    const g = queue.group([{ kind: 'double', input: 2 }, { kind: 'boom', input: 0 }], { mode: 'settleAll' });
    queue.start();
    const done = await waitSettled(queue, g.id);
    expect(done.state).toBe('succeeded');
    expect(done.result).toEqual([
      { state: 'succeeded', result: 4, error: null },
      { state: 'dead', result: null, error: { code: 'boom', message: 'boom' } },
    ]);
  });

  it('a chord passes the group results to its callback', async () => {
    const queue = setup();
    const c = queue.chord([1, 2, 3].map((n) => ({ kind: 'double', input: n })), { kind: 'sum' });
    queue.start();
    expect(await waitSettled(queue, c.id)).toMatchObject({ state: 'succeeded', result: 12 });
    expect(queue.children(c.id).map((t) => t.kind)).toEqual(['double', 'double', 'double', 'sum']);
  });

  it('a parent reports the progress of its children', async () => {
    const queue = setup();
    const g = queue.group([{ kind: 'slow', input: 1 }, { kind: 'slow', input: 2 }]);
    const seen: Task[] = [];
    queue.on('task', (t) => t.id === g.id && seen.push(t));
    queue.start();
    await waitSettled(queue, g.id);
    const values = seen.map((t) => t.progress);
    expect(values.some((p) => p > 0 && p < 1)).toBe(true);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values[values.length - 1]).toBe(1);
  });

  it('cancelling a workflow cancels its children', async () => {
    const queue = setup();
    const g = queue.group(Array.from({ length: 3 }, () => ({ kind: 'slow', input: 1 })));
    expect(queue.cancel(g.id).state).toBe('cancelled');
    expect(queue.children(g.id).map((c) => c.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('validates every step before storing anything', () => {
    const queue = setup();
    expect(() => queue.group([{ kind: 'double', input: 1 }, { kind: 'double', input: 'x' }])).toThrow(QueueError);
    expect(() => queue.chain([{ kind: 'double', input: 1 }, { kind: 'nope', input: undefined }])).toThrow(/No task kind named "nope"/);
    expect(() => queue.chord([{ kind: 'double', input: 1 }], { kind: 'nope' })).toThrow(QueueError);
    expect(queue.list().items).toHaveLength(0);
  });
});
