import type { Database, Statement } from 'better-sqlite3';
import type { TaskRow } from './rows';
import { Statements, WAITING_SQL } from './statements';

export interface Candidate {
  id: number;
  kind: string;
  queue: string;
  concurrency_key: string | null;
  concurrency_limit: number | null;
}

/**
 * What a runner needs of a row it claims, read as arrays (raw mode). better-sqlite3 pays
 * ≈ 70 ns per column per row, so the columns that are NULL or zero for nearly every task
 * travel as one JSON array that is NULL in that common case.
 */
const CLAIM_COLUMNS = `id, kind, queue, priority, input, attempts, max_attempts, timeout_ms, run_at, created_at,
  CASE WHEN coalesce(dedupe_key, concurrency_key, parent_id, progress_message, error_code) IS NULL AND progress = 0 THEN NULL
  ELSE json_array(dedupe_key, concurrency_key, concurrency_limit, parent_id, position, progress, progress_message, error_code, error_message) END`;

type ClaimTuple = [number, string, string, number, string | null, number, number, number | null, number, number, string | null];
type Extras = [string | null, string | null, number | null, number | null, number | null, number, string | null, string | null, string | null];

/** Completes a selected tuple into the row as the claim leaves it, without reading it back. */
function claimedRow(t: ClaimTuple, workerId: string, now: number, leaseUntil: number): TaskRow {
  const x = t[10] === null ? null : (JSON.parse(t[10]) as Extras);
  return {
    id: t[0],
    kind: t[1],
    queue: t[2],
    state: 'running',
    priority: t[3],
    input: t[4],
    result: null,
    error_code: x ? x[7] : null,
    error_message: x ? x[8] : null,
    error_stack: null,
    attempts: t[5] + 1,
    max_attempts: t[6],
    timeout_ms: t[7],
    progress: x ? x[5] : 0,
    progress_message: x ? x[6] : null,
    dedupe_key: x ? x[0] : null,
    concurrency_key: x ? x[1] : null,
    concurrency_limit: x ? x[2] : null,
    parent_id: x ? x[3] : null,
    position: x ? x[4] : null,
    workflow: null,
    spec: null,
    children_total: null,
    worker_id: workerId,
    lease_until: leaseUntil,
    cancel_requested: 0,
    run_at: t[8],
    created_at: t[9],
    started_at: now,
    finished_at: null,
    history: null,
  };
}

/** Asked on every claim: a constant, so the statement cache does not hash a freshly built string. */
const KEYED_WAITING_SQL = `SELECT 1 FROM queue_tasks INDEXED BY queue_tasks_keyed WHERE state IN ${WAITING_SQL} AND concurrency_key IS NOT NULL LIMIT 1`;

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/**
 * The claim side in SQL: pick due rows through the ready index, then mark them running.
 * Select-then-update inside the caller's BEGIN IMMEDIATE is as safe as one
 * `UPDATE … RETURNING` (no other writer can run in between) and measured about half its
 * cost: RETURNING goes through an ephemeral table, and an `IN (?, …)` list of kinds is
 * cheaper than `json_each`. Statements are cached per list length.
 */
export class ClaimStore {
  private readonly s: Statements;
  /** Statements whose SQL depends on a count, by that count (see dueStatement). */
  private readonly due = new Map<number, Statement>();
  private readonly cands = new Map<number, Statement>();
  private readonly markStmts = new Map<number, Statement>();

  constructor(readonly db: Database) {
    this.s = new Statements(db);
  }

  /**
   * The common case: when no waiting task carries a concurrency key and no per-runner limit
   * is nearly spent, the best `limit` due tasks of the `kinds` this runner may take now.
   */
  claimDue(now: number, limit: number, kinds: readonly string[], paused: string[], workerId: string, leaseMs: number): TaskRow[] {
    if (kinds.length === 0) return [];
    const stmt = this.dueStatement(this.due, CLAIM_COLUMNS, kinds.length, paused.length > 0, true, true, limit);
    const tuples = stmt.all(this.dueArgs(now, kinds, paused)) as ClaimTuple[];
    return this.mark(tuples, workerId, now, leaseMs);
  }

  /** Waiting tasks that are due, best first, for the path that checks keys and queue limits in JS. */
  candidates(now: number, limit: number, kinds: readonly string[], paused: string[], keyed: boolean): Candidate[] {
    if (kinds.length === 0) return [];
    const stmt = this.dueStatement(this.cands, 'id, kind, queue, concurrency_key, concurrency_limit', kinds.length, paused.length > 0, !keyed, false, limit);
    return stmt.all(this.dueArgs(now, kinds, paused)) as Candidate[];
  }

  /** Marks the chosen candidates running under this worker; the lease counts from now. */
  claim(ids: number[], workerId: string, now: number, leaseMs: number): TaskRow[] {
    const tuples = this.s
      .get(`SELECT ${CLAIM_COLUMNS} FROM queue_tasks WHERE id IN (${marks(ids.length)}) AND state IN ${WAITING_SQL}`, true)
      .all(...ids) as ClaimTuple[];
    return this.mark(tuples, workerId, now, leaseMs);
  }

  private mark(tuples: ClaimTuple[], workerId: string, now: number, leaseMs: number): TaskRow[] {
    if (tuples.length === 0) return [];
    const n = tuples.length;
    const args: unknown[] = new Array(3 + n);
    args[0] = workerId;
    args[1] = now;
    args[2] = now + leaseMs;
    for (let i = 0; i < n; i++) args[3 + i] = tuples[i][0];
    let stmt = this.markStmts.get(n);
    if (!stmt) {
      stmt = this.s.get(`UPDATE queue_tasks SET state = 'running', attempts = attempts + 1, worker_id = ?, started_at = ?, lease_until = ?,
              cancel_requested = 0 WHERE id IN (${marks(n)})`);
      this.markStmts.set(n, stmt);
    }
    stmt.run(args);
    return tuples.map((t) => claimedRow(t, workerId, now, now + leaseMs));
  }

  /** Hands back claims a runner cannot start after all (a kind's limit filled up mid-claim). */
  unclaim(ids: number[]): void {
    this.s
      .get(
        `UPDATE queue_tasks SET state = 'queued', attempts = attempts - 1, worker_id = NULL, lease_until = NULL
            WHERE id IN (SELECT value FROM json_each(?)) AND state = 'running'`,
      )
      .run(JSON.stringify(ids));
  }

  hasKeyedWaiting(): boolean {
    return this.s.get(KEYED_WAITING_SQL).get() !== undefined;
  }

  runningPerKey(keys: string[]): Map<string, number> {
    const rows = this.s
      .get(
        `SELECT concurrency_key AS k, count(*) AS n FROM queue_tasks WHERE state = 'running'
            AND concurrency_key IN (SELECT value FROM json_each(?)) GROUP BY concurrency_key`,
      )
      .all(JSON.stringify(keys)) as { k: string; n: number }[];
    return new Map(rows.map((r) => [r.k, r.n]));
  }

  /**
   * The due-tasks query for one shape (how many kinds, whether queues are paused, whether
   * keys are checked, the limit), cached by that shape: building and hashing its SQL text
   * every turn showed in profiles. Parameters: now, the kinds, [paused queues as JSON].
   * The limit is written into the SQL, not bound: this SQLite (STAT4) plans with a bound
   * LIMIT's value, so every new binding of it made the statement re-prepare itself on its
   * next step (≈ 150k instructions, once per turn: 10 % of a processed task). Limits are
   * at most the runner's concurrency (or twice that plus 8), so the cache stays small.
   */
  private dueStatement(
    cache: Map<number, Statement>,
    cols: string,
    kinds: number,
    paused: boolean,
    skipKeyCheck: boolean,
    raw: boolean,
    limit: number,
  ): Statement {
    const key = (kinds * 4 + (paused ? 2 : 0) + (skipKeyCheck ? 1 : 0)) * 2 ** 32 + limit;
    let stmt = cache.get(key);
    if (stmt) return stmt;
    let where = '';
    if (paused) where += ' AND queue NOT IN (SELECT value FROM json_each(?))';
    if (!skipKeyCheck) {
      where += ` AND (concurrency_key IS NULL OR concurrency_key NOT IN (
          SELECT concurrency_key FROM queue_tasks INDEXED BY queue_tasks_running_key
          WHERE state = 'running' AND concurrency_key IS NOT NULL GROUP BY concurrency_key
          HAVING count(*) >= max(coalesce(concurrency_limit, 1))))`;
    }
    stmt = this.s.get(
      `SELECT ${cols} FROM queue_tasks INDEXED BY queue_tasks_ready
      WHERE state IN ${WAITING_SQL} AND run_at <= ? AND kind IN (${marks(kinds)})${where}
      ORDER BY priority DESC, run_at, id LIMIT ${Math.max(0, Math.floor(limit))}`,
      raw,
    );
    cache.set(key, stmt);
    return stmt;
  }

  private dueArgs(now: number, kinds: readonly string[], paused: string[]): unknown[] {
    const args: unknown[] = [now];
    for (const k of kinds) args.push(k);
    if (paused.length > 0) args.push(JSON.stringify(paused));
    return args;
  }

  recordStarts(kind: string, at: number, n: number): void {
    const stmt = this.s.get('INSERT INTO queue_rate(kind, at) VALUES (?, ?)');
    for (let i = 0; i < n; i++) stmt.run(kind, at);
  }

  /** Starts of `kind` since `since`, and the oldest of them (to know when a slot frees). */
  startsSince(kind: string, since: number): { n: number; oldest: number | null } {
    return this.s.get('SELECT count(*) AS n, min(at) AS oldest FROM queue_rate WHERE kind = ? AND at > ?').get(kind, since) as {
      n: number;
      oldest: number | null;
    };
  }

  trimStarts(before: number): void {
    this.s.get('DELETE FROM queue_rate WHERE at <= ?').run(before);
  }
}
