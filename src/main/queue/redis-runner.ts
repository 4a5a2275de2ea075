import os from 'node:os';
import { backoffDelay } from './backoff';
import type { StoredError } from './errors';
import { type AttemptResult, Execution } from './execution';
import type { ProcessPool } from './process-pool';
import { DEFAULT_BACKOFF, type Registry } from './registry';
import type { CommitRequest, FinishItem, RedisStore } from './store/redis/redis-store';
import type { RedisTaskRow } from './store/redis/rows';
import type { ResolvedRunnerOptions } from './options';

export interface RedisRunnerOptions extends ResolvedRunnerOptions {
  /** Extra fields this runner registers with (a `loupe worker`'s name, provider, slots). */
  info: Record<string, unknown>;
  /** False: claim nothing; only heartbeat (hand back expired leases) and fire schedules. */
  consume: boolean;
  /**
   * Tasks claimed ahead of free slots, started the moment a slot frees (while the next
   * claim is on its way), so the round trip to the server overlaps the work. They hold
   * their leases meanwhile and read as claimed (no startedAt) until they start; a kind's
   * own concurrency limit is never prefetched past. 'auto': as many as this runner
   * finishes during one round trip (measured), at most two per slot, so short tasks
   * overlap the trip and long ones are not taken from other workers (0 for them). Two per
   * slot, not one: a turn then carries about 30 tasks instead of 20 on a 10-slot runner,
   * and each turn's socket write costs as much as the tasks' own work (measured on the
   * 20,000-task bench: a third fewer turns, about 10 % less client CPU per task); what a
   * runner holds beyond its slots is still at most one round trip's work.
   */
  prefetch: number | 'auto';
}

export interface RedisPublisher {
  /** Tasks whose rows changed (read back and announced only when someone listens). */
  ids(ids: Iterable<number>): void;
  log(id: number, message: string): void;
  failure(err: unknown): void;
  /** Every poll tick: schedules fire here. */
  tick(): Promise<void>;
  /** Lease lost or a late result refused: the task may be running elsewhere now. */
  lost(id: number, why: string): void;
  /** A running task's progress, announced at once (it is written with the next turn). */
  progress(exec: Execution): void;
}

const LEASE_GONE = 'no heartbeat reached the broker for a whole lease';
const CANCEL_GRACE: StoredError = {
  code: 'cancelled',
  message: 'The task was cancelled and did not stop in time, so its process was killed.',
  retryable: false,
};

/**
 * The worker loop on Redis. Each turn is one round trip: the finished attempts (fenced by
 * their claim's token) and a claim for the free slots, two Lua scripts in one pipeline. A
 * heartbeat extends the leases still held and learns which were lost; when it cannot reach
 * the server for a whole lease, every running attempt is dropped unreported, because by
 * then another worker may hold the task.
 */
export class RedisRunner {
  readonly running = new Map<number, Execution>();
  private readonly byKind = new Map<string, number>();
  private readonly byQueue = new Map<string, number>();
  private finishes: { item: FinishItem; exec: Execution | null }[] = [];
  /** Claimed (leased) but not started yet: see RedisRunnerOptions.prefetch. */
  private buffer: RedisTaskRow[] = [];
  /** Prefetched tasks started since the last turn (local start time): the next turn writes their startedAt. */
  private starts = new Map<number, { fence: string; at: number }>();
  /** Buffered task id -> the local time its lease surely lasts until (from when the claim or heartbeat was sent). */
  private readonly leaseUntil = new Map<number, number>();
  private readonly launchedAt = new Map<number, number>();
  /** Moving averages (ms) of a task's run and of a turn's round trip, for prefetch 'auto'. */
  private runEma: number | null = null;
  private rttEma: number | null = null;
  private launching = false;
  private readonly progress = new Set<Execution>();
  private logs: { id: number; entry: string }[] = [];
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private busy = false;
  private again = false;
  private timers: NodeJS.Timeout[] = [];
  private wakeTimer: NodeJS.Timeout | null = null;
  private drained: (() => void) | null = null;
  private lastBeat = Date.now();
  private lastPrune = 0;
  private done = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly store: RedisStore,
    private readonly registry: Registry,
    private readonly pool: () => ProcessPool | null,
    readonly opts: RedisRunnerOptions,
    private readonly publish: RedisPublisher,
  ) {}

  get isRunning(): boolean {
    return this.state === 'running';
  }

  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'stopping') return;
    this.state = 'running';
    this.lastBeat = Date.now();
    // Tasks this same worker id held when its process died come back at once; others wait for their lease.
    await this.heartbeat(true);
    this.timers.push(setInterval(() => void this.tick(), this.opts.pollMs));
    this.timers.push(setInterval(() => void this.heartbeat(false), this.opts.heartbeatMs));
    this.notify();
  }

  notify(): void {
    if (this.state === 'idle' || this.state === 'stopped') return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    setImmediate(() => void this.pump());
  }

  cancelLocal(id: number): void {
    this.running.get(id)?.cancel(CANCEL_GRACE);
    const i = this.buffer.findIndex((r) => r.id === id);
    if (i >= 0) {
      // Claimed but never started: it ends cancelled without running.
      const [row] = this.buffer.splice(i, 1);
      this.leaseUntil.delete(row.id);
      this.finishes.push({ item: { id: row.id, fence: row.fence ?? '', type: 'c' }, exec: null });
      this.notify();
    }
  }

  async stop(deadlineMs: number): Promise<{ requeued: number }> {
    if (this.state !== 'running') return { requeued: 0 };
    this.state = 'stopping';
    for (const t of this.timers.splice(0)) clearInterval(t);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    if (this.running.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadlineMs);
        this.drained = () => (clearTimeout(timer), resolve());
      });
    }
    this.drained = null;
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
    const left = [...this.running.values()];
    for (const e of left) e.abandon();
    this.running.clear();
    const unstarted = this.buffer.splice(0);
    this.leaseUntil.clear();
    let requeued = 0;
    try {
      await this.flush();
      const held = [...left.map((e) => ({ id: e.id, fence: fenceOf(e) })), ...unstarted.map((r) => ({ id: r.id, fence: r.fence ?? '' }))];
      requeued = await this.store.requeue(this.opts.workerId, held);
    } catch (err) {
      this.publish.failure(err); // the server is unreachable: the leases will run out and hand the tasks back
    }
    this.publish.ids([...left.map((e) => e.id), ...unstarted.map((r) => r.id)]);
    await this.pool()?.close();
    this.state = 'stopped';
    return { requeued };
  }

  private commitRequest(): CommitRequest | null {
    if (this.finishes.length === 0 && this.progress.size === 0 && this.logs.length === 0 && this.starts.size === 0) return null;
    const progress = [...this.progress].filter((e) => !e.done).map((e) => ({ id: e.id, fence: fenceOf(e), progress: e.progress, message: e.progressMessage }));
    const finish = this.finishes.map((f) => f.item);
    const ended = new Set<number>();
    for (const f of finish) {
      // Started and ended since the last turn: the finish carries how long it ran (one write, not two).
      const st = this.starts.get(f.id);
      if (!st) continue;
      f.s = String(Math.max(0, Date.now() - st.at));
      ended.add(f.id);
    }
    const starts = [...this.starts].filter(([id]) => !ended.has(id)).map(([id, st]) => ({ id, fence: st.fence }));
    return { starts, finish, progress, logs: this.logs };
  }

  /** The prefetch for the next claim: fixed, or (auto) what this runner finishes during one round trip. */
  private prefetchNow(): number {
    if (this.opts.prefetch !== 'auto') return this.opts.prefetch;
    if (this.runEma === null || this.rttEma === null) return 0;
    const n = this.opts.concurrency;
    return Math.min(2 * n, Math.floor((n * this.rttEma) / Math.max(this.runEma, 0.001)));
  }

  /** Writes what is held without claiming (at stop). */
  private async flush(): Promise<void> {
    const commit = this.commitRequest();
    if (!commit) return;
    const held = this.take();
    const { committed } = await this.store.turn(commit, null);
    this.afterCommit(held, committed!);
  }

  private take(): { item: FinishItem; exec: Execution | null }[] {
    const held = this.finishes;
    this.finishes = [];
    this.starts = new Map();
    this.progress.clear();
    this.logs = [];
    return held;
  }

  private afterCommit(held: { item: FinishItem; exec: Execution | null }[], committed: { oks: number[]; touched: number[] }): void {
    const ids: number[] = [...committed.touched];
    held.forEach((h, i) => {
      if (committed.oks[i] === 1) {
        ids.push(h.item.id);
        this.done++;
      } else this.publish.lost(h.item.id, 'its result came after the lease was lost, so it was not stored');
    });
    if (ids.length > 0) this.publish.ids(ids);
  }

  private readonly pump = async (): Promise<void> => {
    this.again = false;
    // Buffered tasks start first (on their slots), so the turn carries what they did if they ended at once.
    this.launchBuffered();
    const free = this.opts.concurrency - this.running.size;
    // Slots plus prefetch, less what is held. The buffer fills free slots first, so only the
    // slots it cannot fill start at once; the rest of the claim is prefetched.
    const want = this.opts.concurrency + this.prefetchNow() - this.running.size - this.buffer.length;
    const start = Math.max(0, free - this.buffer.length);
    const claim = this.state === 'running' && want > 0 ? this.claimRequest(want, start) : null;
    const commit = this.commitRequest();
    if (!claim && !commit) return this.idle(null);
    const starts = this.starts;
    const taken = this.take();
    let next: number | null = null;
    const sentAt = Date.now();
    const t0 = performance.now();
    try {
      const { committed, claimed } = await this.store.turn(commit, claim);
      const rtt = performance.now() - t0;
      this.rttEma = this.rttEma === null ? rtt : this.rttEma * 0.9 + rtt * 0.1;
      if (committed) this.afterCommit(taken, committed);
      if (claimed) {
        for (const row of claimed.rows) {
          this.buffer.push(row);
          this.leaseUntil.set(row.id, sentAt + this.opts.leaseMs);
        }
        this.launchBuffered();
        if (claimed.rows.length > 0 && claimed.rows.length >= want) this.again = true;
        const serverToLocal = Date.now() - claimed.now;
        for (const t of [claimed.wakeAt, claimed.nextDue]) if (t !== null) next = Math.min(next ?? Infinity, t + serverToLocal);
      }
    } catch (err) {
      // Nothing was lost: the held items go back for the next turn (each script is all or nothing;
      // a retried commit whose first try did land is refused by its fence, which is harmless).
      // Unless the broker has been out of reach for a whole lease: then they are dropped, not retried.
      this.finishes = taken.concat(this.finishes);
      for (const [id, st] of this.starts) starts.set(id, st);
      this.starts = starts;
      this.publish.failure(err);
      if (this.leaseGone()) this.dropAll(LEASE_GONE);
      next = Date.now() + this.opts.pollMs;
    }
    this.idle(next);
  };

  private idle(next: number | null): void {
    this.busy = false;
    if (this.again) return this.notify();
    if (next !== null && next < Date.now() + this.opts.pollMs) {
      if (this.wakeTimer) clearTimeout(this.wakeTimer);
      this.wakeTimer = setTimeout(() => ((this.wakeTimer = null), this.notify()), Math.max(1, next - Date.now()));
    }
  }

  private claimRequest(free: number, start: number) {
    if (!this.opts.consume) return null;
    const kinds = [];
    const buffered = new Map<string, number>();
    for (const r of this.buffer) buffered.set(r.kind, (buffered.get(r.kind) ?? 0) + 1);
    for (const [kind, def] of this.registry.entries()) {
      const b = buffered.get(kind) ?? 0;
      let left = def.concurrency !== undefined ? Math.max(0, def.concurrency - (this.byKind.get(kind) ?? 0) - b) : -1;
      if (def.process) {
        const poolFree = Math.max(0, (this.pool()?.free() ?? 0) - b);
        left = left < 0 ? poolFree : Math.min(left, poolFree);
      }
      if (left === 0) continue;
      kinds.push({ kind, left, rateMax: def.rateLimit?.max ?? 0, rateIntervalMs: def.rateLimit?.intervalMs ?? 0 });
    }
    if (kinds.length === 0) return null;
    const queueLeft: Record<string, number> = {};
    for (const [q, n] of Object.entries(this.opts.queueConcurrency)) queueLeft[q] = Math.max(0, n - (this.byQueue.get(q) ?? 0));
    return { workerId: this.opts.workerId, leaseMs: this.opts.leaseMs, free, start, kinds, queueLeft };
  }

  /** Starts buffered tasks while slots (and their kind's and queue's limits) allow. */
  private launchBuffered(): void {
    if (this.launching) return;
    this.launching = true;
    try {
      let progressed = true;
      while (progressed && this.buffer.length > 0 && this.running.size < this.opts.concurrency && this.state === 'running') {
        progressed = false;
        const started: Execution[] = [];
        for (let i = 0; i < this.buffer.length && this.running.size < this.opts.concurrency;) {
          const row = this.buffer[i];
          if (Date.now() >= (this.leaseUntil.get(row.id) ?? Infinity)) {
            // Its lease may have lapsed on the server (no heartbeat extended it in time): another
            // worker may hold it now, so it is not started here; the broker hands it back.
            this.buffer.splice(i, 1);
            this.leaseUntil.delete(row.id);
            this.publish.lost(row.id, 'its lease ran out before a slot freed, so it was not started');
            continue;
          }
          if (!this.canLaunch(row)) {
            i++;
            continue;
          }
          this.buffer.splice(i, 1);
          const e = this.launch(row);
          if (e) started.push(e);
          progressed = true;
        }
        if (started.length > 0) this.publish.ids(started.map((e) => e.id));
        // A handler that ends at once settles inside start(): the loop then refills its slot.
        for (const e of started) e.start();
      }
    } finally {
      this.launching = false;
    }
  }

  private canLaunch(row: RedisTaskRow): boolean {
    const def = this.registry.get(row.kind);
    if (def.concurrency !== undefined && (this.byKind.get(row.kind) ?? 0) >= def.concurrency) return false;
    const q = this.opts.queueConcurrency[row.queue];
    if (q !== undefined && (this.byQueue.get(row.queue) ?? 0) >= q) return false;
    return !def.process || (this.pool()?.free() ?? 0) > 0;
  }

  private launch(row: RedisTaskRow): Execution | null {
    const def = this.registry.get(row.kind);
    // Every input is checked by its kind here, not only at enqueue: on a shared broker the
    // producer may be another machine (or another version), and a workflow step's input is
    // the previous step's result, checked when it starts as the SQLite store does.
    try {
      row.input = JSON.stringify(this.registry.parseInput(row.kind, JSON.parse(row.input ?? 'null'), def));
    } catch (err) {
      const e = err as { code?: string; message: string };
      const message = e instanceof SyntaxError ? `Task ${row.id}'s input is not JSON.` : e.message;
      this.finishes.push({
        item: { id: row.id, fence: row.fence ?? '', type: row.validate ? 'i' : 'f', a: e.code ?? 'invalid_input', b: message },
        exec: null,
      });
      this.publish.failure(Object.assign(new Error(`refused task ${row.id} (${row.kind}): ${message}`), { code: 'invalid_input' }));
      this.again = true;
      return null;
    }
    this.leaseUntil.delete(row.id);
    if (row.started_at === null) {
      // Prefetched: it reads as claimed until the next turn writes that it began.
      row.started_at = Date.now();
      this.starts.set(row.id, { fence: row.fence ?? '', at: row.started_at });
    }
    this.launchedAt.set(row.id, performance.now());
    const exec = new Execution(row, def, this.hooks, def.process ? this.pool() : null);
    this.running.set(row.id, exec);
    this.byKind.set(row.kind, (this.byKind.get(row.kind) ?? 0) + 1);
    this.byQueue.set(row.queue, (this.byQueue.get(row.queue) ?? 0) + 1);
    return exec;
  }

  private forget(exec: Execution): void {
    this.running.delete(exec.id);
    const at = this.launchedAt.get(exec.id);
    if (at !== undefined) {
      this.launchedAt.delete(exec.id);
      const ms = performance.now() - at;
      this.runEma = this.runEma === null ? ms : this.runEma * 0.9 + ms * 0.1;
    }
    this.byKind.set(exec.row.kind, (this.byKind.get(exec.row.kind) ?? 1) - 1);
    this.byQueue.set(exec.row.queue, (this.byQueue.get(exec.row.queue) ?? 1) - 1);
    if (this.running.size === 0) this.drained?.();
  }

  private readonly hooks = {
    progress: (exec: Execution) => {
      this.progress.add(exec);
      this.publish.progress(exec);
      this.notify();
    },
    log: (exec: Execution, message: string) => {
      this.logs.push({ id: exec.id, entry: JSON.stringify({ at: Date.now(), attempt: exec.attempt, message }) });
      this.publish.log(exec.id, message);
      this.notify();
    },
    settled: (exec: Execution, result: AttemptResult) => {
      if (this.running.get(exec.id) !== exec) return;
      this.forget(exec);
      this.finishes.push({ item: this.finishItem(exec, result), exec });
      this.launchBuffered();
      this.notify();
    },
  };

  private finishItem(exec: Execution, result: AttemptResult): FinishItem {
    const base = { id: exec.id, fence: fenceOf(exec) };
    if (result.ok) return { ...base, type: 's', a: result.result === undefined ? 'null' : JSON.stringify(result.result) };
    if (result.cancelled || exec.cancelRequested) return { ...base, type: 'c' };
    const row = exec.row;
    const e = result.error;
    const dead = !e.retryable || row.attempts >= row.max_attempts;
    const def = this.registry.has(row.kind) ? this.registry.get(row.kind) : null;
    const delay = dead ? '' : String(backoffDelay(def?.backoff ?? DEFAULT_BACKOFF, row.attempts));
    return { ...base, type: 'f', a: e.code, b: e.message, c: e.stack ?? '', d: delay };
  }

  private async tick(): Promise<void> {
    if (this.state !== 'running') return;
    // Past a whole lease without a heartbeat: another worker may hold these tasks now.
    if (this.leaseGone()) this.dropAll(LEASE_GONE);
    try {
      if (this.running.size > 0 || this.buffer.length > 0) {
        // One read per poll, whatever runs here: the set holds only running tasks whose cancel was asked.
        for (const id of await this.store.redis.smembers(`${this.store.prefix}cx`)) {
          const n = Number(id);
          if (this.running.has(n) || this.buffer.some((r) => r.id === n)) this.cancelLocal(n);
        }
      }
      await this.publish.tick();
    } catch (err) {
      this.publish.failure(err);
    }
    this.notify();
  }

  private leaseGone(): boolean {
    return Date.now() - this.lastBeat > this.opts.leaseMs;
  }

  /**
   * Every lease this runner held may be someone else's now: running attempts stop, claimed
   * ones are not started, and results not yet written are thrown away (a late result could
   * land before the broker hands the task back, so it is never sent).
   */
  private dropAll(why: string): void {
    this.leaseUntil.clear();
    for (const r of this.buffer.splice(0)) this.publish.lost(r.id, why);
    for (const f of this.take()) this.publish.lost(f.item.id, `${why}; its result was not written`);
    for (const e of [...this.running.values()]) {
      e.lost();
      this.forget(e);
      this.publish.lost(e.id, why);
    }
  }

  private async heartbeat(mine: boolean): Promise<void> {
    const buffered = this.buffer.map((r) => ({ id: r.id, fence: r.fence ?? '' }));
    const held = [...this.running.values()].map((e) => ({ id: e.id, fence: fenceOf(e) })).concat(buffered);
    const info = JSON.stringify({
      pid: process.pid,
      host: os.hostname(),
      startedAt: this.startedAt,
      running: this.running.size,
      claimed: this.buffer.length,
      concurrency: this.opts.concurrency,
      done: this.done,
      ...this.opts.info,
    });
    // Leases run from when the server extended them, which is after this moment: counting from the send errs safe.
    const sentAt = Date.now();
    try {
      const r = await this.store.heartbeat(this.opts.workerId, this.opts.leaseMs, info, mine, held);
      this.lastBeat = sentAt;
      for (const b of buffered) if (!r.lost.includes(b.id) && this.leaseUntil.has(b.id)) this.leaseUntil.set(b.id, sentAt + this.opts.leaseMs);
      if (r.lost.length > 0) {
        this.buffer = this.buffer.filter((b) => !r.lost.includes(b.id));
        for (const id of r.lost) this.leaseUntil.delete(id);
      }
      for (const id of r.lost) {
        const e = this.running.get(id);
        if (!e) continue;
        e.lost();
        this.forget(e);
        this.publish.lost(id, 'its lease ended and the broker handed it back');
      }
      for (const id of r.cancels) this.cancelLocal(id);
      if (r.touched.length > 0) this.publish.ids(r.touched);
      const now = Date.now();
      if (this.opts.retentionDays !== null && now - this.lastPrune > 3_600_000) {
        this.lastPrune = now;
        await this.store.prune(['succeeded'], r.now - this.opts.retentionDays * 86_400_000);
      }
    } catch (err) {
      this.publish.failure(err);
    }
    if (this.state === 'running') this.notify();
  }
}

function fenceOf(e: Execution): string {
  return (e.row as RedisTaskRow).fence ?? '';
}
