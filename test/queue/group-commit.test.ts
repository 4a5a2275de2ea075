import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TaskQueue } from '../../src/main/queue';
import { FIXTURES, makeQueue, openDb, sleep, tempDir, waitFor } from './helpers';

const N = z.object({ n: z.number() });

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function fullRunner(file: string, log: string, groupCommitMs: number, announced: string[]): Promise<ChildProcess> {
  const child = fork(path.join(FIXTURES, 'group-commit-runner.ts'), [file, log, 'runner-g', String(groupCommitMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  child.on('message', (m: { succeeded?: string }) => void (m.succeeded && announced.push(m.succeeded)));
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`runner exited early (${code})`)));
  });
}

/** Events emitted in one synchronous burst (one commit's announcements) land in one batch. */
function batches(queue: TaskQueue, state: string): number[] {
  const sizes: number[] = [];
  let open = false;
  queue.on('task', (t) => {
    if (t.state !== state) return;
    if (!open) {
      open = true;
      sizes.push(0);
      queueMicrotask(() => (open = false));
    }
    sizes[sizes.length - 1]++;
  });
  return sizes;
}

describe('group commit with synchronous=FULL', () => {
  it('a finished task whose group commit never happened (kill -9) runs again, and was never announced', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'queue.db');
    const log = path.join(dir, 'runs.log');
    const db = openDb(file);
    const queue = new TaskQueue(db, { synchronous: 'FULL' });
    queue.define('quick', { input: N, handler: () => null }).define('slow', { input: N, handler: () => null });
    const slow = queue.enqueue('slow', { n: 0 });
    const quick = queue.enqueue('quick', { n: 1 });
    const announced: string[] = [];
    const first = await fullRunner(file, log, 60_000, announced);
    const state = (id: string) => queue.get(id)!.state;
    await waitFor(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes(`start ${quick.id} 1`), 30_000, 'quick to run');
    await sleep(300); // its result is now held: the slow task keeps the runner from going idle
    expect(state(slow.id)).toBe('running');
    expect(state(quick.id)).toBe('running');
    expect(announced).toEqual([]);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // Same worker id: the restart takes back both rows at once and runs quick again.
    const second = await fullRunner(file, log, 5, announced);
    await waitFor(() => state(quick.id) === 'succeeded', 30_000, 'quick to succeed after the restart');
    // The crash spent the first attempt (a lease taken back counts as one), so it reruns as attempt 2.
    expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual([`start ${quick.id} 1`, `start ${quick.id} 2`]);
    // The runner announces over IPC after its commit; on a loaded machine that message can land
    // after this process has already read the committed row, so wait for it rather than race it.
    await waitFor(() => announced.length > 0, 10_000, 'the success to be announced');
    expect(announced).toEqual([quick.id]);
    second.kill('SIGKILL');
  }, 60_000);

  it('announces a success only after a commit that another connection can read, and one commit covers many tasks', async () => {
    const { queue, file } = makeQueue({ synchronous: 'FULL', concurrency: 2, groupCommitMs: 200 });
    const reader = new Database(file, { readonly: true });
    const seen: string[] = [];
    queue.on('task', (t) => {
      if (t.state === 'succeeded') seen.push((reader.prepare('SELECT state FROM queue_tasks WHERE id = ?').get(Number(t.id)) as { state: string }).state);
    });
    const sizes = batches(queue, 'succeeded');
    queue.define('quick', { input: N, handler: async () => null });
    queue.enqueueMany(Array.from({ length: 40 }, (_, i) => ({ kind: 'quick', input: { n: i } })));
    queue.start();
    await waitFor(() => seen.length === 40, 30_000, '40 successes');
    reader.close();
    expect(new Set(seen)).toEqual(new Set(['succeeded']));
    // Two in flight, yet successes arrive in bursts far larger than one turn's completions.
    expect(Math.max(...sizes)).toBeGreaterThan(10);
  });

  it('under NORMAL commits every turn: bursts are at most the concurrency', async () => {
    const { queue } = makeQueue({ synchronous: 'NORMAL', concurrency: 2, groupCommitMs: 200 });
    const sizes = batches(queue, 'succeeded');
    queue.define('quick', { input: N, handler: async () => null });
    queue.enqueueMany(Array.from({ length: 20 }, (_, i) => ({ kind: 'quick', input: { n: i } })));
    queue.start();
    await waitFor(() => sizes.reduce((a, b) => a + b, 0) === 20, 30_000, '20 successes');
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
  });

  it('batch claims keep per-kind concurrency and rate limits while successes wait for the group commit', async () => {
    const { queue } = makeQueue({ synchronous: 'FULL', concurrency: 10, groupCommitMs: 50 });
    let now = 0;
    let peak = 0;
    queue.define('heavy', {
      input: N,
      concurrency: 2,
      handler: async () => {
        peak = Math.max(peak, ++now);
        await sleep(20);
        now--;
      },
    });
    queue.define('limited', { input: N, rateLimit: { max: 3, intervalMs: 400 }, handler: () => null });
    queue.define('free', { input: N, handler: () => null });
    queue.enqueueMany([
      ...Array.from({ length: 8 }, (_, i) => ({ kind: 'heavy', input: { n: i } })),
      ...Array.from({ length: 7 }, (_, i) => ({ kind: 'limited', input: { n: i } })),
      ...Array.from({ length: 30 }, (_, i) => ({ kind: 'free', input: { n: i } })),
    ]);
    queue.start();
    await waitFor(() => queue.stats().totals.succeeded === 45, 30_000);
    expect(peak).toBe(2);
    const starts = queue
      .list({ kind: 'limited' })
      .items.map((t) => t.startedAt!)
      .sort((a, b) => a - b);
    expect(starts).toHaveLength(7);
    for (let i = 3; i < starts.length; i++) expect(starts[i] - starts[i - 3]).toBeGreaterThanOrEqual(400);
  });
});
