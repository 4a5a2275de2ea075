import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskQueue } from '../../src/main/queue';
import { FIXTURES, openDb, tempDir, waitFor } from './helpers';
import { defineWork } from './fixtures/work-kind';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function runner(file: string, log: string, workerId: string, leaseMs: number, sleepMs: number): Promise<ChildProcess> {
  const child = fork(path.join(FIXTURES, 'runner-process.ts'), [file, log, workerId, String(leaseMs), String(sleepMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`runner exited early (${code})`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

function readLog(log: string): { event: string; id: string; pid: number; at: number }[] {
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [event, id, pid, at] = l.split(' ');
      return { event, id, pid: Number(pid), at: Number(at) };
    });
}

function setup(n: number) {
  const dir = tempDir();
  const file = path.join(dir, 'queue.db');
  const log = path.join(dir, 'runs.log');
  const db = openDb(file);
  const queue = new TaskQueue(db, { synchronous: 'NORMAL' });
  defineWork(queue);
  if (n > 0) queue.enqueueMany(Array.from({ length: n }, (_, i) => ({ kind: 'work', input: { n: i } })));
  const count = (state: string) => (db.prepare('SELECT count(*) AS n FROM queue_tasks WHERE state = ?').get(state) as { n: number }).n;
  return { file, log, db, queue, count };
}

describe('a runner killed with SIGKILL', () => {
  it('loses nothing: after a restart all 200 tasks succeed, re-running at most those in flight', async () => {
    const { file, log, count } = setup(200);
    const first = await runner(file, log, 'runner-a', 30_000, 40);
    await waitFor(() => count('succeeded') >= 40, 60_000, '40 tasks done');
    first.kill('SIGKILL');
    await exited(first);
    const inFlight = count('running');
    expect(inFlight).toBeGreaterThan(0);
    // Same worker id: the restarted runner takes back what it held without waiting for leases.
    const second = await runner(file, log, 'runner-a', 30_000, 40);
    await waitFor(() => count('succeeded') === 200, 90_000, 'all 200 done');
    second.kill('SIGTERM');
    await exited(second);
    const starts = readLog(log).filter((e) => e.event === 'start');
    expect(new Set(starts.map((s) => s.id)).size).toBe(200);
    expect(starts.length - 200).toBeLessThanOrEqual(inFlight);
    expect(count('dead') + count('failed') + count('queued')).toBe(0);
  }, 150_000);

  it("a different runner re-queues the dead runner's tasks once their lease expires", async () => {
    const { file, log, count, queue } = setup(60);
    const first = await runner(file, log, 'runner-a', 1500, 100);
    await waitFor(() => count('succeeded') >= 10, 60_000, '10 tasks done');
    first.kill('SIGKILL');
    await exited(first);
    const inFlight = count('running');
    const second = await runner(file, log, 'runner-b', 1500, 20);
    await waitFor(() => count('succeeded') === 60, 90_000, 'all 60 done');
    second.kill('SIGTERM');
    await exited(second);
    const starts = readLog(log).filter((e) => e.event === 'start');
    expect(starts.length - 60).toBeLessThanOrEqual(inFlight);
    const retried = queue.list({ state: 'succeeded', limit: 100 }).items.filter((t) => t.attempts > 1);
    expect(retried.length).toBeLessThanOrEqual(inFlight);
    for (const t of retried) expect(queue.timeline(t.id).some((e) => e.event === 'requeued' && e.error?.code === 'lease_expired')).toBe(true);
  }, 150_000);
});

describe('two runners on one database file', () => {
  it('never run one task twice at the same time', async () => {
    const { file, log, count, queue } = setup(0);
    const [a, b] = await Promise.all([runner(file, log, 'runner-a', 30_000, 10), runner(file, log, 'runner-b', 30_000, 10)]);
    // Enqueued only once both are polling, so both compete for every claim.
    queue.enqueueMany(Array.from({ length: 300 }, (_, i) => ({ kind: 'work', input: { n: i } })));
    await waitFor(() => count('succeeded') === 300, 120_000, 'all 300 done');
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    await Promise.all([exited(a), exited(b)]);
    const events = readLog(log);
    const starts = events.filter((e) => e.event === 'start');
    expect(starts).toHaveLength(300);
    expect(new Set(starts.map((s) => s.id)).size).toBe(300);
    const pids = new Set(starts.map((s) => s.pid));
    expect(pids.size).toBe(2);
  }, 150_000);
});
