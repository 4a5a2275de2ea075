import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UnrecoverableError } from '../../src/main/queue';
import { openStore, type Store } from '../../src/main/store';
import { LibraryService } from '../../src/main/services/library';
import { TaskService } from '../../src/main/services/tasks';
import type { Task } from '../../src/shared/contract';

/* The Tasks page's reads and controls over a real queue in a real SQLite file. */

let dir: string;
let store: Store;
let lib: LibraryService;
let tasks: TaskService;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-monitor-'));
  store = openStore(join(dir, 'data', 'loupe.db'));
  lib = new LibraryService(store, join(dir, 'data'), () => {});
  tasks = new TaskService({ db: store.db, library: lib, emit: () => {}, log: () => {} });
  // A kind of our own, so these tests do not hang on which features define which kinds.
  tasks.queue.define('probe', {
    input: z.object({ value: z.number().optional(), fail: z.string().optional() }).strict(),
    maxAttempts: 1,
    handler: (input) => {
      if (input.fail) throw new UnrecoverableError(input.fail, 'probe_failed');
      return { value: input.value ?? 0 };
    },
  });
  tasks.expose('probe');
  tasks.start();
});
afterEach(async () => {
  await lib.close();
  await tasks.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(read: () => T, done: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 1500; i++) {
    const v = read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const settled = (id: string) =>
  until(
    () => tasks.get(id),
    (t) => !['queued', 'running', 'failed'].includes(t.state),
    `task ${id}`,
  );
const ok = (value: number): Task => tasks.enqueue({ kind: 'probe', input: { value } });
const failing = (message: string): Task => tasks.enqueue({ kind: 'probe', input: { fail: message } });

describe('task monitor', () => {
  it('counts tasks by kind and state, with throughput, latency and a live worker', async () => {
    const good = [ok(1), ok(2), ok(3)];
    const bad = failing('The probe broke.');
    for (const t of [...good, bad]) await settled(t.id);

    const s = tasks.monitor.stats(5);
    expect(s.counts.probe).toMatchObject({ succeeded: 3, dead: 1 });
    expect(s.totals).toMatchObject({ succeeded: 3, dead: 1 });
    expect(s.throughput.succeededPerMin).toBeCloseTo(3 / 5);
    expect(s.throughput.perMinute.reduce((n, m) => n + m.succeeded, 0)).toBe(3);
    expect(s.latencyMs.run.count).toBe(4);
    expect(s.latencyMs.run.p50).not.toBeNull();
    expect(s.workers).toHaveLength(1);
    expect(s.workers[0]).toMatchObject({ id: 'loupe-main', pid: process.pid, alive: true });
    expect(Date.parse(s.workers[0].heartbeatAt)).toBeGreaterThan(0);
    expect(s.paused).toEqual([]);
    expect(s.schedules).toEqual([]);
  });

  it('lists cron schedules with their next run', () => {
    tasks.queue.schedule('nightly', '0 3 * * *', 'probe', { value: 1 }, { tz: 'Europe/Paris' });
    const [only] = tasks.monitor.stats().schedules;
    expect(only).toMatchObject({ name: 'nightly', cron: '0 3 * * *', tz: 'Europe/Paris', kind: 'probe', lastRunAt: null });
    expect(Date.parse(only.nextRunAt)).toBeGreaterThan(Date.now());
  });

  it('shows a failed task’s timeline with its error message and never a stack', async () => {
    const t = await settled(failing('The folder is gone; pick another one.').id);
    expect(t.state).toBe('dead');
    const seen = tasks.monitor.inspect(t.id);
    expect(seen.task.error).toEqual({ code: 'probe_failed', message: 'The folder is gone; pick another one.' });
    expect(seen.timeline.map((e) => e.event)).toEqual(['created', 'started', 'dead']);
    const dead = seen.timeline[2];
    expect(dead.error?.message).toBe('The folder is gone; pick another one.');
    expect(Object.keys(dead.error ?? {}).sort()).toEqual(['code', 'message']);
    expect(JSON.stringify(seen)).not.toMatch(/\n\s+at |stack/);
    for (const e of seen.timeline) expect(Date.parse(e.at)).toBeGreaterThan(0);
    expect(seen.queue).toBe('default');
  });

  it('lists dead letters and re-queues them; a re-queued task runs again', async () => {
    const a = await settled(failing('a').id);
    const b = await settled(failing('b').id);
    const good = await settled(ok(1).id);
    const dead = tasks.monitor.deadLetters(100);
    expect(dead.items.map((t) => t.id).sort()).toEqual([a.id, b.id].sort());
    expect(dead.items.map((t) => t.id)).not.toContain(good.id);

    expect(tasks.monitor.requeueDead([a.id, good.id])).toEqual({ requeued: 1 });
    await until(
      () => tasks.monitor.timeline(a.id),
      (tl) => tl.filter((e) => e.event === 'dead').length === 2,
      'second death',
    );
    expect(tasks.monitor.timeline(a.id).map((e) => e.event)).toContain('retried');

    expect(tasks.monitor.requeueDead()).toEqual({ requeued: 2 });
    await until(
      () => tasks.monitor.deadLetters(100).items.length,
      (n) => n === 2,
      'both dead again',
    );
  });

  it('pauses a queue so nothing starts, cancels a waiting task, and resumes', async () => {
    expect(tasks.monitor.pause('default').paused).toEqual(['default']);
    expect(tasks.monitor.stats().paused).toEqual(['default']);
    const waiting = ok(1);
    const cancelled = ok(2);
    await new Promise((r) => setTimeout(r, 700));
    expect(tasks.get(waiting.id).state).toBe('queued');

    expect(tasks.cancel(cancelled.id).state).toBe('cancelled');
    expect(tasks.monitor.timeline(cancelled.id).map((e) => e.event)).toEqual(['created', 'cancelled']);

    expect(tasks.monitor.resume('default').paused).toEqual([]);
    expect((await settled(waiting.id)).state).toBe('succeeded');
    expect(tasks.get(cancelled.id).state).toBe('cancelled');
  });

  it('shows a group’s children in order and its parent’s progress', async () => {
    const parent = tasks.queue.group(
      [
        { kind: 'probe', input: { value: 10 } },
        { kind: 'probe', input: { value: 20 } },
      ],
      { mode: 'settleAll' },
    );
    const done = await settled(parent.id);
    expect(done.state).toBe('succeeded');
    const seen = tasks.monitor.inspect(parent.id);
    expect(seen.workflow).toBe('group');
    expect(seen.children.map((c) => (c.result as { value: number }).value)).toEqual([10, 20]);
    expect(tasks.monitor.children(parent.id)).toHaveLength(2);
    expect(seen.task.progress).toBe(1);
  });

  it('answers not_found for an unknown task', () => {
    expect(() => tasks.monitor.inspect('999999')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => tasks.monitor.timeline('nope')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});
