import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UnrecoverableError, forkChild, type SpawnChild, type TaskQueueOptions } from '../../src/main/queue';
import { FIXTURES, makeQueue, waitSettled } from './helpers';

const Empty = z.object({});

describe('handlers that fail in process', () => {
  it('a throwing handler is retried with backoff, then dead with its error; the queue goes on', async () => {
    const { queue } = makeQueue();
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
    queue.define('ok', { input: Empty, handler: async () => 'fine' });
    const states: string[] = [];
    queue.on('task', (t) => t.kind === 'flaky' && states.push(t.state));
    const bad = queue.enqueue('flaky', {});
    queue.start();
    const dead = await waitSettled(queue, bad.id);
    expect(dead).toMatchObject({ state: 'dead', attempts: 3, error: { code: 'disk_full', message: 'the disk is full' } });
    expect(calls).toBe(3);
    expect(states).toEqual(['queued', 'running', 'failed', 'running', 'failed', 'running', 'dead']);
    const timeline = queue.timeline(bad.id);
    expect(timeline.filter((e) => e.event === 'failed' || e.event === 'dead')).toHaveLength(3);
    expect(timeline.find((e) => e.event === 'dead')!.error!.stack).toContain('the disk is full');
    expect(JSON.stringify(dead)).not.toContain('at '); // no stack in the DTO
    expect((await waitSettled(queue, queue.enqueue('ok', {}).id)).state).toBe('succeeded');
  });

  it('UnrecoverableError skips the remaining attempts', async () => {
    const { queue } = makeQueue();
    queue.define('bad', { input: Empty, maxAttempts: 5, handler: () => { throw new UnrecoverableError('no such file', 'missing_file'); } });
    const t = queue.enqueue('bad', {});
    queue.start();
    expect(await waitSettled(queue, t.id)).toMatchObject({ state: 'dead', attempts: 1, error: { code: 'missing_file' } });
  });

  it('a task that fails within the millisecond it started still shows started before dead', async () => {
    const { queue, db } = makeQueue();
    queue.define('boom', { input: Empty, maxAttempts: 1, handler: () => Promise.reject(new Error('no')) });
    const t = queue.enqueue('boom', {});
    queue.start();
    await waitSettled(queue, t.id);
    // Make the tie certain: the start and the death in the same millisecond.
    const deadAt = queue.timeline(t.id).find((e) => e.event === 'dead')!.at;
    db.prepare('UPDATE queue_tasks SET started_at = ? WHERE id = ?').run(deadAt, Number(t.id));
    expect(queue.timeline(t.id).map((e) => e.event)).toEqual(['created', 'started', 'dead']);
  });

  it('a handler past its timeout gets its signal aborted and ends with a timeout error', async () => {
    const { queue } = makeQueue();
    let aborted = false;
    queue.define('slow', {
      input: Empty,
      timeoutMs: 200,
      maxAttempts: 1,
      handler: (_i, ctx) =>
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => ((aborted = true), reject(ctx.signal.reason)))),
    });
    queue.define('stubborn', { input: Empty, timeoutMs: 200, maxAttempts: 1, handler: () => new Promise(() => {}) });
    queue.define('ok', { input: Empty, handler: () => 1 });
    const a = queue.enqueue('slow', {});
    const b = queue.enqueue('stubborn', {});
    queue.start();
    expect(await waitSettled(queue, a.id)).toMatchObject({ state: 'dead', error: { code: 'timeout' } });
    expect(aborted).toBe(true);
    const stubborn = await waitSettled(queue, b.id);
    expect(stubborn.error!.message).toMatch(/200 ms timeout/);
    expect((await waitSettled(queue, queue.enqueue('ok', {}).id)).state).toBe('succeeded');
  });
});

const POOL: TaskQueueOptions['processPool'] = {
  size: 2,
  execArgv: ['--import', 'tsx'],
  maxOldSpaceMb: 128,
  maxRssMb: 400,
  killGraceMs: 300,
};
const MODULE = path.join(FIXTURES, 'child-handlers.ts');

function processQueue() {
  const { queue } = makeQueue({ processPool: POOL });
  const def = (name: string, exp: string, extra: object = {}) =>
    queue.define(name, { input: z.any(), maxAttempts: 1, process: { module: MODULE, export: exp }, ...extra });
  def('square', 'square');
  def('hang', 'hang', { timeoutMs: 1000 });
  def('exit', 'exitProcess');
  def('leak', 'leak', { timeoutMs: 60_000 });
  def('fail', 'fail');
  queue.start();
  return queue;
}

describe('handlers in child processes', () => {
  it('run in another process and report progress and results', async () => {
    const queue = processQueue();
    const progress: number[] = [];
    queue.on('task', (t) => t.kind === 'square' && t.state === 'running' && progress.push(t.progress));
    const t = queue.enqueue('square', { n: 7 });
    expect(await waitSettled(queue, t.id, 60_000)).toMatchObject({ state: 'succeeded', result: 49 });
    expect(progress).toContain(0.5);
    const f = queue.enqueue('fail', {});
    expect(await waitSettled(queue, f.id, 60_000)).toMatchObject({ state: 'dead', error: { code: 'disk_full', message: 'the disk is full' } });
  });

  it('a child that ignores its abort past the timeout is killed and replaced', async () => {
    const queue = processQueue();
    const t = queue.enqueue('hang', {});
    expect(await waitSettled(queue, t.id, 60_000)).toMatchObject({ state: 'dead', error: { code: 'timeout' } });
    const after = queue.enqueue('square', { n: 3 });
    expect(await waitSettled(queue, after.id, 60_000)).toMatchObject({ state: 'succeeded', result: 9 });
  });

  it('a child that exits mid-task fails the task with a clear error; the pool replaces it', async () => {
    const queue = processQueue();
    const t = queue.enqueue('exit', { code: 3 });
    const dead = await waitSettled(queue, t.id, 60_000);
    expect(dead).toMatchObject({ state: 'dead', error: { code: 'worker_crashed' } });
    expect(dead.error!.message).toContain('exit code 3');
    const after = queue.enqueue('square', { n: 4 });
    expect(await waitSettled(queue, after.id, 60_000)).toMatchObject({ state: 'succeeded', result: 16 });
  });

  it('a child that leaks memory past its cap is stopped with a memory error', async () => {
    const queue = processQueue();
    const t = queue.enqueue('leak', {});
    const dead = await waitSettled(queue, t.id, 90_000);
    expect(dead).toMatchObject({ state: 'dead', error: { code: 'memory_limit' } });
    expect(dead.error!.message).toMatch(/MB/);
    const after = queue.enqueue('square', { n: 5 });
    expect(await waitSettled(queue, after.id, 60_000)).toMatchObject({ state: 'succeeded', result: 25 });
  }, 120_000);

  it('forks through a pluggable spawn function (as the Electron shell does)', async () => {
    const spawned: string[] = [];
    const spawn: SpawnChild = (entry, opts) => {
      spawned.push(entry);
      return forkChild(entry, opts);
    };
    const { queue } = makeQueue({ processPool: { ...POOL, spawn } });
    queue.define('square', { input: z.any(), process: { module: MODULE, export: 'square' } });
    queue.start();
    const t = queue.enqueue('square', { n: 6 });
    expect(await waitSettled(queue, t.id, 60_000)).toMatchObject({ state: 'succeeded', result: 36 });
    expect(spawned).toHaveLength(1);
    expect(spawned[0]).toMatch(/child-entry\.ts$/);
  });
});
