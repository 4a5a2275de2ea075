import type { Database } from 'better-sqlite3';
import type { ListFilter, Percentiles, TaskState, TimelineEntry, WorkerInfo } from '../types';
import type { TaskRow } from './rows';
import { Statements } from './statements';

export interface StatsRows {
  counts: { kind: string; state: TaskState; n: number }[];
  finished: { state: TaskState; started_at: number | null; created_at: number; finished_at: number }[];
}

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, sum: 0, p50: null, p90: null, p99: null, max: null };
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  let sum = 0;
  for (const x of v) sum += x;
  return { count: v.length, sum, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: v[v.length - 1] };
}

/** Read side: listing, details, timelines, logs, monitoring and retention. */
export class QueryStore {
  private readonly s: Statements;

  constructor(readonly db: Database) {
    this.s = new Statements(db);
  }

  list(f: ListFilter, limit: number, cursor: number | null): TaskRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.state !== undefined) {
      where.push('state IN (SELECT value FROM json_each(?))');
      args.push(JSON.stringify(Array.isArray(f.state) ? f.state : [f.state]));
    }
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      args.push(value);
    };
    if (f.kind !== undefined) add('kind = ?', f.kind);
    if (f.queue !== undefined) add('queue = ?', f.queue);
    if (f.parentId !== undefined) add('parent_id = ?', Number(f.parentId));
    if (cursor !== null) add('id < ?', cursor);
    const sql = `SELECT * FROM queue_tasks ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    return this.s.get(sql).all(...args, limit) as TaskRow[];
  }

  children(parentId: number): TaskRow[] {
    return this.s.get('SELECT * FROM queue_tasks WHERE parent_id = ? ORDER BY position, id').all(parentId) as TaskRow[];
  }

  rows(ids: number[]): TaskRow[] {
    return this.s.get('SELECT * FROM queue_tasks WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as TaskRow[];
  }

  /** created, every ended attempt from the history, then the current start and end. */
  timeline(row: TaskRow): TimelineEntry[] {
    const out: TimelineEntry[] = [{ at: row.created_at, event: 'created', attempt: 0 }];
    const history = row.history ? (JSON.parse(row.history) as TimelineEntry[]) : [];
    out.push(...history);
    if (row.started_at !== null && row.attempts > 0) out.push({ at: row.started_at, event: 'started', attempt: row.attempts });
    if (row.state === 'succeeded' && row.finished_at !== null) out.push({ at: row.finished_at, event: 'succeeded', attempt: row.attempts });
    // Within one millisecond (a task that fails at once) an attempt's start still comes before its end.
    const rank = (e: TimelineEntry) => (e.event === 'created' ? 0 : e.event === 'started' ? 1 : 2);
    return out.sort((a, b) => a.at - b.at || (a.attempt === b.attempt ? rank(a) - rank(b) : 0));
  }

  logs(id: number, limit: number): { at: number; attempt: number; message: string }[] {
    return this.s.get('SELECT at, attempt, message FROM queue_logs WHERE task_id = ? ORDER BY at, rowid LIMIT ?').all(id, limit) as {
      at: number;
      attempt: number;
      message: string;
    }[];
  }

  statsRows(since: number): StatsRows {
    const counts = this.s.get('SELECT kind, state, count(*) AS n FROM queue_tasks GROUP BY kind, state').all() as StatsRows['counts'];
    const finished = this.s
      .get(`SELECT state, started_at, created_at, finished_at FROM queue_tasks WHERE finished_at >= ? ORDER BY finished_at DESC LIMIT 50000`)
      .all(since) as StatsRows['finished'];
    return { counts, finished };
  }

  upsertWorker(w: Omit<WorkerInfo, 'alive'>): void {
    this.s
      .get(
        `INSERT INTO queue_workers(id, pid, host, started_at, heartbeat_at, running, concurrency) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET pid = excluded.pid, host = excluded.host, heartbeat_at = excluded.heartbeat_at,
              running = excluded.running, concurrency = excluded.concurrency,
              started_at = CASE WHEN queue_workers.pid = excluded.pid THEN queue_workers.started_at ELSE excluded.started_at END`,
      )
      .run(w.id, w.pid, w.host, w.startedAt, w.heartbeatAt, w.running, w.concurrency);
  }

  removeWorker(id: string): void {
    this.s.get('DELETE FROM queue_workers WHERE id = ?').run(id);
  }

  workers(): Omit<WorkerInfo, 'alive'>[] {
    return this.s
      .get(`SELECT id, pid, host, started_at AS startedAt, heartbeat_at AS heartbeatAt, running, concurrency FROM queue_workers ORDER BY id`)
      .all() as Omit<WorkerInfo, 'alive'>[];
  }

  /**
   * Deletes finished tasks older than the cutoff, with their logs, but never a child whose
   * workflow is still live (its result is still to be collected).
   */
  prune(states: TaskState[], before: number): number {
    return this.db
      .transaction(() => {
        const ids = this.s
          .get(
            `SELECT id FROM queue_tasks t WHERE state IN (SELECT value FROM json_each(?)) AND finished_at < ?
                AND id < (SELECT max(id) FROM queue_tasks)
                AND (parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM queue_tasks p WHERE p.id = t.parent_id
                  AND p.state IN ('queued', 'running', 'failed')))`,
          )
          .all(JSON.stringify(states), before) as { id: number }[];
        const json = JSON.stringify(ids.map((r) => r.id));
        this.s.get('DELETE FROM queue_logs WHERE task_id IN (SELECT value FROM json_each(?))').run(json);
        return this.s.get('DELETE FROM queue_tasks WHERE id IN (SELECT value FROM json_each(?))').run(json).changes;
      })
      .immediate();
  }
}
