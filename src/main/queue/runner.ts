import os from 'node:os';
import type { StoredError } from './errors';
import { type AttemptResult, Execution } from './execution';
import type { ProcessPool } from './process-pool';
import { Claimer } from './claimer';
import { Completions } from './completions';
import type { Registry } from './registry';
import { type Storage, type TaskRow, rowToTask } from './store';
import type { Task } from './types';
import type { ResolvedRunnerOptions } from './options';

export interface RunnerOptions extends ResolvedRunnerOptions {
  /** How long finished tasks may wait for one shared fsync when every commit is synced (FULL/EXTRA). */
  groupCommitMs: number;
}

/** How the runner tells the queue what changed; `wants()` lets it skip building DTOs nobody reads. */
export interface Publisher {
  wants(): boolean;
  rows(rows: TaskRow[]): void;
  tasks(tasks: Task[]): void;
  ids(ids: Iterable<number>): void;
  log(id: number, message: string): void;
  failure(err: unknown): void;
  /** Called on every poll tick, inside no transaction (schedules fire here). */
  tick(now: number): void;
}

const CANCEL_GRACE: StoredError = {
  code: 'cancelled',
  message: 'The task was cancelled and did not stop in time, so its process was killed.',
  retryable: false,
};

/**
 * The worker loop. Each event-loop turn it commits what finished since the last turn and
 * claims as many due tasks as it has free slots, in one BEGIN IMMEDIATE transaction (when
 * commits are synced, finished tasks wait for a shared one: see Completions); a heartbeat
 * extends its leases and hands expired ones (from dead or hung runners) back.
 */
export class Runner {
  readonly running = new Map<number, Execution>();
  private readonly byKind = new Map<string, number>();
  private readonly byQueue = new Map<string, number>();
  private readonly completions: Completions;
  /** The synchronous level to restore after a relaxed claim, or null when commits are not synced (see Storage). */
  private synced: number | null = null;
  private scheduled = false;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private pollTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private drained: (() => void) | null = null;
  private lastPrune = 0;
  private readonly startedAt = Date.now();
  private readonly claimer: Claimer;

  constructor(
    private readonly storage: Storage,
    private readonly registry: Registry,
    private readonly pool: () => ProcessPool | null,
    readonly opts: RunnerOptions,
    private readonly publish: Publisher,
  ) {
    this.claimer = new Claimer(storage, registry, pool, opts, this.byKind, this.byQueue);
    this.completions = new Completions(storage, registry, opts.workerId, publish, opts.groupCommitMs, 1000);
  }

  /** Forget the cached paused list (this process paused or resumed a queue). */
  pausedChanged(): void {
    this.claimer.pausedChanged();
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  start(): void {
    if (this.state === 'running' || this.state === 'stopping') return;
    this.state = 'running';
    this.synced = this.storage.syncedCommits();
    const now = Date.now();
    // Rows this same worker id held when its process died come back at once; others wait for their lease.
    const expired = this.storage.write(() => [...this.storage.tasks.expireLeases(now, this.opts.workerId), ...this.expireInTxn(now)]);
    this.afterExpiry(expired);
    this.heartbeat();
    this.pollTimer = setInterval(() => this.tick(), this.opts.pollMs);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.opts.heartbeatMs);
    this.notify();
  }

  /** Something may be ready: pump on the next turn (coalesced). */
  notify(): void {
    if (this.scheduled || this.state === 'idle' || this.state === 'stopped') return;
    this.scheduled = true;
    setImmediate(this.pump);
  }

  /** A cancel for a task this runner holds takes effect at once, without waiting for the poll. */
  cancelLocal(id: number): void {
    this.running.get(id)?.cancel(CANCEL_GRACE);
  }

  async stop(deadlineMs: number): Promise<{ requeued: number }> {
    if (this.state !== 'running') return { requeued: 0 };
    this.state = 'stopping';
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    if (this.running.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadlineMs);
        this.drained = () => (clearTimeout(timer), resolve());
      });
    }
    this.drained = null;
    const left = [...this.running.values()];
    for (const e of left) e.abandon();
    this.running.clear();
    const now = Date.now();
    let requeued = 0;
    this.storage.write(() => {
      this.completions.flushInTxn(now);
      requeued = this.storage.tasks.requeue(
        left.map((e) => ({ id: e.id, attempts: e.attempt, workerId: this.opts.workerId })),
        now,
      );
      this.storage.queries.removeWorker(this.opts.workerId);
    });
    this.completions.publishFlushed();
    this.publish.ids(left.map((e) => e.id));
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.pool()?.close();
    this.state = 'stopped';
    return { requeued };
  }

  private readonly pump = (): void => {
    this.scheduled = false;
    if (this.state === 'idle' || this.state === 'stopped') return;
    const now = Date.now();
    this.turn = { now, claimed: [], wakeAt: Infinity };
    const held = this.completions;
    try {
      if (this.synced === null || held.dueAt() <= now || this.state !== 'running') {
        if (held.size > 0 || this.running.size < this.opts.concurrency) this.commit(now, this.claimInTxn);
      } else {
        // Synced commits: claim without an fsync (a lost claim only re-runs the task) and keep
        // the finished ones for the group commit, or commit them now when nothing else runs.
        if (this.running.size < this.opts.concurrency) this.storage.writeRelaxed(this.claimInTxn, this.synced);
        if (this.turn.claimed.length === 0 && this.running.size === 0 && held.size > 0) this.commit(now, null);
      }
    } catch (err) {
      this.publish.failure(err); // e.g. SQLITE_BUSY past busy_timeout: nothing was lost, try again soon
      this.wake(now + this.opts.pollMs);
      return;
    }
    const { claimed, wakeAt } = this.turn;
    if (claimed.length > 0) {
      const execs = claimed.map((row) => this.launch(row));
      if (this.publish.wants()) this.publish.tasks(execs.map((e) => rowToTask(e.row, { input: e.input })));
      for (const e of execs) e.start();
    }
    let next = held.size > 0 ? held.dueAt() : Infinity;
    if (this.state === 'running' && this.running.size < this.opts.concurrency) {
      // A due task left waiting is blocked (see nextDueAt): what unblocks it notifies, so only a later runAt sets a wake-up.
      next = Math.min(next, wakeAt, claimed.length > 0 ? Infinity : (this.storage.tasks.nextDueAt(now) ?? Infinity));
    }
    if (next <= now) this.notify();
    else if (next < now + this.opts.pollMs) this.wake(next);
  };

  /** One synced transaction: what finished, then `claim`; the results are announced after it returns. */
  private commit(now: number, claim: (() => void) | null): void {
    if (this.synced !== null) this.synced = this.storage.syncedCommits();
    this.storage.write(() => {
      this.completions.flushInTxn(now);
      claim?.();
    });
    this.completions.publishFlushed();
  }

  /** This turn's claim, filling the free slots; made once, not per turn (a closure per turn shows in profiles). */
  private turn: { now: number; claimed: TaskRow[]; wakeAt: number } = { now: 0, claimed: [], wakeAt: Infinity };
  private readonly claimInTxn = (): void => {
    const free = this.opts.concurrency - this.running.size;
    if (this.state === 'running' && free > 0) {
      const { claimed, wakeAt } = this.claimer.claim(this.turn.now, free);
      this.turn.claimed = claimed;
      this.turn.wakeAt = wakeAt;
    }
  };

  private wake(at: number): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => ((this.wakeTimer = null), this.notify()), Math.max(1, at - Date.now()));
  }

  private launch(row: TaskRow): Execution {
    const def = this.registry.get(row.kind);
    const exec = new Execution(row, def, this.hooks, def.process ? this.pool() : null);
    this.running.set(row.id, exec);
    this.byKind.set(row.kind, (this.byKind.get(row.kind) ?? 0) + 1);
    this.byQueue.set(row.queue, (this.byQueue.get(row.queue) ?? 0) + 1);
    return exec;
  }

  private readonly hooks = {
    progress: (exec: Execution) => {
      this.completions.progressed(exec, Date.now());
      if (this.publish.wants()) {
        const task = rowToTask(exec.row, { input: exec.input });
        task.progress = exec.progress;
        task.progressMessage = exec.progressMessage;
        this.publish.tasks([task]);
      }
      this.notify();
    },
    log: (exec: Execution, message: string) => {
      this.completions.logged(exec, Date.now(), message);
      this.publish.log(exec.id, message);
      this.notify();
    },
    settled: (exec: Execution, result: AttemptResult) => {
      if (this.running.get(exec.id) !== exec) return;
      this.running.delete(exec.id);
      this.byKind.set(exec.row.kind, (this.byKind.get(exec.row.kind) ?? 1) - 1);
      this.byQueue.set(exec.row.queue, (this.byQueue.get(exec.row.queue) ?? 1) - 1);
      this.completions.settled(exec, result, Date.now());
      if (this.running.size === 0) this.drained?.();
      this.notify();
    },
  };

  private tick(): void {
    if (this.state !== 'running') return;
    const now = Date.now();
    try {
      if (this.running.size > 0) {
        const ids = this.storage.tasks.cancelRequested([...this.running.keys()]);
        for (const id of ids) this.running.get(id)?.cancel(CANCEL_GRACE);
      }
      this.publish.tick(now);
    } catch (err) {
      this.publish.failure(err);
    }
    this.notify();
  }

  private expireInTxn(now: number): TaskRow[] {
    const rows = this.storage.tasks.expireLeases(now);
    for (const r of rows) if (r.state === 'dead' && r.parent_id !== null) this.storage.workflows.childSettled(r, now);
    return rows;
  }

  private afterExpiry(rows: TaskRow[]): void {
    if (rows.length > 0) this.publish.ids(rows.map((r) => r.id));
    this.completions.publishFlushed();
  }

  private heartbeat(): void {
    const now = Date.now();
    try {
      const expired = this.storage.write(() => {
        if (this.running.size > 0) this.storage.tasks.heartbeat([...this.running.keys()], this.opts.workerId, now + this.opts.leaseMs);
        this.storage.queries.upsertWorker({
          id: this.opts.workerId,
          pid: process.pid,
          host: os.hostname(),
          startedAt: this.startedAt,
          heartbeatAt: now,
          running: this.running.size,
          concurrency: this.opts.concurrency,
        });
        const maxRate = Math.max(0, ...this.registry.entries().map(([, d]) => d.rateLimit?.intervalMs ?? 0));
        this.storage.claims.trimStarts(now - maxRate);
        return this.expireInTxn(now);
      });
      this.afterExpiry(expired);
      if (this.opts.retentionDays !== null && now - this.lastPrune > 3_600_000) {
        this.lastPrune = now;
        this.storage.queries.prune(['succeeded'], now - this.opts.retentionDays * 86_400_000);
      }
    } catch (err) {
      this.publish.failure(err);
    }
    if (this.state === 'running') this.notify();
  }
}
