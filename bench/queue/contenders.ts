/**
 * The three queues under test, each behind the same three phases: enqueue N tasks one by
 * one, enqueue N in batches of 1,000, then process the batched N with 10 in flight.
 * Every store starts empty; SQLite files live in a temp folder and are deleted after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { TaskQueue } from '../../src/main/queue';

export interface Phases {
  enqueueOne(n: number): Promise<void>;
  enqueueBatch(n: number, batch: number): Promise<void>;
  /** Processes everything enqueued by enqueueBatch, 10 in flight, resolves when all are done. */
  process(n: number, inFlight: number): Promise<void>;
  close(): Promise<void>;
}

export type Sync = 'NORMAL' | 'FULL';

function tempFile(name: string): { file: string; dispose: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `qbench-${name}-`));
  return { file: path.join(dir, 'q.db'), dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function until(check: () => boolean, everyMs = 5): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, everyMs));
}

/** Loupe's queue with its normal path: zod validation, an event listener, leases, limits defined on other kinds. */
export function loupe(sync: Sync): Phases {
  let cur: { db: Database.Database; q: TaskQueue; dispose: () => void } | null = null;
  let done = 0;
  const open = () => {
    cur?.db.close();
    cur?.dispose();
    const { file, dispose } = tempFile('loupe');
    const db = new Database(file);
    const q = new TaskQueue(db, { synchronous: sync, concurrency: 10, retentionDays: 7 });
    q.define('noop', { input: z.object({ i: z.number() }), handler: async () => null });
    q.define('limited', { input: z.object({}), handler: async () => null, rateLimit: { max: 100, intervalMs: 1000 } });
    q.define('heavy', { input: z.object({}), handler: async () => null, concurrency: 2 });
    q.on('task', (t) => {
      if (t.state === 'succeeded') done++;
    });
    cur = { db, q, dispose };
    return q;
  };
  return {
    async enqueueOne(n) {
      const q = open();
      for (let i = 0; i < n; i++) q.enqueue('noop', { i });
    },
    async enqueueBatch(n, batch) {
      const q = open();
      for (let b = 0; b < n; b += batch) q.enqueueMany(Array.from({ length: batch }, (_, i) => ({ kind: 'noop', input: { i: b + i } })));
    },
    async process(n) {
      done = 0;
      cur!.q.start();
      await until(() => done >= n);
      await cur!.q.stop();
    },
    async close() {
      cur?.db.close();
      cur?.dispose();
    },
  };
}

export async function plainjob(sync: Sync): Promise<Phases> {
  const pj = await import('plainjob');
  let cur: { db: Database.Database; queue: ReturnType<typeof pj.defineQueue>; dispose: () => void } | null = null;
  const open = () => {
    cur?.queue.close();
    cur?.dispose();
    const { file, dispose } = tempFile('plainjob');
    const db = new Database(file);
    const queue = pj.defineQueue({ connection: pj.better(db), logger: quiet });
    db.pragma(`synchronous = ${sync}`); // plainjob sets NORMAL itself; FULL is applied after it
    cur = { db, queue, dispose };
    return queue;
  };
  return {
    async enqueueOne(n) {
      const q = open();
      for (let i = 0; i < n; i++) q.add('noop', { i });
    },
    async enqueueBatch(n, batch) {
      const q = open();
      for (let b = 0; b < n; b += batch)
        q.addMany(
          'noop',
          Array.from({ length: batch }, (_, i) => ({ i: b + i })),
        );
    },
    async process(n, inFlight) {
      const queue = cur!.queue;
      let done = 0;
      const workers = Array.from({ length: inFlight }, () =>
        pj.defineWorker('noop', async () => undefined, { queue, logger: quiet, pollIntervall: 5, onCompleted: () => void done++ }),
      );
      const running = workers.map((w) => w.start());
      await until(() => done >= n);
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(running);
    },
    async close() {
      cur?.queue.close();
      cur?.dispose();
    },
  };
}

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

export async function bullmq(port: number): Promise<Phases> {
  const { Queue, Worker } = await import('bullmq');
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  let queue = new Queue('bench', { connection });
  const reset = async () => {
    await queue.obliterate({ force: true });
  };
  return {
    async enqueueOne(n) {
      await reset();
      for (let i = 0; i < n; i++) await queue.add('noop', { i });
    },
    async enqueueBatch(n, batch) {
      await reset();
      for (let b = 0; b < n; b += batch) await queue.addBulk(Array.from({ length: batch }, (_, i) => ({ name: 'noop', data: { i: b + i } })));
    },
    async process(n, inFlight) {
      let done = 0;
      const worker = new Worker('bench', async () => null, { connection, concurrency: inFlight });
      worker.on('completed', () => void done++);
      await until(() => done >= n);
      await worker.close();
    },
    async close() {
      await reset();
      await queue.close();
      queue = null as never;
    },
  };
}
