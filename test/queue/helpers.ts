import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { TaskQueue, type Task, type TaskQueueOptions } from '../../src/main/queue';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-queue-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function openDb(file: string): Database.Database {
  const db = new Database(file);
  cleanups.push(() => {
    if (db.open) db.close();
  });
  return db;
}

/** A queue on a fresh SQLite file in a temp folder, stopped and closed after the test. */
export function makeQueue(opts: TaskQueueOptions = {}): { queue: TaskQueue; db: Database.Database; file: string } {
  const file = path.join(tempDir(), 'queue.db');
  const db = openDb(file);
  const queue = new TaskQueue(db, { pollMs: 50, ...opts });
  cleanups.push(() => queue.stop({ deadlineMs: 2000 }).then(() => undefined));
  return { queue, db, file };
}

export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

const TERMINAL = new Set(['succeeded', 'dead', 'cancelled']);

export function waitSettled(queue: TaskQueue, id: string, timeoutMs = 30_000): Promise<Task> {
  return waitFor(
    () => {
      const t = queue.get(id);
      return t && TERMINAL.has(t.state) ? t : null;
    },
    timeoutMs,
    `task ${id} to settle`,
  );
}

export function waitState(queue: TaskQueue, id: string, state: Task['state'], timeoutMs = 30_000): Promise<Task> {
  return waitFor(
    () => {
      const t = queue.get(id);
      return t && t.state === state ? t : null;
    },
    timeoutMs,
    `task ${id} to be ${state}`,
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures');
