import type { Database, Statement } from 'better-sqlite3';
import { toJson as json } from './rows';
import type { NewTask } from './task-store';

const COLUMNS = `kind, queue, state, priority, input, max_attempts, timeout_ms, concurrency_key, concurrency_limit, parent_id,
  position, run_at, created_at`;

/**
 * Chunk sizes: a batch is cut greedily into these, so any batch length needs at most a few
 * cached statements per shape (1,000 rows = 15 × 64 + 2 × 16 + 2 × 4).
 */
const SIZES = [64, 16, 4, 1];
/** Names of the per-row input parameters, made once rather than per row. */
const INPUT_PARAMS = Array.from({ length: SIZES[0] }, (_, i) => `i${i}`);

/** The options every row of a chunk shares, bound once per statement instead of once per row. */
function sameOptions(a: NewTask, b: NewTask): boolean {
  return a.kind === b.kind && a.queue === b.queue && a.priority === b.priority && a.maxAttempts === b.maxAttempts &&
    a.timeoutMs === b.timeoutMs && a.concurrencyKey === b.concurrencyKey && a.concurrencyLimit === b.concurrencyLimit &&
    a.parentId === b.parentId && a.position === b.position && a.runAt === b.runAt;
}

/**
 * Inserts rows without dedupe keys as multi-row INSERTs: one statement per chunk instead of
 * one per row (each `run` has a fixed cost in better-sqlite3 and SQLite that a no-op task
 * notices). When a chunk's rows share their options, as a batch of one kind usually does,
 * only the inputs are bound per row, through named parameters the rows reuse. Ids are
 * consecutive within a statement: with a plain INTEGER PRIMARY KEY each new row takes the
 * largest rowid + 1, and the caller's transaction keeps every other writer out.
 */
export class BulkInsert {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  /** Returns the new ids in order; the caller holds the write transaction. */
  run(rows: NewTask[], now: number): number[] {
    const ids: number[] = new Array(rows.length);
    let at = 0;
    for (const size of SIZES) {
      while (rows.length - at >= size) {
        const last = this.chunk(rows, at, size, now);
        for (let i = 0; i < size; i++) ids[at + i] = last - size + 1 + i;
        at += size;
      }
    }
    return ids;
  }

  /** Inserts rows[at, at + size) in one statement; returns the last id. */
  private chunk(rows: NewTask[], at: number, size: number, now: number): number {
    const first = rows[at];
    let uniform = true;
    for (let i = at + 1; i < at + size && uniform; i++) uniform = sameOptions(first, rows[i]);
    if (uniform && size > 1) {
      const args: Record<string, unknown> = {
        kind: first.kind, queue: first.queue, priority: first.priority, maxAttempts: first.maxAttempts, timeoutMs: first.timeoutMs,
        key: first.concurrencyKey, keyLimit: first.concurrencyLimit, parent: first.parentId, position: first.position,
        runAt: first.runAt, now,
      };
      for (let i = 0; i < size; i++) args[INPUT_PARAMS[i]] = json(rows[at + i].input);
      const stmt = this.statement(`u${size}`, () =>
        Array.from({ length: size }, (_, i) =>
          `(@kind, @queue, 'queued', @priority, @i${i}, @maxAttempts, @timeoutMs, @key, @keyLimit, @parent, @position, @runAt, @now)`).join(', '));
      return Number(stmt.run(args).lastInsertRowid);
    }
    const args: unknown[] = [];
    for (let i = at; i < at + size; i++) {
      const t = rows[i];
      args.push(t.kind, t.queue, t.priority, json(t.input), t.maxAttempts, t.timeoutMs, t.concurrencyKey, t.concurrencyLimit,
        t.parentId, t.position, t.runAt, now);
    }
    const stmt = this.statement(`p${size}`, () => Array.from({ length: size }, () => `(?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).join(', '));
    return Number(stmt.run(...args).lastInsertRowid);
  }

  private statement(key: string, values: () => string): Statement {
    let stmt = this.cache.get(key);
    if (!stmt) {
      stmt = this.db.prepare(`INSERT INTO queue_tasks (${COLUMNS}) VALUES ${values()}`);
      this.cache.set(key, stmt);
    }
    return stmt;
  }
}
