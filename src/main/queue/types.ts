import type { ZodType } from 'zod';

/** The lifecycle of a task. `failed` means "failed, will retry at runAt". */
export type TaskState = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled';

export const TERMINAL_STATES: readonly TaskState[] = ['succeeded', 'dead', 'cancelled'];
export const LIVE_STATES: readonly TaskState[] = ['queued', 'running', 'failed'];

export type WorkflowKind = 'chain' | 'group' | 'chord';

/** The task as every caller sees it. Times are epoch milliseconds (UTC). */
export interface Task {
  id: string;
  kind: string;
  state: TaskState;
  queue: string;
  priority: number;
  input: unknown;
  result: unknown;
  error: { code: string; message: string } | null;
  attempts: number;
  maxAttempts: number;
  progress: number;
  progressMessage: string | null;
  parentId: string | null;
  workflow: WorkflowKind | null;
  dedupeKey: string | null;
  concurrencyKey: string | null;
  workerId: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  runAt: number;
}

/** One entry of a task's timeline: what happened, when, and (for failures) why. */
export interface TimelineEntry {
  at: number;
  event: 'created' | 'started' | 'succeeded' | 'failed' | 'dead' | 'cancelled' | 'requeued' | 'retried';
  attempt: number;
  error?: { code: string; message: string; stack?: string };
}

export interface TaskContext {
  id: string;
  kind: string;
  attempt: number;
  /** Stable across attempts: the dedupe key when given, else `kind:id`. */
  idempotencyKey: string;
  signal: AbortSignal;
  progress(fraction: number, message?: string): void;
  log(message: string): void;
}

export type Handler<I = unknown, O = unknown> = (input: I, ctx: TaskContext) => Promise<O> | O;

export type Backoff = { type: 'exponential'; baseMs?: number; maxMs?: number } | { type: 'fixed'; delayMs: number };

export interface KindDefinition<I = unknown, O = unknown> {
  input: ZodType<I>;
  /** Runs in this process. Omit when `process` is given. */
  handler?: Handler<I, O>;
  /** Runs in a pooled child process: the module's export (default `handler`) is the handler. */
  process?: { module: string; export?: string };
  /** Most tasks of this kind running at once in one runner. */
  concurrency?: number;
  timeoutMs?: number;
  maxAttempts?: number;
  backoff?: Backoff;
  /** At most `max` starts per `intervalMs`, counted across every runner on the file. */
  rateLimit?: { max: number; intervalMs: number };
  /** Most running tasks sharing one concurrencyKey (default 1). */
  concurrencyKeyLimit?: number;
  queue?: string;
  priority?: number;
}

export interface EnqueueOptions {
  priority?: number;
  runAt?: Date | number;
  delayMs?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  /** At most one live (queued, running, failed) task per key: a second enqueue returns the first. */
  dedupeKey?: string;
  /**
   * With dedupeKey: when the live task holding the key is still queued, it takes this
   * enqueue's runAt, so a burst of enqueues runs once, after the last one (a debounce that
   * survives a restart). A running or retrying holder is returned unchanged.
   */
  debounce?: boolean;
  queue?: string;
  concurrencyKey?: string;
  parentId?: string;
}

export interface EnqueueItem {
  kind: string;
  input: unknown;
  options?: EnqueueOptions;
}

export interface ListFilter {
  state?: TaskState | TaskState[];
  kind?: string;
  queue?: string;
  parentId?: string;
  limit?: number;
  cursor?: string;
}

export interface ListPage {
  items: Task[];
  nextCursor: string | null;
}

export interface ScheduleOptions {
  tz?: string;
  /** 'once' (default): runs missed while nothing was running happen once at start. */
  catchUp?: 'once' | 'none';
  enqueue?: Omit<EnqueueOptions, 'runAt' | 'delayMs' | 'parentId'>;
}

export interface Schedule {
  name: string;
  cron: string;
  tz: string | null;
  kind: string;
  input: unknown;
  catchUp: 'once' | 'none';
  nextRunAt: number;
  lastRunAt: number | null;
}

export interface QueueStats {
  at: number;
  windowMs: number;
  counts: Record<string, Partial<Record<TaskState, number>>>;
  totals: Partial<Record<TaskState, number>>;
  throughput: { succeededPerMin: number; failedPerMin: number; perMinute: { minute: number; succeeded: number; failed: number }[] };
  latencyMs: { run: Percentiles; wait: Percentiles };
  workers: WorkerInfo[];
  paused: string[];
}

export interface Percentiles {
  count: number;
  /** The values added up (milliseconds), so a Prometheus summary has its `_sum`. */
  sum: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface WorkerInfo {
  id: string;
  pid: number;
  host: string;
  startedAt: number;
  heartbeatAt: number;
  running: number;
  concurrency: number;
  alive: boolean;
}
