import { EventEmitter } from 'node:events';
import type { Database } from 'better-sqlite3';
import { QueueError } from './errors';
import { ProcessPool } from './process-pool';
import { type CommonQueueOptions, newTask, resolveRunnerOptions } from './options';
import { type AnyKind, Registry } from './registry';
import { Runner } from './runner';
import { Scheduler } from './scheduler';
import { type DurabilityOptions, type NewTask, Storage, type TaskRow, type TaskShape, parseId, rowToTask } from './store';
import { buildStats } from './stats';
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
import { type GroupOptions, Workflow } from './workflow';

export interface TaskQueueOptions extends DurabilityOptions, CommonQueueOptions {
  /**
   * With `synchronous` FULL or EXTRA (an fsync per commit), how long a finished task may wait
   * so that one fsync records many (default 5). Its success is reported after that commit.
   */
  groupCommitMs?: number;
}

export interface LogEvent {
  id: string;
  message: string;
}

/**
 * A durable task queue in one SQLite database: the public face of the engine. Enqueue and
 * reads are synchronous (better-sqlite3); `start()` begins running tasks in this process.
 */
export class TaskQueue {
  private readonly events = new EventEmitter();
  private readonly registry = new Registry();
  private readonly storage: Storage;
  private readonly runner: Runner;
  private readonly scheduler: Scheduler;
  private readonly workflow: Workflow;
  private pool: ProcessPool | null = null;
  readonly workerId: string;
  private readonly leaseMs: number;

  constructor(
    readonly db: Database,
    private readonly options: TaskQueueOptions = {},
  ) {
    this.storage = new Storage(db, (s, input, parent, pos) => this.registry.buildStep(s, input, parent, pos), options);
    const resolved = resolveRunnerOptions(options);
    this.workerId = resolved.workerId;
    this.leaseMs = resolved.leaseMs;
    this.runner = new Runner(
      this.storage,
      this.registry,
      () => this.poolFor(),
      {
        ...resolved,
        groupCommitMs: Math.max(0, options.groupCommitMs ?? 5),
      },
      {
        wants: () => this.events.listenerCount('task') > 0,
        rows: (rows) => this.emitRows(rows),
        tasks: (tasks) => {
          for (const t of tasks) this.events.emit('task', t);
        },
        ids: (ids) => this.emitIds(ids),
        log: (id, message) => this.events.emit('log', { id: String(id), message } satisfies LogEvent),
        failure: (err) => (this.events.listenerCount('error') > 0 ? this.events.emit('error', err) : console.error('[queue]', err)),
        tick: (now) => this.emitIds(this.scheduler.tick(now)),
      },
    );
    this.scheduler = new Scheduler(
      this.storage,
      this.registry,
      (kind, input, opts) => this.storage.tasks.insert(this.registry.build(kind, input, opts), Date.now()).id,
    );
    this.workflow = new Workflow(this.storage, this.registry);
  }

  define<I, O>(kind: string, def: KindDefinition<I, O>): this {
    this.registry.define(kind, def as AnyKind);
    return this;
  }

  on(event: 'task', listener: (task: Task) => void): this;
  on(event: 'log', listener: (e: LogEvent) => void): this;
  on(event: 'error', listener: (err: unknown) => void): this;
  on(event: string, listener: (arg: never) => void): this {
    this.events.on(event, listener as (arg: unknown) => void);
    return this;
  }

  off(event: 'task' | 'log' | 'error', listener: (arg: never) => void): this {
    this.events.off(event, listener as (arg: unknown) => void);
    return this;
  }

  /** A batch of one: the same path as enqueueMany, so code warmed by either serves both. */
  enqueue(kind: string, input: unknown, opts?: EnqueueOptions): Task {
    return this.add([{ kind, input, options: opts }])[0];
  }

  /** All or nothing: every item is validated before the one transaction that stores them. */
  enqueueMany(items: EnqueueItem[]): Task[] {
    return this.add(items);
  }

  private add(items: readonly EnqueueItem[]): Task[] {
    const now = Date.now();
    const { shapes, inputs, keyed } = this.registry.buildMany(items, now);
    // Without dedupe keys every row is new: no lookup first, a few multi-row statements, and
    // a single row is one statement, atomic without a transaction of its own.
    const tasks = keyed
      ? this.storage.write(() => shapes.map((s, i) => this.insert({ ...s, input: inputs[i] }, now)))
      : shapes.length === 1
        ? this.insertNew(shapes, inputs, now)
        : this.storage.write(() => this.insertNew(shapes, inputs, now));
    this.runner.notify();
    if (this.events.listenerCount('task') > 0) for (const t of tasks) this.events.emit('task', t);
    return tasks;
  }

  private insertNew(shapes: TaskShape[], inputs: unknown[], now: number): Task[] {
    const ids = this.storage.tasks.insertMany(shapes, inputs, now);
    const out = new Array<Task>(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = newTask(ids[i], shapes[i], inputs[i], now);
    return out;
  }

  get(id: string): Task | null {
    const row = this.storage.tasks.row(parseId(id));
    return row ? rowToTask(row) : null;
  }

  list(filter: ListFilter = {}): ListPage {
    const limit = Math.min(Math.max(1, filter.limit ?? 50), 1000);
    const cursor = filter.cursor !== undefined ? parseId(filter.cursor) : null;
    const rows = this.storage.queries.list(filter, limit + 1, cursor);
    const items = rows.slice(0, limit).map((r) => rowToTask(r));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  children(id: string): Task[] {
    return this.storage.queries.children(parseId(id)).map((r) => rowToTask(r));
  }

  /** The task's history, error stacks included (for logs and detail views, not end users). */
  timeline(id: string): TimelineEntry[] {
    const row = this.storage.tasks.row(parseId(id));
    if (!row) throw new QueueError('not_found', `No task with id "${id}".`);
    return this.storage.queries.timeline(row);
  }

  logs(id: string, limit = 1000): { at: number; attempt: number; message: string }[] {
    return this.storage.queries.logs(parseId(id), limit);
  }

  /** Waiting tasks never start; running ones get their AbortSignal fired. Idempotent. */
  cancel(id: string): Task {
    const n = parseId(id);
    const now = Date.now();
    const outcome = this.storage.write(() => {
      const row = this.mustRow(id, n);
      if (row.workflow !== null) {
        if (row.state === 'running') this.storage.workflows.cancelWorkflow(n, now);
        return 'noop';
      }
      const r = this.storage.tasks.cancel(n, now);
      if (r === 'cancelled' && row.parent_id !== null) this.storage.workflows.childSettled(this.storage.tasks.row(n)!, now);
      return r;
    });
    for (const cid of this.storage.workflows.touched) this.runner.cancelLocal(cid);
    if (outcome === 'requested') this.runner.cancelLocal(n);
    this.flushTouched([n]);
    return this.get(id)!;
  }

  /** Re-queues a dead, cancelled or waiting-to-retry task with its attempts reset. */
  retry(id: string): Task {
    const n = parseId(id);
    try {
      this.storage.write(() => {
        const row = this.mustRow(id, n);
        if (!this.storage.tasks.retry(n, Date.now())) {
          throw new QueueError(
            'invalid_state',
            `Task ${id} is ${row.state}${row.workflow ? ' (a workflow)' : ''}; only dead, failed or cancelled tasks can be retried.`,
          );
        }
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new QueueError('invalid_state', `Task ${id} cannot be retried: another live task holds its dedupe key.`);
      }
      throw err;
    }
    this.runner.notify();
    this.flushTouched([n]);
    return this.get(id)!;
  }

  /** Stops claiming from one queue (or all, with no name) in every runner on this database. */
  pause(queueName?: string): void {
    this.storage.write(() => this.storage.tasks.pause(queueName ?? '*', Date.now()));
    this.runner.pausedChanged();
  }

  resume(queueName?: string): void {
    this.storage.write(() => this.storage.tasks.resume(queueName ?? null));
    this.runner.pausedChanged();
    this.runner.notify();
  }

  stats(opts: { windowMinutes?: number } = {}): QueueStats {
    const windowMs = Math.max(1, opts.windowMinutes ?? 5) * 60_000;
    const now = Date.now();
    return buildStats(this.storage, now, windowMs, this.leaseMs);
  }

  schedule(name: string, cron: string, kind: string, input: unknown, opts?: ScheduleOptions): Schedule {
    const s = this.scheduler.add(name, cron, kind, input, opts);
    this.runner.notify();
    return s;
  }

  unschedule(name: string): boolean {
    return this.scheduler.remove(name);
  }

  schedules(): Schedule[] {
    return this.scheduler.list();
  }

  chain(items: EnqueueItem[], opts?: GroupOptions): Task {
    return this.afterWorkflow(this.workflow.chain(items, opts));
  }

  group(items: EnqueueItem[], opts?: GroupOptions): Task {
    return this.afterWorkflow(this.workflow.group(items, opts));
  }

  chord(items: EnqueueItem[], callback: { kind: string; options?: EnqueueOptions }, opts?: GroupOptions): Task {
    return this.afterWorkflow(this.workflow.chord(items, callback, opts));
  }

  /** Deletes finished tasks older than N days (succeeded only unless `states` says more). */
  prune(opts: { olderThanDays: number; states?: TaskState[] }): number {
    if (typeof opts?.olderThanDays !== 'number' || !(opts.olderThanDays >= 0)) {
      throw new QueueError('invalid_option', 'prune needs olderThanDays, a number ≥ 0.');
    }
    return this.storage.queries.prune(opts.states ?? ['succeeded'], Date.now() - opts.olderThanDays * 86_400_000);
  }

  start(): this {
    this.runner.start();
    return this;
  }

  /** Graceful: stop claiming, wait for running tasks up to the deadline, re-queue the rest. */
  async stop(opts: { deadlineMs?: number } = {}): Promise<{ requeued: number }> {
    const r = await this.runner.stop(opts.deadlineMs ?? 10_000);
    this.pool = null; // closed by the runner; a later start() forks a fresh pool
    return r;
  }

  private insert(row: NewTask, now = Date.now()): Task {
    const { id, existing } = this.storage.tasks.insert(row, now);
    if (existing) return rowToTask(existing);
    return newTask(id, row, row.input, now);
  }

  private poolFor(): ProcessPool | null {
    if (!this.pool && this.registry.entries().some(([, d]) => d.process)) this.pool = new ProcessPool(this.options.processPool);
    return this.pool;
  }

  private mustRow(id: string, n: number): TaskRow {
    const row = this.storage.tasks.row(n);
    if (!row) throw new QueueError('not_found', `No task with id "${id}".`);
    return row;
  }

  private afterWorkflow(parentId: number): Task {
    this.runner.notify();
    this.emitIds(
      this.storage.queries
        .children(parentId)
        .map((r) => r.id)
        .concat(parentId),
    );
    return this.get(String(parentId))!;
  }

  private flushTouched(extra: number[]): void {
    const touched = this.storage.workflows.touched;
    const ids = [...touched, ...extra];
    touched.clear();
    this.emitIds(ids);
  }

  private emitRows(rows: TaskRow[]): void {
    for (const r of rows) this.events.emit('task', rowToTask(r));
  }

  private emitIds(ids: Iterable<number>): void {
    if (this.events.listenerCount('task') === 0) return;
    const list = [...new Set(ids)];
    if (list.length > 0) this.emitRows(this.storage.queries.rows(list));
  }
}
