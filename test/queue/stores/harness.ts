import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { type CommonQueueOptions, type QueueEngine, RedisTaskQueue, type Task, TaskQueue } from '../../../src/main/queue';
import { type RedisHandle, startRedis } from '../redis-server';

/** Options both stores take. */
export type CommonOptions = CommonQueueOptions;

/** One store under test: how to make a queue on it, a second runner on the same data, and the back doors tests need. */
export interface StoreCase {
  name: 'sqlite' | 'redis';
  make(opts?: CommonOptions): QueueEngine;
  /** Another queue (another runner) on the same stored data as `q`. */
  second(q: QueueEngine, opts?: CommonOptions): QueueEngine;
  /** Pretends these tasks finished at `at` (for retention). */
  ageFinished(q: QueueEngine, ids: string[], at: number): Promise<void>;
  /** Pretends every schedule is due at `at`. */
  setSchedulesDue(q: QueueEngine, at: number): Promise<void>;
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function sqliteCase(): StoreCase {
  const files = new WeakMap<QueueEngine, Database.Database>();
  const open = (file: string, opts: CommonOptions) => {
    const db = new Database(file);
    const q = new TaskQueue(db, { pollMs: 50, ...opts });
    files.set(q, db);
    cleanups.push(async () => {
      await q.stop({ deadlineMs: 2000 });
      if (db.open) db.close();
    });
    return q;
  };
  return {
    name: 'sqlite',
    make(opts = {}) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-queue-'));
      cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
      return open(path.join(dir, 'queue.db'), opts);
    },
    second(q, opts = {}) {
      return open(files.get(q)!.name, opts);
    },
    async ageFinished(q, ids, at) {
      const stmt = files.get(q)!.prepare('UPDATE queue_tasks SET finished_at = ? WHERE id = ?');
      for (const id of ids) stmt.run(at, Number(id));
    },
    async setSchedulesDue(q, at) {
      files.get(q)!.prepare('UPDATE queue_schedules SET next_run_at = ?').run(at);
    },
  };
}

function redisCase(server: () => RedisHandle): StoreCase {
  const open = (name: string, opts: CommonOptions) => {
    const q = new RedisTaskQueue(server().url, { name, pollMs: 50, ...opts });
    cleanups.push(() => q.close({ deadlineMs: 2000 }));
    return q;
  };
  const r = (q: QueueEngine) => (q as RedisTaskQueue).store;
  return {
    name: 'redis',
    make: (opts = {}) => open(randomBytes(6).toString('hex'), opts),
    second: (q, opts = {}) => open(r(q).prefix.slice(7, -2), opts),
    async ageFinished(q, ids, at) {
      const s = r(q);
      for (const id of ids) await s.redis.multi().zadd(`${s.prefix}fin`, at, id).hset(`${s.prefix}t:${id}`, 'finished_at', at).exec();
    },
    async setSchedulesDue(q, at) {
      const s = r(q);
      for (const name of await s.scheduleNames()) await s.redis.zadd(`${s.prefix}schq`, at, name);
    },
  };
}

/** Runs `body` once per store: SQLite in a temp file, and Redis on a real redis-server started for this file. */
export function forEachStore(body: (store: StoreCase) => void): void {
  describe.each(['sqlite', 'redis'] as const)('%s store', (name) => {
    let server: RedisHandle | null = null;
    if (name === 'redis') {
      beforeAll(async () => {
        server = await startRedis();
      });
      afterAll(async () => {
        await server?.stop();
      });
    }
    body(name === 'sqlite' ? sqliteCase() : redisCase(() => server!));
  });
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

const TERMINAL = new Set(['succeeded', 'dead', 'cancelled']);

export function waitSettled(queue: QueueEngine, id: string, timeoutMs = 30_000): Promise<Task> {
  return waitFor(
    async () => {
      const t = await queue.get(id);
      return t && TERMINAL.has(t.state) ? t : null;
    },
    timeoutMs,
    `task ${id} to settle`,
  );
}

export function waitState(queue: QueueEngine, id: string, state: Task['state'], timeoutMs = 30_000): Promise<Task> {
  return waitFor(
    async () => {
      const t = await queue.get(id);
      return t && t.state === state ? t : null;
    },
    timeoutMs,
    `task ${id} to be ${state}`,
  );
}

export async function succeeded(queue: QueueEngine): Promise<number> {
  return (await queue.stats()).totals.succeeded ?? 0;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
