import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { forkChild, type SpawnChild, type TaskQueueOptions } from '../../src/main/queue';
import { FIXTURES, makeQueue, waitSettled } from './helpers';

const Empty = z.object({});

describe('handlers that fail in process', () => {
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
