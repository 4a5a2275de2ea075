import { EventEmitter } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';
import { QueueError } from './errors';
import { ProcessPool } from './process-pool';
import { type AnyKind, Registry } from './registry';
import { RedisRunner } from './redis-runner';
import { RedisScheduler } from './redis-scheduler';
import { parseId, rowToTask } from './store/rows';
import type { TaskShape } from './store/task-store';
import { RedisStore, connectRedis } from './store/redis/redis-store';
import { type RedisTaskRow, stepShape } from './store/redis/rows';
import { summarizeStats } from './stats';
import { type CommonQueueOptions, newTask, resolveRunnerOptions } from './options';
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
  WorkerInfo,
} from './types';
import type { GroupOptions } from './workflow';
import type { LogEvent } from './task-queue';

export interface RedisTaskQueueOptions extends CommonQueueOptions {
  /** The queue's namespace on the server: keys are `{loupe:NAME}:…` (default 'main'). */
  name?: string;
  /** Passed to ioredis when the queue opens its own connection from a URL. */
  redis?: RedisOptions;
  /** Extra fields this runner registers with (shown in stats.workers). */
  workerInfo?: Record<string, unknown>;
  /**
   * False: a producer that enqueues and reads but claims nothing (default true). Once
   * started it still heartbeats, so the leases of runners that vanished are handed back.
   */
  consume?: boolean;
  /**
   * Tasks claimed ahead of free slots, to hide the round trip to the server. Such a task holds
   * a lease and reads as running with no startedAt (claimed) until its handler starts; a cancel
   * reaches it within pollMs, and it is not started once its lease may have lapsed. Default
   * 'auto': as many as this runner finishes during one round trip, at most ten per slot (two turns may be out at once), so
   * short tasks overlap the trip and long ones (0 prefetched) stay free for other workers.
   */
  prefetch?: number | 'auto';
}

/** A lease lost or a result refused by its fence: the runner dropped the attempt. */
export interface LostEvent {
  id: string;
  reason: string;
}

/**
 * The task queue on Redis: the same kinds, options, states and guarantees as the SQLite
 * `TaskQueue`, for runners on many machines. Every call that reaches the server is async.
 */
export class RedisTaskQueue {
  private readonly events = new EventEmitter();
  private readonly registry = new Registry();
  readonly store: RedisStore;
  private readonly runner: RedisRunner;
  private readonly scheduler: RedisScheduler;
  private readonly ownsClient: boolean;
  private pool: ProcessPool | null = null;
  readonly workerId: string;
  readonly leaseMs: number;

  constructor(
    target: string | Redis,
    private readonly options: RedisTaskQueueOptions = {},
  ) {
    this.ownsClient = typeof target === 'string';
    this.store = new RedisStore(connectRedis(target, options.redis), options.name ?? 'main');
    if (this.ownsClient) {
      // ioredis reports each failed reconnect; one line per distinct message every 10 s is enough to act on.
      let last = '';
      let at = 0;
      this.store.redis.on('error', (err: Error) => {
        const now = Date.now();
        if (err.message === last && now - at < 10_000) return;
        last = err.message;
        at = now;
        this.fail(err);
      });
    }
    const resolved = resolveRunnerOptions(options);
    this.workerId = resolved.workerId;
    this.leaseMs = resolved.leaseMs;
    this.scheduler = new RedisScheduler(this.store, this.registry);
    this.runner = new RedisRunner(
      this.store,
      this.registry,
      () => this.poolFor(),
      {
        ...resolved,
        info: options.workerInfo ?? {},
        consume: options.consume !== false,
        prefetch: options.prefetch === undefined || options.prefetch === 'auto' ? 'auto' : Math.max(0, options.prefetch),
      },
      {
        ids: (ids) => void this.emitIds([...ids]),
        log: (id, message) => this.events.emit('log', { id: String(id), message } satisfies LogEvent),
        failure: (err) => this.fail(err),
        tick: async () => {
          const ids = await this.scheduler.tick();
          if (ids.length > 0) await this.emitIds(ids);
        },
        progress: (exec) => {
          if (this.events.listenerCount('task') === 0) return;
          const task = rowToTask(exec.row, { input: exec.input });
          task.progress = exec.progress;
          task.progressMessage = exec.progressMessage;
          this.events.emit('task', task);
        },
        lost: (id, reason) => this.events.emit('lost', { id: String(id), reason } satisfies LostEvent),
      },
    );
  }

  define<I, O>(kind: string, def: KindDefinition<I, O>): this {
    this.registry.define(kind, def as AnyKind);
    return this;
  }

  on(event: 'task', listener: (task: Task) => void): this;
  on(event: 'log', listener: (e: LogEvent) => void): this;
  on(event: 'lost', listener: (e: LostEvent) => void): this;
  on(event: 'error', listener: (err: unknown) => void): this;
  on(event: string, listener: (arg: never) => void): this {
    this.events.on(event, listener as (arg: unknown) => void);
    return this;
  }

  off(event: 'task' | 'log' | 'lost' | 'error', listener: (arg: never) => void): this {
    this.events.off(event, listener as (arg: unknown) => void);
    return this;
  }

  async enqueue(kind: string, input: unknown, opts?: EnqueueOptions): Promise<Task> {
    return (await this.add([{ kind, input, options: opts }]))[0];
  }

  /** All or nothing: every item is validated before the one script that stores them. */
  enqueueMany(items: EnqueueItem[]): Promise<Task[]> {
    return this.add(items);
  }

  private async add(items: readonly EnqueueItem[]): Promise<Task[]> {
    const now = Date.now();
    const { shapes, inputs } = this.registry.buildMany(items, now);
    const r = await this.store.enqueue(shapes, inputs, now);
    const tasks = r.ids.map((id, i) => {
      const ex = r.existing[i];
      return ex ? rowToTask(ex) : newTask(id, shapes[i], inputs[i], r.now, r.now + (shapes[i].runAt - now));
    });
    this.runner.notify();
    if (this.events.listenerCount('task') > 0) for (const t of tasks) this.events.emit('task', t);
    return tasks;
  }

  async get(id: string): Promise<Task | null> {
    const row = await this.store.row(parseId(id));
    return row ? rowToTask(row) : null;
  }

  async list(filter: ListFilter = {}): Promise<ListPage> {
    const limit = Math.min(Math.max(1, filter.limit ?? 50), 1000);
    const cursor = filter.cursor !== undefined ? parseId(filter.cursor) : null;
    const rows = await this.store.list(filter, limit + 1, cursor);
    const items = rows.slice(0, limit).map((r) => rowToTask(r));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  async children(id: string): Promise<Task[]> {
    return (await this.store.children(parseId(id))).map((r) => rowToTask(r));
  }

  async timeline(id: string): Promise<TimelineEntry[]> {
    const row = await this.mustRow(id);
    const out: TimelineEntry[] = [{ at: row.created_at, event: 'created', attempt: 0 }];
    for (const h of await this.store.history(row.id)) out.push(JSON.parse(h) as TimelineEntry);
    if (row.started_at !== null && row.attempts > 0) out.push({ at: row.started_at, event: 'started', attempt: row.attempts });
    if (row.state === 'succeeded' && row.finished_at !== null) out.push({ at: row.finished_at, event: 'succeeded', attempt: row.attempts });
    const rank = (e: TimelineEntry) => (e.event === 'created' ? 0 : e.event === 'started' ? 1 : 2);
    return out.sort((a, b) => a.at - b.at || (a.attempt === b.attempt ? rank(a) - rank(b) : 0));
  }

  async logs(id: string, limit = 1000): Promise<{ at: number; attempt: number; message: string }[]> {
    return (await this.store.logs(parseId(id), limit)).map((l) => JSON.parse(l) as { at: number; attempt: number; message: string });
  }

  async cancel(id: string): Promise<Task> {
    const n = parseId(id);
    const { outcome, touched } = await this.store.cancel(n);
    if (outcome === 'missing') throw new QueueError('not_found', `No task with id "${id}".`);
    for (const cid of touched) this.runner.cancelLocal(cid);
    if (outcome === 'requested') this.runner.cancelLocal(n);
    await this.emitIds([...touched, n]);
    return (await this.get(id))!;
  }

  async retry(id: string): Promise<Task> {
    const r = await this.store.retry(parseId(id));
    if (r === 'missing') throw new QueueError('not_found', `No task with id "${id}".`);
    if (r === 'dedupe') throw new QueueError('invalid_state', `Task ${id} cannot be retried: another live task holds its dedupe key.`);
    if (r !== 'ok') throw new QueueError('invalid_state', `Task ${id} is ${r}; only dead, failed or cancelled tasks can be retried.`);
    this.runner.notify();
    await this.emitIds([parseId(id)]);
    return (await this.get(id))!;
  }

  async pause(queueName?: string): Promise<void> {
    await this.store.pause(queueName ?? '*');
  }

  async resume(queueName?: string): Promise<void> {
    await this.store.resume(queueName ?? null);
    this.runner.notify();
  }

  async stats(opts: { windowMinutes?: number } = {}): Promise<QueueStats> {
    const windowMs = Math.max(1, opts.windowMinutes ?? 5) * 60_000;
    const now = await this.store.time();
    const [counts, finished, workers, paused] = await Promise.all([
      this.store.counts(),
      this.store.finishedSince(now - windowMs),
      this.workers(now),
      this.store.paused(),
    ]);
    return summarizeStats({ now, windowMs, counts, finished, workers, paused });
  }

  /** Every runner registered on this queue (any machine), with the extra fields it registered. */
  async workers(now?: number): Promise<(WorkerInfo & Record<string, unknown>)[]> {
    const at = now ?? (await this.store.time());
    return (await this.store.workers())
      .map(({ info, heartbeatAt }) => {
        const w = info as Partial<WorkerInfo> & Record<string, unknown>;
        const lease = typeof w.leaseMs === 'number' ? w.leaseMs : this.leaseMs;
        return {
          ...w,
          id: String(w.id),
          pid: Number(w.pid ?? 0),
          host: String(w.host ?? ''),
          startedAt: Number(w.startedAt ?? 0),
          heartbeatAt,
          running: Number(w.running ?? 0),
          concurrency: Number(w.concurrency ?? 0),
          alive: at - heartbeatAt < lease,
        };
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async schedule(name: string, cron: string, kind: string, input: unknown, opts?: ScheduleOptions): Promise<Schedule> {
    const s = await this.scheduler.add(name, cron, kind, input, opts);
    this.runner.notify();
    return s;
  }

  unschedule(name: string): Promise<boolean> {
    return this.scheduler.remove(name);
  }

  schedules(): Promise<Schedule[]> {
    return this.scheduler.list();
  }

  /** The first step gets `input`; each next step gets the previous step's result. */
  chain(items: EnqueueItem[], opts: GroupOptions = {}): Promise<Task> {
    if (!Array.isArray(items) || items.length === 0) throw new QueueError('invalid_option', 'A chain needs at least one step.');
    const first = this.registry.build(items[0].kind, items[0].input, items[0].options);
    const steps = items.map((it) => stepShape(this.registry.shapeOf(it.kind, it.options)));
    return this.workflow('chain', { steps }, items.length, [first], [first.input], opts);
  }

  group(items: EnqueueItem[], opts: GroupOptions = {}): Promise<Task> {
    const mode = opts.mode ?? 'failFast';
    if (mode !== 'failFast' && mode !== 'settleAll') throw new QueueError('invalid_option', `mode must be 'failFast' or 'settleAll' (got "${String(mode)}").`);
    const rows = this.buildAll(items, 'A group');
    return this.workflow(
      'group',
      { mode },
      rows.length,
      rows,
      rows.map((r) => r.input),
      opts,
    );
  }

  chord(items: EnqueueItem[], callback: { kind: string; options?: EnqueueOptions }, opts: GroupOptions = {}): Promise<Task> {
    const rows = this.buildAll(items, 'A chord');
    const cb = stepShape(this.registry.shapeOf(callback.kind, callback.options));
    return this.workflow(
      'chord',
      { mode: 'failFast', size: rows.length, callback: cb },
      rows.length + 1,
      rows,
      rows.map((r) => r.input),
      opts,
    );
  }

  private buildAll(items: EnqueueItem[], what: string) {
    if (!Array.isArray(items) || items.length === 0) throw new QueueError('invalid_option', `${what} needs at least one task.`);
    return items.map((it) => this.registry.build(it.kind, it.input, it.options));
  }

  /** The parent (item 0) and its first children in one script, so no crash leaves half a workflow. */
  private async workflow(
    kind: 'chain' | 'group' | 'chord',
    spec: object,
    total: number,
    children: TaskShape[],
    inputs: unknown[],
    opts: GroupOptions,
  ): Promise<Task> {
    const now = Date.now();
    const parent: TaskShape = {
      kind: `__${kind}`,
      queue: opts.queue ?? 'default',
      priority: 0,
      maxAttempts: 1,
      timeoutMs: null,
      dedupeKey: null,
      concurrencyKey: null,
      concurrencyLimit: null,
      parentId: opts.parentId !== undefined ? parseId(opts.parentId) : null,
      position: null,
      workflow: kind,
      spec: null,
      childrenTotal: total,
      runAt: now,
      state: 'running',
    };
    const shapes = [parent, ...children.map((c, i) => ({ ...c, parentId: -1, position: i }))];
    const r = await this.store.enqueue(shapes, [null, ...inputs], now, [JSON.stringify(spec)]);
    this.runner.notify();
    await this.emitIds(r.ids);
    return (await this.get(String(r.ids[0])))!;
  }

  /** Deletes finished tasks older than N days (succeeded only unless `states` says more). */
  async prune(opts: { olderThanDays: number; states?: TaskState[] }): Promise<number> {
    if (typeof opts?.olderThanDays !== 'number' || !(opts.olderThanDays >= 0)) {
      throw new QueueError('invalid_option', 'prune needs olderThanDays, a number ≥ 0.');
    }
    const now = await this.store.time();
    return this.store.prune(opts.states ?? ['succeeded'], now - opts.olderThanDays * 86_400_000);
  }

  /** Starts running tasks; resolves once this runner is registered and has taken back its own stale claims. */
  start(): this {
    this.started = this.runner.start().catch((err) => this.fail(err));
    return this;
  }

  /** Resolves when start() has registered this runner (tests and the worker wait on it). */
  ready(): Promise<void> {
    return this.started;
  }

  private started: Promise<void> = Promise.resolve();

  async stop(opts: { deadlineMs?: number } = {}): Promise<{ requeued: number }> {
    await this.started;
    const r = await this.runner.stop(opts.deadlineMs ?? 10_000);
    this.pool = null;
    return r;
  }

  /** stop() and close the connection when the queue opened it. */
  async close(opts: { deadlineMs?: number } = {}): Promise<void> {
    await this.stop(opts);
    if (this.ownsClient) this.store.redis.disconnect();
  }

  private fail(err: unknown): void {
    if (this.events.listenerCount('error') > 0) this.events.emit('error', err);
    else console.error('[queue]', err);
  }

  private async mustRow(id: string): Promise<RedisTaskRow> {
    const row = await this.store.row(parseId(id));
    if (!row) throw new QueueError('not_found', `No task with id "${id}".`);
    return row;
  }

  private poolFor(): ProcessPool | null {
    if (!this.pool && this.registry.entries().some(([, d]) => d.process)) this.pool = new ProcessPool(this.options.processPool);
    return this.pool;
  }

  private async emitIds(ids: number[]): Promise<void> {
    if (this.events.listenerCount('task') === 0 || ids.length === 0) return;
    try {
      for (const r of await this.store.rows([...new Set(ids)])) this.events.emit('task', rowToTask(r));
    } catch (err) {
      this.fail(err);
    }
  }
}
