import type { LogEvent } from './task-queue';
import type { GroupOptions } from './workflow';
import type {
  EnqueueItem,
  EnqueueOptions,
  KindDefinition,
  ListFilter,
  ListPage,
  QueueStats,
  Schedule,
  ScheduleOptions,
  Task,
  TaskState,
  TimelineEntry,
} from './types';

/** A value now (the SQLite store answers synchronously) or later (Redis). `await` reads both. */
export type Awaitable<T> = T | Promise<T>;

/**
 * What every store's queue offers: `TaskQueue` (SQLite, synchronous answers) and
 * `RedisTaskQueue` (Redis, promises) both fit it, so code written against it with `await`
 * runs on either. The behaviour tests are written this way and run against both.
 */
export interface QueueEngine {
  readonly workerId: string;
  define<I, O>(kind: string, def: KindDefinition<I, O>): this;
  on(event: 'task', listener: (task: Task) => void): this;
  on(event: 'log', listener: (e: LogEvent) => void): this;
  on(event: 'error', listener: (err: unknown) => void): this;
  enqueue(kind: string, input: unknown, opts?: EnqueueOptions): Awaitable<Task>;
  enqueueMany(items: EnqueueItem[]): Awaitable<Task[]>;
  get(id: string): Awaitable<Task | null>;
  list(filter?: ListFilter): Awaitable<ListPage>;
  children(id: string): Awaitable<Task[]>;
  timeline(id: string): Awaitable<TimelineEntry[]>;
  logs(id: string, limit?: number): Awaitable<{ at: number; attempt: number; message: string }[]>;
  cancel(id: string): Awaitable<Task>;
  retry(id: string): Awaitable<Task>;
  pause(queue?: string): Awaitable<void>;
  resume(queue?: string): Awaitable<void>;
  stats(opts?: { windowMinutes?: number }): Awaitable<QueueStats>;
  schedule(name: string, cron: string, kind: string, input: unknown, opts?: ScheduleOptions): Awaitable<Schedule>;
  unschedule(name: string): Awaitable<boolean>;
  schedules(): Awaitable<Schedule[]>;
  chain(items: EnqueueItem[], opts?: GroupOptions): Awaitable<Task>;
  group(items: EnqueueItem[], opts?: GroupOptions): Awaitable<Task>;
  chord(items: EnqueueItem[], callback: { kind: string; options?: EnqueueOptions }, opts?: GroupOptions): Awaitable<Task>;
  prune(opts: { olderThanDays: number; states?: TaskState[] }): Awaitable<number>;
  start(): this;
  stop(opts?: { deadlineMs?: number }): Promise<{ requeued: number }>;
}
