import type { Database } from 'better-sqlite3';

/**
 * The queue's own tables, all prefixed `queue_`, created idempotently by the queue itself
 * so the host application's migrations never need to know about them. Partial indexes
 * keep the hot paths small: the ready index holds only waiting rows, the running index
 * only leased ones, so a table full of finished history does not slow claiming down, and a
 * task's completion moves it out of one index and into none.
 */
export const SCHEMA_VERSION = 1;

// Ids are plain rowids (no AUTOINCREMENT, which costs a write per insert); prune never deletes
// the newest row, so an id is never handed out twice.

const DDL = `
CREATE TABLE IF NOT EXISTS queue_tasks (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  queue TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  input TEXT,
  result TEXT,
  error_code TEXT,
  error_message TEXT,
  error_stack TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  timeout_ms INTEGER,
  progress REAL NOT NULL DEFAULT 0,
  progress_message TEXT,
  dedupe_key TEXT,
  concurrency_key TEXT,
  concurrency_limit INTEGER,
  parent_id INTEGER,
  position INTEGER,
  workflow TEXT,
  spec TEXT,
  children_total INTEGER,
  worker_id TEXT,
  lease_until INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  run_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  history TEXT
);
CREATE INDEX IF NOT EXISTS queue_tasks_ready ON queue_tasks(priority DESC, run_at, id)
  WHERE state IN ('queued', 'failed');
CREATE INDEX IF NOT EXISTS queue_tasks_running ON queue_tasks(lease_until)
  WHERE state = 'running';
CREATE INDEX IF NOT EXISTS queue_tasks_keyed ON queue_tasks(concurrency_key)
  WHERE state IN ('queued', 'failed') AND concurrency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS queue_tasks_running_key ON queue_tasks(concurrency_key)
  WHERE state = 'running' AND concurrency_key IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS queue_tasks_dedupe ON queue_tasks(dedupe_key)
  WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running', 'failed');
CREATE INDEX IF NOT EXISTS queue_tasks_parent ON queue_tasks(parent_id, position)
  WHERE parent_id IS NOT NULL;
-- No index on finished_at: every completion paid an entry and a WAL page in it (≈ 8 % of a
-- no-op task's CPU) so that stats and hourly pruning could skip a scan, yet stats already
-- scans the table for its counts. Databases made before this drop it here.
DROP INDEX IF EXISTS queue_tasks_finished;

CREATE TABLE IF NOT EXISTS queue_logs (
  task_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_logs_task ON queue_logs(task_id, at);

CREATE TABLE IF NOT EXISTS queue_rate (
  kind TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_rate_kind ON queue_rate(kind, at);

CREATE TABLE IF NOT EXISTS queue_paused (
  name TEXT PRIMARY KEY,
  at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS queue_schedules (
  name TEXT PRIMARY KEY,
  cron TEXT NOT NULL,
  tz TEXT,
  kind TEXT NOT NULL,
  input TEXT,
  options TEXT,
  catch_up TEXT NOT NULL,
  next_run_at INTEGER NOT NULL,
  last_run_at INTEGER
);

CREATE TABLE IF NOT EXISTS queue_workers (
  id TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  running INTEGER NOT NULL,
  concurrency INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS queue_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

export interface DurabilityOptions {
  /** Switch the database to WAL (default true). */
  wal?: boolean;
  /** Set `PRAGMA synchronous`; left as the host configured it when omitted. */
  synchronous?: 'NORMAL' | 'FULL' | 'EXTRA';
  /** Set `PRAGMA busy_timeout` when the connection has none (default 5000). */
  busyTimeoutMs?: number;
}

export function createSchema(db: Database, opts: DurabilityOptions = {}): void {
  if (opts.wal !== false && !db.memory) db.pragma('journal_mode = WAL');
  if (opts.synchronous) db.pragma(`synchronous = ${opts.synchronous}`);
  const busy = db.pragma('busy_timeout', { simple: true }) as number;
  if (!busy) db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  db.transaction(() => {
    db.exec(DDL);
    db.prepare('INSERT OR IGNORE INTO queue_meta(key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
  }).immediate();
}
