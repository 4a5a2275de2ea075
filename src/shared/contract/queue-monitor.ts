import { z } from 'zod';
import { procedure } from './define';
import { Id, Page } from './library';
import { Task } from './tasks';

/**
 * What the Tasks page reads beyond single tasks: the queue's counters, a task's timeline
 * and children, the dead-letter list, and pausing a queue. Times are ISO strings; errors
 * carry a code and a message only (stacks stay in the log).
 */

const Percentiles = z.object({
  count: z.number().int().nonnegative(),
  sum: z.number().nonnegative(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
});

export const WorkerHeartbeat = z.object({
  id: z.string(),
  pid: z.number().int(),
  host: z.string(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  running: z.number().int().nonnegative(),
  concurrency: z.number().int().nonnegative(),
  /** False once its heartbeat is older than a lease: the process died or hangs. */
  alive: z.boolean(),
});
export type WorkerHeartbeat = z.infer<typeof WorkerHeartbeat>;

export const QueueStats = z.object({
  at: z.string(),
  windowMinutes: z.number(),
  /** Tasks by kind, then by state. */
  counts: z.record(z.string(), z.record(z.string(), z.number().int())),
  totals: z.record(z.string(), z.number().int()),
  throughput: z.object({
    succeededPerMin: z.number(),
    failedPerMin: z.number(),
    perMinute: z.array(z.object({ minute: z.string(), succeeded: z.number().int(), failed: z.number().int() })),
  }),
  /** Run time (start to end) and wait time (creation to start) of tasks that ended in the window. */
  latencyMs: z.object({ run: Percentiles, wait: Percentiles }),
  workers: z.array(WorkerHeartbeat),
  /** Paused queue names; `*` means every queue. */
  paused: z.array(z.string()),
  /** Queue names worth offering a pause button for. */
  queues: z.array(z.string()),
  /** Cron schedules that enqueue tasks on their own. */
  schedules: z.array(
    z.object({ name: z.string(), cron: z.string(), tz: z.string().nullable(), kind: z.string(), nextRunAt: z.string(), lastRunAt: z.string().nullable() }),
  ),
});
export type QueueStats = z.infer<typeof QueueStats>;

export const TimelineEntry = z.object({
  at: z.string(),
  event: z.enum(['created', 'started', 'succeeded', 'failed', 'dead', 'cancelled', 'requeued', 'retried']),
  attempt: z.number().int().nonnegative(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** Everything the detail pane shows about one task, in one call. */
export const TaskInspection = z.object({
  task: Task,
  queue: z.string(),
  parentId: Id.nullable(),
  workflow: z.enum(['chain', 'group', 'chord']).nullable(),
  timeline: z.array(TimelineEntry),
  children: z.array(Task),
});
export type TaskInspection = z.infer<typeof TaskInspection>;

/** A `loupe worker` registered on the broker (`loupe serve --broker`). */
export const BrokerWorker = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  /** The onnxruntime provider it embeds with: cpu, cuda, … */
  provider: z.string(),
  slots: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  /**
   * The broker tasks it holds now (their leases are its): what it is working on. claimed: taken
   * ahead of a free slot (prefetched) and not started yet.
   */
  current: z.array(z.object({ id: z.string(), kind: z.string(), claimed: z.boolean() })),
  done: z.number().int().nonnegative(),
  /** Tasks finished per minute since it started. */
  rate: z.number().nonnegative(),
  /** ISO 8601, UTC, as every time in the API. */
  startedAt: z.string(),
  lastHeartbeat: z.string(),
  /** lost: no heartbeat for a lease; its tasks went back to the queue. */
  state: z.enum(['alive', 'lost']),
});
export type BrokerWorker = z.infer<typeof BrokerWorker>;

export const BrokerInfo = z.object({ kind: z.enum(['sqlite', 'redis']), url: z.string().nullable() });
export type BrokerInfo = z.infer<typeof BrokerInfo>;

const QueueName = z.string().min(1).max(100);
const PausedAnswer = z.object({ paused: z.array(z.string()) });

export const queueMonitorProcedures = {
  'tasks.stats': procedure(z.object({ windowMinutes: z.number().int().min(1).max(60).default(5) }).strict(), QueueStats),
  'tasks.inspect': procedure(z.object({ id: Id }).strict(), TaskInspection),
  'tasks.timeline': procedure(z.object({ id: Id }).strict(), z.array(TimelineEntry)),
  'tasks.children': procedure(z.object({ id: Id }).strict(), z.array(Task)),
  /** The dead-letter list: tasks whose attempts are spent, newest first. */
  'tasks.deadLetters': procedure(
    z.object({ limit: z.number().int().min(1).max(500).default(100), cursor: z.string().nullable().optional() }).strict(),
    Page(Task),
  ),
  /** Re-queues dead tasks (the given ones, or every one), attempts reset. */
  'tasks.requeueDead': procedure(z.object({ ids: z.array(Id).max(10_000).optional() }).strict(), z.object({ requeued: z.number().int() })),
  /** No name: every queue. */
  'queues.pause': procedure(z.object({ queue: QueueName.optional() }).strict(), PausedAnswer),
  'queues.resume': procedure(z.object({ queue: QueueName.optional() }).strict(), PausedAnswer),
  /** Where compute runs (the embedded queue, or Redis with `--broker`) and the workers registered there. */
  'workers.list': procedure(z.object({}).strict(), z.object({ broker: BrokerInfo, items: z.array(BrokerWorker) })),
};
