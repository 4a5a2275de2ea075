import type { TaskRow } from '../rows';
import type { TaskShape } from '../task-store';
import { TASK_FIELDS } from './lua-scripts';

/** A task as the Redis store holds it: the SQLite row's fields, plus its claim's fencing token. */
export interface RedisTaskRow extends TaskRow {
  /** The fencing token of the current claim: every write about this attempt must carry it. */
  fence: string | null;
  /** A workflow step whose input (the previous result) its kind has not checked yet. */
  validate: boolean;
}

const NUMERIC = new Set([
  'id',
  'priority',
  'attempts',
  'max_attempts',
  'timeout_ms',
  'progress',
  'concurrency_limit',
  'parent_id',
  'position',
  'children_total',
  'lease_until',
  'cancel_requested',
  'run_at',
  'created_at',
  'started_at',
  'finished_at',
]);

/** A row of defaults, built as a literal (a claim reads one per task: spreading a constant of defaults cost more). */
function emptyRow(): RedisTaskRow {
  return {
    id: 0,
    kind: '',
    queue: 'default',
    state: 'queued',
    priority: 0,
    input: null,
    result: null,
    error_code: null,
    error_message: null,
    error_stack: null,
    attempts: 0,
    max_attempts: 1,
    timeout_ms: null,
    progress: 0,
    progress_message: null,
    dedupe_key: null,
    concurrency_key: null,
    concurrency_limit: null,
    parent_id: null,
    position: null,
    workflow: null,
    spec: null,
    children_total: null,
    worker_id: null,
    lease_until: null,
    cancel_requested: 0,
    run_at: 0,
    created_at: 0,
    started_at: null,
    finished_at: null,
    history: null,
    fence: null,
    validate: false,
  };
}

/** HGETALL's flat [field, value, …] reply as a row; absent fields are NULL. Null for a missing key. */
export function toRow(flat: unknown): RedisTaskRow | null {
  if (!Array.isArray(flat) || flat.length === 0) return null;
  const row = emptyRow() as unknown as Record<string, unknown>;
  for (let i = 0; i < flat.length; i += 2) {
    const k = String(flat[i]);
    const v = String(flat[i + 1]);
    if (k === 'validate') row.validate = v === '1';
    else row[k] = NUMERIC.has(k) ? Number(v) : v;
  }
  return row as unknown as RedisTaskRow;
}

/** ioredis hands HGETALL back as an object when called directly (not from a script). */
export function objToRow(obj: Record<string, string>): RedisTaskRow | null {
  const keys = Object.keys(obj);
  if (keys.length === 0) return null;
  const flat: string[] = [];
  for (const k of keys) flat.push(k, obj[k]);
  return toRow(flat);
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v));

/** A task's fields in TASK_FIELDS order, for the enqueue and fire scripts; a parentId of -(K+1) names item K of the batch. */
export function taskArgs(shape: TaskShape, input: unknown, extra: { spec?: string } = {}): string[] {
  const values: Record<(typeof TASK_FIELDS)[number], unknown> = {
    kind: shape.kind,
    queue: shape.queue,
    priority: shape.priority,
    input: input === undefined ? 'null' : JSON.stringify(input),
    max_attempts: shape.maxAttempts,
    timeout_ms: shape.timeoutMs,
    dedupe_key: shape.dedupeKey,
    concurrency_key: shape.concurrencyKey,
    concurrency_limit: shape.concurrencyLimit,
    parent_id: shape.parentId !== null && shape.parentId < 0 ? `$${-shape.parentId - 1}` : shape.parentId,
    position: shape.position,
    run_at: shape.runAt,
    state: shape.state ?? 'queued',
    workflow: shape.workflow,
    spec: extra.spec ?? null,
    children_total: shape.childrenTotal,
  };
  return TASK_FIELDS.map((f) => str(values[f]));
}

/** A workflow step's shape as the Lua inserts it later (no NULLs: cjson would turn them into userdata). */
export function stepShape(shape: TaskShape): Record<string, string | number> {
  const out: Record<string, string | number> = { kind: shape.kind, queue: shape.queue, priority: shape.priority, max_attempts: shape.maxAttempts };
  if (shape.timeoutMs !== null) out.timeout_ms = shape.timeoutMs;
  if (shape.dedupeKey !== null) out.dedupe_key = shape.dedupeKey;
  if (shape.concurrencyKey !== null) out.concurrency_key = shape.concurrencyKey;
  if (shape.concurrencyLimit !== null) out.concurrency_limit = shape.concurrencyLimit;
  return out;
}
