import type { Database, Statement } from 'better-sqlite3';
import { toJson as json } from './rows';
import type { TaskShape } from './task-store';

const COLUMNS = `kind, queue, state, priority, input, max_attempts, timeout_ms, concurrency_key, concurrency_limit, parent_id,
  position, run_at, created_at`;

/**
 * Chunk sizes: a batch is cut greedily into these, so any batch length needs at most a few
 * cached statements per shape (1,000 rows = 15 × 64 + 2 × 16 + 2 × 4).
 */
const SIZES = [64, 16, 4, 1];
/** The shared values of a uniform chunk, bound before its inputs (see `uniformSql`). */
const SHARED = 11;

/** One row with all its values bound (a chunk whose rows differ in their options). */
const ROW = `(?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The options every row of a chunk shares, bound once per statement instead of once per row. */
function sameOptions(a: TaskShape, b: TaskShape): boolean {
  return (
    a === b ||
    (a.kind === b.kind &&
      a.queue === b.queue &&
      a.priority === b.priority &&
      a.maxAttempts === b.maxAttempts &&
      a.timeoutMs === b.timeoutMs &&
      a.concurrencyKey === b.concurrencyKey &&
      a.concurrencyLimit === b.concurrencyLimit &&
      a.parentId === b.parentId &&
      a.position === b.position &&
      a.runAt === b.runAt)
  );
}

/**
 * Rows that share their options: the shared values appear once, in the SELECT list, and
 * each row brings only its input from the VALUES list. Anonymous parameters are numbered
 * in the order they appear, so the shared ones come first; binding them from an array
 * avoids named parameters, which better-sqlite3 looks up one property at a time.
 */
function uniformSql(size: number): string {
  const values = Array.from({ length: size }, () => '(?)').join(', ');
  return `SELECT ?, ?, 'queued', ?, column1, ?, ?, ?, ?, ?, ?, ?, ? FROM (VALUES ${values})`;
}

/**
 * Inserts rows without dedupe keys as multi-row INSERTs: one statement per chunk instead of
 * one per row (each `run` has a fixed cost in better-sqlite3 and SQLite that a no-op task
 * notices). When a chunk's rows share their options, as a batch of one kind usually does,
 * only the inputs are bound per row. Ids are consecutive within a statement: with a plain
 * INTEGER PRIMARY KEY each new row takes the largest rowid + 1, rows are inserted in the
 * order of the VALUES list, and the caller's transaction keeps every other writer out.
 */
export class BulkInsert {
  private readonly uniform = new Map<number, Statement>();
  private readonly perRow = new Map<number, Statement>();

  constructor(private readonly db: Database) {}

  /** Row i is shapes[i] with inputs[i]. Returns the new ids in order; the caller holds the write transaction. */
  run(shapes: readonly TaskShape[], inputs: readonly unknown[], now: number): number[] {
    const ids: number[] = new Array(shapes.length);
    let at = 0;
    for (const size of SIZES) {
      while (shapes.length - at >= size) {
        const last = this.chunk(shapes, inputs, at, size, now);
        for (let i = 0; i < size; i++) ids[at + i] = last - size + 1 + i;
        at += size;
      }
    }
    return ids;
  }

  /** Inserts rows [at, at + size) in one statement; returns the last id. */
  private chunk(shapes: readonly TaskShape[], inputs: readonly unknown[], at: number, size: number, now: number): number {
    const first = shapes[at];
    let uniform = true;
    for (let i = at + 1; i < at + size && uniform; i++) uniform = sameOptions(first, shapes[i]);
    if (uniform) {
      const args: unknown[] = new Array(SHARED + size);
      args[0] = first.kind;
      args[1] = first.queue;
      args[2] = first.priority;
      args[3] = first.maxAttempts;
      args[4] = first.timeoutMs;
      args[5] = first.concurrencyKey;
      args[6] = first.concurrencyLimit;
      args[7] = first.parentId;
      args[8] = first.position;
      args[9] = first.runAt;
      args[10] = now;
      for (let i = 0; i < size; i++) args[SHARED + i] = json(inputs[at + i]);
      return Number(this.statement(true, size).run(args).lastInsertRowid);
    }
    const args: unknown[] = [];
    for (let i = at; i < at + size; i++) {
      const t = shapes[i];
      args.push(
        t.kind,
        t.queue,
        t.priority,
        json(inputs[i]),
        t.maxAttempts,
        t.timeoutMs,
        t.concurrencyKey,
        t.concurrencyLimit,
        t.parentId,
        t.position,
        t.runAt,
        now,
      );
    }
    return Number(this.statement(false, size).run(args).lastInsertRowid);
  }

  /** The cached statement for a chunk of `size` rows, uniform or each row with its own values. */
  private statement(uniform: boolean, size: number): Statement {
    const cache = uniform ? this.uniform : this.perRow;
    let stmt = cache.get(size);
    if (!stmt) {
      const source = uniform ? uniformSql(size) : `VALUES ${Array.from({ length: size }, () => ROW).join(', ')}`;
      stmt = this.db.prepare(`INSERT INTO queue_tasks (${COLUMNS}) ${source}`);
      cache.set(size, stmt);
    }
    return stmt;
  }
}
