import type { Database } from 'better-sqlite3';
import type { StoredError } from '../errors';
import type { TaskState, TimelineEntry, WorkflowKind } from '../types';
import { BulkInsert } from './bulk-insert';
import { type TaskRow, toJson } from './rows';
import { LIVE_SQL, Statements, WAITING_SQL } from './statements';

/**
 * Every field of a new task row but its input; defaults are resolved by the registry first.
 * A batch shares one shape among the rows that have the same options.
 */
export interface TaskShape {
  kind: string;
  queue: string;
  priority: number;
  maxAttempts: number;
  timeoutMs: number | null;
  dedupeKey: string | null;
  concurrencyKey: string | null;
  concurrencyLimit: number | null;
  parentId: number | null;
  position: number | null;
  workflow: WorkflowKind | null;
  spec: unknown;
  childrenTotal: number | null;
  runAt: number;
  state?: 'queued' | 'running';
  /** With dedupeKey: a queued holder of the key moves to this runAt (EnqueueOptions.debounce). */
  debounce?: boolean;
}

/** Everything needed to insert one task row. */
export interface NewTask extends TaskShape {
  input: unknown;
}

/** The identity of one attempt: a write fenced by it cannot touch a later attempt. */
export interface AttemptRef {
  id: number;
  attempts: number;
  workerId: string;
}

export type Outcome = { kind: 'succeeded'; result: unknown } | { kind: 'failed'; error: StoredError; retryAt: number | null } | { kind: 'cancelled' };

function entry(at: number, event: TimelineEntry['event'], attempt: number, error?: StoredError): string {
  const e: TimelineEntry = { at, event, attempt };
  if (error) e.error = { code: error.code, message: error.message, stack: error.stack };
  return JSON.stringify(e);
}

const APPEND_HISTORY = `history = json_insert(coalesce(history, '[]'), '$[#]', json(?))`;
const FENCE = `id = ? AND state = 'running' AND attempts = ? AND worker_id = ?`;
/** Run once per finished task: a constant, so the statement cache does not hash a freshly built string each time. */
const SUCCEEDED_SQL = `UPDATE queue_tasks SET state = 'succeeded', result = ?, finished_at = ?, progress = 1, lease_until = NULL,
  error_code = NULL, error_message = NULL, error_stack = NULL WHERE ${FENCE}`;

/** The task lifecycle in SQL: insert, finish, lease, cancel, retry (claiming is in claim-store). */
export class TaskStore {
  private readonly s: Statements;
  private readonly bulk: BulkInsert;

  constructor(readonly db: Database) {
    this.s = new Statements(db);
    this.bulk = new BulkInsert(db);
  }

  /** Inserts a task unless a live one holds its dedupe key; returns that one instead. */
  insert(t: NewTask, now: number): { id: number; existing: TaskRow | null } {
    if (t.dedupeKey !== null) {
      const existing = this.s.get(`SELECT * FROM queue_tasks WHERE dedupe_key = ? AND state IN ${LIVE_SQL}`).get(t.dedupeKey) as TaskRow | undefined;
      if (existing && t.debounce && existing.state === 'queued' && existing.run_at !== t.runAt) {
        const moved = this.s.get(`UPDATE queue_tasks SET run_at = ? WHERE id = ? AND state = 'queued' RETURNING *`).get(t.runAt, existing.id) as
          TaskRow | undefined;
        return { id: existing.id, existing: moved ?? existing };
      }
      if (existing) return { id: existing.id, existing };
    }
    const info = this.s
      .get(
        `INSERT INTO queue_tasks (kind, queue, state, priority, input, max_attempts, timeout_ms, dedupe_key, concurrency_key,
          concurrency_limit, parent_id, position, workflow, spec, children_total, run_at, created_at, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        t.kind,
        t.queue,
        t.state ?? 'queued',
        t.priority,
        toJson(t.input),
        t.maxAttempts,
        t.timeoutMs,
        t.dedupeKey,
        t.concurrencyKey,
        t.concurrencyLimit,
        t.parentId,
        t.position,
        t.workflow,
        toJson(t.spec),
        t.childrenTotal,
        t.runAt,
        now,
        t.state === 'running' ? now : null,
      );
    return { id: Number(info.lastInsertRowid), existing: null };
  }

  /**
   * Inserts rows without dedupe keys, row i made of shapes[i] and inputs[i] (the caller holds
   * the write transaction); returns their ids in order.
   */
  insertMany(shapes: readonly TaskShape[], inputs: readonly unknown[], now: number): number[] {
    return this.bulk.run(shapes, inputs, now);
  }

  row(id: number): TaskRow | undefined {
    return this.s.get('SELECT * FROM queue_tasks WHERE id = ?').get(id) as TaskRow | undefined;
  }

  /** Ends one attempt. Returns false when the attempt was no longer ours (lease lost). */
  finish(ref: AttemptRef, outcome: Outcome, now: number): boolean {
    if (outcome.kind === 'succeeded') {
      // The hot path: a plain argument list (no spread) and a literal for the common null result.
      const result = outcome.result === null ? 'null' : toJson(outcome.result);
      return this.s.get(SUCCEEDED_SQL).run(result, now, ref.id, ref.attempts, ref.workerId).changes > 0;
    }
    const fence = [ref.id, ref.attempts, ref.workerId];
    if (outcome.kind === 'cancelled') {
      return (
        this.s
          .get(
            `UPDATE queue_tasks SET state = 'cancelled', finished_at = ?, lease_until = NULL, error_code = 'cancelled',
                error_message = 'The task was cancelled while it ran.', ${APPEND_HISTORY} WHERE ${FENCE}`,
          )
          .run(now, entry(now, 'cancelled', ref.attempts), ...fence).changes > 0
      );
    }
    const { error, retryAt } = outcome;
    const state: TaskState = retryAt === null ? 'dead' : 'failed';
    return (
      this.s
        .get(
          `UPDATE queue_tasks SET state = ?, error_code = ?, error_message = ?, error_stack = ?, run_at = coalesce(?, run_at),
              finished_at = ?, lease_until = NULL, ${APPEND_HISTORY} WHERE ${FENCE}`,
        )
        .run(
          state,
          error.code,
          error.message,
          error.stack ?? null,
          retryAt,
          state === 'dead' ? now : null,
          entry(now, state === 'dead' ? 'dead' : 'failed', ref.attempts, error),
          ...fence,
        ).changes > 0
    );
  }

  saveProgress(id: number, progress: number, message: string | null): void {
    this.s.get(`UPDATE queue_tasks SET progress = ?, progress_message = ? WHERE id = ? AND state = 'running'`).run(progress, message, id);
  }

  addLog(id: number, attempt: number, at: number, message: string): void {
    this.s.get('INSERT INTO queue_logs(task_id, at, attempt, message) VALUES (?, ?, ?, ?)').run(id, at, attempt, message);
  }

  /** Extends the leases of the attempts this worker still runs. */
  heartbeat(ids: number[], workerId: string, leaseUntil: number): void {
    this.s
      .get(`UPDATE queue_tasks SET lease_until = ? WHERE id IN (SELECT value FROM json_each(?)) AND state = 'running' AND worker_id = ?`)
      .run(leaseUntil, JSON.stringify(ids), workerId);
  }

  cancelRequested(ids: number[]): number[] {
    return (
      this.s
        .get(`SELECT id FROM queue_tasks WHERE id IN (SELECT value FROM json_each(?)) AND state = 'running' AND cancel_requested = 1`)
        .all(JSON.stringify(ids)) as { id: number }[]
    ).map((r) => r.id);
  }

  /**
   * Running tasks whose lease ran out (their process died or hung) go back to the queue, or
   * to dead when that was their last attempt. `workerId` restricts it to one worker's rows,
   * used at start to take back what this same worker held when it was killed.
   */
  expireLeases(now: number, workerId?: string): TaskRow[] {
    const where = workerId === undefined ? `state = 'running' AND lease_until < ?` : `state = 'running' AND worker_id = ? AND lease_until IS NOT NULL`;
    const msg = 'The worker running this task stopped (its lease expired).';
    return this.s
      .get(
        `UPDATE queue_tasks SET
              state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
              error_code = CASE WHEN attempts >= max_attempts THEN 'lease_expired' ELSE error_code END,
              error_message = CASE WHEN attempts >= max_attempts THEN ? ELSE error_message END,
              finished_at = CASE WHEN attempts >= max_attempts THEN ? ELSE NULL END,
              run_at = ?, lease_until = NULL,
              history = json_insert(coalesce(history, '[]'), '$[#]', json_object('at', ?, 'event', 'requeued', 'attempt', attempts,
                'error', json_object('code', 'lease_expired', 'message', ?)))
            WHERE ${where} RETURNING *`,
      )
      .all(msg, now, now, now, msg, workerId ?? now) as TaskRow[];
  }

  /** Hands unfinished attempts back without spending them (graceful shutdown). */
  requeue(refs: AttemptRef[], now: number): number {
    let n = 0;
    const stmt = this.s.get(`UPDATE queue_tasks SET state = 'queued', attempts = attempts - 1, lease_until = NULL, run_at = ?,
        ${APPEND_HISTORY} WHERE ${FENCE}`);
    for (const r of refs) n += stmt.run(now, entry(now, 'requeued', r.attempts), r.id, r.attempts, r.workerId).changes;
    return n;
  }

  /** Waiting tasks are cancelled at once; running ones are flagged for their runner. */
  cancel(id: number, now: number): 'cancelled' | 'requested' | 'noop' {
    const waiting = this.s
      .get(
        `UPDATE queue_tasks SET state = 'cancelled', finished_at = ?, error_code = 'cancelled',
              error_message = 'The task was cancelled before it ran.', ${APPEND_HISTORY}
            WHERE id = ? AND state IN ${WAITING_SQL}`,
      )
      .run(now, entry(now, 'cancelled', 0), id);
    if (waiting.changes > 0) return 'cancelled';
    const running = this.s.get(`UPDATE queue_tasks SET cancel_requested = 1 WHERE id = ? AND state = 'running' AND workflow IS NULL`).run(id);
    return running.changes > 0 ? 'requested' : 'noop';
  }

  /** Re-queues a dead, cancelled or waiting-to-retry task with a fresh set of attempts. */
  retry(id: number, now: number): boolean {
    return (
      this.s
        .get(
          `UPDATE queue_tasks SET state = 'queued', attempts = 0, run_at = ?, finished_at = NULL, error_code = NULL,
              error_message = NULL, error_stack = NULL, result = NULL, progress = 0, progress_message = NULL, cancel_requested = 0,
              ${APPEND_HISTORY}
            WHERE id = ? AND state IN ('dead', 'failed', 'cancelled') AND workflow IS NULL`,
        )
        .run(now, entry(now, 'retried', 0), id).changes > 0
    );
  }

  /**
   * When the next waiting task becomes due, after `now`. Tasks due already are left out: one
   * the claim just passed over waits on something (its kind's concurrency, the process pool,
   * a concurrency key, a paused queue, a kind this runner does not know) that tells the runner
   * when it frees up (a task settles, the poll tick), so turning again at once would only spin.
   */
  nextDueAt(now: number): number | null {
    const row = this.s.get(`SELECT min(run_at) AS t FROM queue_tasks WHERE state IN ${WAITING_SQL} AND run_at > ?`).get(now) as { t: number | null };
    return row.t;
  }

  pause(name: string, now: number): void {
    this.s.get('INSERT OR IGNORE INTO queue_paused(name, at) VALUES (?, ?)').run(name, now);
  }

  resume(name: string | null): void {
    if (name === null) this.s.get('DELETE FROM queue_paused').run();
    else this.s.get('DELETE FROM queue_paused WHERE name = ?').run(name);
  }

  paused(): string[] {
    return (this.s.get('SELECT name FROM queue_paused ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  }
}
