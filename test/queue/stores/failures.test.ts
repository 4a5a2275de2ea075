import path from 'node:path';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { UnrecoverableError } from '../../../src/main/queue';
import { forEachStore, sleep, waitFor, waitSettled, waitState } from './harness';

const Empty = z.object({});
const MODULE = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'child-handlers.ts');

forEachStore((store) => {
  it('a throwing handler is retried with backoff, then dead with its error and stack in the timeline', async () => {
    const queue = store.make();
    let calls = 0;
    queue.define('flaky', {
      input: Empty,
      maxAttempts: 3,
      backoff: { type: 'exponential', baseMs: 20, maxMs: 100 },
      handler: async () => {
        calls++;
        throw Object.assign(new Error('the disk is full'), { code: 'disk_full' });
      },
    });
    const bad = await queue.enqueue('flaky', {});
    queue.start();
    const dead = await waitSettled(queue, bad.id);
    expect(dead).toMatchObject({ state: 'dead', attempts: 3, error: { code: 'disk_full', message: 'the disk is full' } });
    expect(calls).toBe(3);
    const timeline = await queue.timeline(bad.id);
    expect(timeline.filter((e) => e.event === 'failed' || e.event === 'dead')).toHaveLength(3);
    expect(timeline.find((e) => e.event === 'dead')!.error!.stack).toContain('the disk is full');
    expect(JSON.stringify(dead)).not.toContain('at ');
  });

  it('UnrecoverableError skips the remaining attempts', async () => {
    const queue = store.make();
    queue.define('bad', {
      input: Empty,
      maxAttempts: 5,
      handler: () => {
        throw new UnrecoverableError('no such file', 'missing_file');
      },
    });
    const t = await queue.enqueue('bad', {});
    queue.start();
    expect(await waitSettled(queue, t.id)).toMatchObject({ state: 'dead', attempts: 1, error: { code: 'missing_file' } });
  });

  it('a handler past its timeout gets its signal aborted and ends with a timeout error', async () => {
    const queue = store.make();
    let aborted = false;
    queue.define('slow', {
      input: Empty,
      timeoutMs: 200,
      maxAttempts: 1,
      handler: (_i, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => ((aborted = true), reject(ctx.signal.reason)))),
    });
    const a = await queue.enqueue('slow', {});
    queue.start();
    expect(await waitSettled(queue, a.id)).toMatchObject({ state: 'dead', error: { code: 'timeout' } });
    expect(aborted).toBe(true);
  });

  it('a runner that stops heartbeating loses its task to another, and its late result is refused (fencing)', async () => {
    // A heartbeats every 10 s but its lease is 300 ms: B, heartbeating often, takes the task back and runs it.
    // One slot: while A sits in its stale attempt it cannot claim the task back itself (a race with B on a loaded machine).
    const a = store.make({ workerId: 'slow-runner', leaseMs: 300, heartbeatMs: 10_000, concurrency: 1 });
    const b = store.second(a, { workerId: 'fast-runner', leaseMs: 300, heartbeatMs: 50 });
    let firstStarted = false;
    a.define('job', {
      input: Empty,
      maxAttempts: 3,
      handler: async (_i, ctx) => {
        firstStarted = true;
        // Answer only once B holds the task (however slow this machine is): the answer is then late.
        await waitFor(async () => {
          const t = await a.get(ctx.id);
          return t && (t.workerId === 'fast-runner' || t.state === 'succeeded');
        }, 20_000);
        return 'late';
      },
    });
    b.define('job', { input: Empty, maxAttempts: 3, handler: () => 'on time' });
    const t = await a.enqueue('job', {});
    a.start();
    await waitFor(() => firstStarted);
    b.start();
    const done = await waitSettled(b, t.id);
    expect(done).toMatchObject({ state: 'succeeded', result: 'on time', attempts: 2, workerId: 'fast-runner' });
    await sleep(500);
    expect(await a.get(t.id)).toMatchObject({ state: 'succeeded', result: 'on time' });
    expect((await a.timeline(t.id)).some((e) => e.error?.code === 'lease_expired')).toBe(true);
  });

  it('runs kinds in child processes', async () => {
    // The pool forks TypeScript: tsx as the loader.
    const queue = store.make({ processPool: { size: 1, execArgv: ['--import', 'tsx'], killGraceMs: 300 } });
    queue.define('square', { input: z.any(), maxAttempts: 1, process: { module: MODULE, export: 'square' } });
    queue.start();
    const t = await queue.enqueue('square', { n: 7 });
    await waitState(queue, t.id, 'succeeded', 60_000);
    expect((await queue.get(t.id))!.result).toBe(49);
  }, 90_000);
});
