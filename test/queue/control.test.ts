import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QueueError, TaskQueue } from '../../src/main/queue';
import { makeQueue, openDb, sleep, waitFor, waitSettled, waitState } from './helpers';

const Empty = z.object({});

describe('control', () => {
  it('cancels a queued task before it starts and a running one through its signal', async () => {
    const { queue } = makeQueue({ concurrency: 1 });
    let sawAbort = false;
    queue.define('long', {
      input: Empty,
      handler: (_i, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => ((sawAbort = true), reject(ctx.signal.reason)))),
    });
    const running = queue.enqueue('long', {});
    const waiting = queue.enqueue('long', {});
    queue.start();
    await waitState(queue, running.id, 'running');
    expect(queue.cancel(waiting.id).state).toBe('cancelled');
    queue.cancel(running.id);
    const done = await waitSettled(queue, running.id);
    expect(done).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    expect(sawAbort).toBe(true);
    expect(queue.get(waiting.id)!.attempts).toBe(0);
    expect(() => queue.cancel('999')).toThrow(QueueError);
  });

  it('a cancel from another connection reaches the running handler', async () => {
    const { queue, file } = makeQueue();
    queue.define('long', { input: Empty, handler: (_i, ctx) => new Promise((_, rej) => ctx.signal.addEventListener('abort', () => rej(new Error('stopped')))) });
    const t = queue.enqueue('long', {});
    queue.start();
    await waitState(queue, t.id, 'running');
    const other = new TaskQueue(openDb(file));
    other.cancel(t.id);
    expect((await waitSettled(queue, t.id)).state).toBe('cancelled');
  });

  it('pauses and resumes one queue', async () => {
    const { queue } = makeQueue();
    queue.define('job', { input: Empty, handler: () => 'done' });
    queue.pause('imports');
    const paused = queue.enqueue('job', {}, { queue: 'imports' });
    const other = queue.enqueue('job', {});
    queue.start();
    await waitSettled(queue, other.id);
    await sleep(200);
    expect(queue.get(paused.id)!.state).toBe('queued');
    expect(queue.stats().paused).toEqual(['imports']);
    queue.resume('imports');
    expect((await waitSettled(queue, paused.id)).state).toBe('succeeded');
  });

  it('re-queues a dead task with fresh attempts', async () => {
    const { queue } = makeQueue();
    let fail = true;
    queue.define('job', { input: Empty, maxAttempts: 1, handler: () => { if (fail) throw new Error('not yet'); return 'ok'; } });
    const t = queue.enqueue('job', {});
    queue.start();
    expect((await waitSettled(queue, t.id)).state).toBe('dead');
    fail = false;
    expect(queue.retry(t.id)).toMatchObject({ state: 'queued', attempts: 0, error: null });
    expect(await waitSettled(queue, t.id)).toMatchObject({ state: 'succeeded', result: 'ok' });
    expect(() => queue.retry(t.id)).toThrow(/only dead, failed or cancelled/);
    expect(queue.timeline(t.id).map((e) => e.event)).toEqual(['created', 'dead', 'retried', 'started', 'succeeded']);
  });

  it('graceful stop waits for running tasks, and re-queues those past the deadline', async () => {
    const { queue, file } = makeQueue({ concurrency: 4 });
    queue.define('quick', { input: Empty, handler: () => sleep(100).then(() => 'q') });
    queue.define('forever', { input: Empty, handler: (_i, ctx) => new Promise((r) => ctx.signal.addEventListener('abort', r)) });
    const quick = queue.enqueue('quick', {});
    const forever = queue.enqueue('forever', {});
    queue.start();
    await waitState(queue, forever.id, 'running');
    const { requeued } = await queue.stop({ deadlineMs: 500 });
    expect(requeued).toBe(1);
    expect(queue.get(quick.id)!.state).toBe('succeeded');
    expect(queue.get(forever.id)).toMatchObject({ state: 'queued', attempts: 0 });
    const next = new TaskQueue(openDb(file), { pollMs: 50 });
    next.define('quick', { input: Empty, handler: () => 'q' });
    next.define('forever', { input: Empty, handler: () => 'finally' });
    next.start();
    expect(await waitSettled(next, forever.id)).toMatchObject({ state: 'succeeded', result: 'finally' });
    await next.stop();
  });

  it('prunes succeeded tasks past retention, keeping failures', async () => {
    const { queue, db } = makeQueue();
    queue.define('ok', { input: Empty, handler: () => 1 });
    queue.define('bad', { input: Empty, maxAttempts: 1, handler: () => { throw new Error('x'); } });
    const a = queue.enqueue('ok', {});
    const b = queue.enqueue('bad', {});
    queue.start();
    await waitSettled(queue, a.id);
    await waitSettled(queue, b.id);
    const fresh = queue.enqueue('ok', {});
    await waitSettled(queue, fresh.id);
    db.prepare('UPDATE queue_tasks SET finished_at = ? WHERE id IN (?, ?)').run(Date.now() - 10 * 86_400_000, a.id, b.id);
    expect(queue.prune({ olderThanDays: 7 })).toBe(1);
    expect(queue.get(a.id)).toBeNull();
    expect(queue.get(b.id)!.state).toBe('dead');
    expect(queue.get(fresh.id)!.state).toBe('succeeded');
  });

  it('reports counts, throughput, latency and worker heartbeats', async () => {
    const { queue } = makeQueue({ workerId: 'w1' });
    queue.define('job', { input: Empty, handler: () => sleep(5) });
    queue.enqueueMany(Array.from({ length: 20 }, () => ({ kind: 'job', input: {} })));
    queue.start();
    await waitFor(() => queue.stats().totals.succeeded === 20);
    const s = queue.stats({ windowMinutes: 5 });
    expect(s.counts.job).toEqual({ succeeded: 20 });
    expect(s.throughput.succeededPerMin).toBe(4);
    expect(s.latencyMs.run.count).toBe(20);
    expect(s.latencyMs.run.p50).toBeGreaterThanOrEqual(0);
    expect(s.workers).toEqual([expect.objectContaining({ id: 'w1', pid: process.pid, alive: true, concurrency: 10 })]);
    // The engine hands over plain numbers (the API writes them as Prometheus text): the sum makes a summary's `_sum`.
    expect(s.latencyMs.run.sum).toBeGreaterThanOrEqual(s.latencyMs.run.count * 4);
  });
});
