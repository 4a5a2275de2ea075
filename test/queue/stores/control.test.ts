import { expect, it } from 'vitest';
import { z } from 'zod';
import { QueueError } from '../../../src/main/queue';
import { forEachStore, sleep, succeeded, waitFor, waitSettled, waitState } from './harness';

const Empty = z.object({});

forEachStore((store) => {
  it('cancels a queued task before it starts and a running one through its signal', async () => {
    const queue = store.make({ concurrency: 1 });
    let sawAbort = false;
    queue.define('long', {
      input: Empty,
      handler: (_i, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => ((sawAbort = true), reject(ctx.signal.reason)))),
    });
    const running = await queue.enqueue('long', {});
    const waiting = await queue.enqueue('long', {});
    queue.start();
    await waitState(queue, running.id, 'running');
    expect((await queue.cancel(waiting.id)).state).toBe('cancelled');
    await queue.cancel(running.id);
    expect(await waitSettled(queue, running.id)).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    expect(sawAbort).toBe(true);
    expect((await queue.get(waiting.id))!.attempts).toBe(0);
    await expect(async () => queue.cancel('999')).rejects.toThrow(QueueError);
  });

  it('a cancel from another runner reaches the running handler', async () => {
    const queue = store.make();
    queue.define('long', {
      input: Empty,
      handler: (_i, ctx) => new Promise((_, rej) => ctx.signal.addEventListener('abort', () => rej(new Error('stopped')))),
    });
    const t = await queue.enqueue('long', {});
    queue.start();
    await waitState(queue, t.id, 'running');
    const other = store.second(queue);
    await other.cancel(t.id);
    expect((await waitSettled(queue, t.id)).state).toBe('cancelled');
  });

  it('pauses and resumes one queue', async () => {
    const queue = store.make();
    queue.define('job', { input: Empty, handler: () => 'done' });
    await queue.pause('imports');
    const paused = await queue.enqueue('job', {}, { queue: 'imports' });
    const other = await queue.enqueue('job', {});
    queue.start();
    await waitSettled(queue, other.id);
    await sleep(200);
    expect((await queue.get(paused.id))!.state).toBe('queued');
    expect((await queue.stats()).paused).toEqual(['imports']);
    await queue.resume('imports');
    expect((await waitSettled(queue, paused.id)).state).toBe('succeeded');
  });

  it('re-queues a dead task with fresh attempts', async () => {
    const queue = store.make();
    let fail = true;
    queue.define('job', {
      input: Empty,
      maxAttempts: 1,
      handler: () => {
        if (fail) throw new Error('not yet');
        return 'ok';
      },
    });
    const t = await queue.enqueue('job', {});
    queue.start();
    expect((await waitSettled(queue, t.id)).state).toBe('dead');
    fail = false;
    expect(await queue.retry(t.id)).toMatchObject({ state: 'queued', attempts: 0, error: null });
    expect(await waitSettled(queue, t.id)).toMatchObject({ state: 'succeeded', result: 'ok' });
    await expect(async () => queue.retry(t.id)).rejects.toThrow(/only dead, failed or cancelled/);
    expect((await queue.timeline(t.id)).map((e) => e.event)).toEqual(['created', 'dead', 'retried', 'started', 'succeeded']);
  });

  it('graceful stop waits for running tasks, and re-queues those past the deadline unspent', async () => {
    const queue = store.make({ concurrency: 4 });
    queue.define('quick', { input: Empty, handler: () => sleep(100).then(() => 'q') });
    queue.define('forever', { input: Empty, handler: (_i, ctx) => new Promise((r) => ctx.signal.addEventListener('abort', r)) });
    const quick = await queue.enqueue('quick', {});
    const forever = await queue.enqueue('forever', {});
    queue.start();
    await waitState(queue, forever.id, 'running');
    const { requeued } = await queue.stop({ deadlineMs: 500 });
    expect(requeued).toBe(1);
    expect((await queue.get(quick.id))!.state).toBe('succeeded');
    expect(await queue.get(forever.id)).toMatchObject({ state: 'queued', attempts: 0 });
    const next = store.second(queue);
    next.define('quick', { input: Empty, handler: () => 'q' });
    next.define('forever', { input: Empty, handler: () => 'finally' });
    next.start();
    expect(await waitSettled(next, forever.id)).toMatchObject({ state: 'succeeded', result: 'finally' });
  });

  it('prunes succeeded tasks past retention, keeping failures', async () => {
    const queue = store.make();
    queue.define('ok', { input: Empty, handler: () => 1 });
    queue.define('bad', {
      input: Empty,
      maxAttempts: 1,
      handler: () => {
        throw new Error('x');
      },
    });
    const a = await queue.enqueue('ok', {});
    const b = await queue.enqueue('bad', {});
    queue.start();
    await waitSettled(queue, a.id);
    await waitSettled(queue, b.id);
    const fresh = await queue.enqueue('ok', {});
    await waitSettled(queue, fresh.id);
    await store.ageFinished(queue, [a.id, b.id], Date.now() - 10 * 86_400_000);
    expect(await queue.prune({ olderThanDays: 7 })).toBe(1);
    expect(await queue.get(a.id)).toBeNull();
    expect((await queue.get(b.id))!.state).toBe('dead');
    expect((await queue.get(fresh.id))!.state).toBe('succeeded');
  });

  it('reports counts, throughput, latency and worker heartbeats', async () => {
    const queue = store.make({ workerId: 'w1' });
    queue.define('job', { input: Empty, handler: () => sleep(5) });
    await queue.enqueueMany(Array.from({ length: 20 }, () => ({ kind: 'job', input: {} })));
    queue.start();
    await waitFor(async () => (await succeeded(queue)) === 20);
    const s = await queue.stats({ windowMinutes: 5 });
    expect(s.counts.job).toEqual({ succeeded: 20 });
    expect(s.throughput.succeededPerMin).toBe(4);
    expect(s.latencyMs.run.count).toBe(20);
    expect(s.workers).toEqual([expect.objectContaining({ id: 'w1', pid: process.pid, alive: true, concurrency: 10 })]);
    // The engine hands over plain numbers (the API writes them as Prometheus text): the sum makes a summary's `_sum`.
    expect(s.latencyMs.run.sum).toBeGreaterThanOrEqual(s.latencyMs.run.count * 4);
  });
});
