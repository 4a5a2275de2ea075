import type { Task, TaskState, WorkflowKind } from '../types';

/** A queue_tasks row as SQLite hands it back. */
export interface TaskRow {
  id: number;
  kind: string;
  queue: string;
  state: TaskState;
  priority: number;
  input: string | null;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  error_stack: string | null;
  attempts: number;
  max_attempts: number;
  timeout_ms: number | null;
  progress: number;
  progress_message: string | null;
  dedupe_key: string | null;
  concurrency_key: string | null;
  concurrency_limit: number | null;
  parent_id: number | null;
  position: number | null;
  workflow: WorkflowKind | null;
  spec: string | null;
  children_total: number | null;
  worker_id: string | null;
  lease_until: number | null;
  cancel_requested: number;
  run_at: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  history: string | null;
}

export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function fromJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

/** `parsed` carries values the caller already holds, to skip parsing them again on hot paths. */
export function rowToTask(row: TaskRow, parsed?: { input: unknown; result?: unknown }): Task {
  return {
    id: String(row.id),
    kind: row.kind,
    state: row.state,
    queue: row.queue,
    priority: row.priority,
    input: parsed ? parsed.input : fromJson(row.input),
    result: parsed && 'result' in parsed ? parsed.result : fromJson(row.result),
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    progress: row.progress,
    progressMessage: row.progress_message,
    parentId: row.parent_id === null ? null : String(row.parent_id),
    workflow: row.workflow,
    dedupeKey: row.dedupe_key,
    concurrencyKey: row.concurrency_key,
    workerId: row.worker_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    runAt: row.run_at,
  };
}

/** Parses a public string id; NaN-safe so a bad id reads as "not found", not a crash. */
export function parseId(id: string | number): number {
  const n = typeof id === 'number' ? id : Number(id);
  return Number.isSafeInteger(n) && n > 0 ? n : -1;
}
