import { Execution, type ExecutionHooks } from './execution';
import type { ResolvedRunnerOptions } from './options';
import type { ProcessPool } from './process-pool';
import type { TurnOutbox } from './redis-turn-outbox';
import type { Registry } from './registry';
import type { ClaimRequest } from './store/redis/redis-store';
import type { RedisTaskRow } from './store/redis/rows';

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
   * finishes during one round trip (measured), at most ten per slot, so short tasks
   * overlap the trip and long ones are not taken from other workers (0 for them). Ten per
   * slot: the claims are split between two turns out at once (see RedisRunner.maxInflight),
   * about 55 tasks each on a 10-slot runner, and each turn costs the client a fixed 0.2-0.3 ms
   * (mostly its socket write), so turns stay large (5 per slot: 30 per turn, 5 µs more client
   * CPU per no-op task); what a runner holds beyond its slots is still at most what it
   * finishes during one round trip.
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

/** What the slots need to know of their runner's loop. */
export interface SlotEvents {
  /** Whether the runner still starts tasks (not stopping or stopped). */
  active(): boolean;
  /** A claimed task was refused at start (bad input): its finish waits, so another turn is due. */
  refused(): void;
  /** The last running task ended (a draining stop waits for this). */
  drained(): void;
}

/**
 * A Redis runner's slots and its prefetch buffer: what runs (by kind and by queue, for their
 * concurrency limits), what is claimed but not started, how large the next claim is, and the
 * start of buffered tasks as slots free. A buffered task holds a lease that is counted from
 * when its claim (or the last heartbeat) was sent, and is never started past it.
 */
export class RunnerSlots {
  readonly running = new Map<number, Execution>();
  private readonly byKind = new Map<string, number>();
  private readonly byQueue = new Map<string, number>();
  /** Claimed (leased) but not started yet: see RedisRunnerOptions.prefetch. */
  buffer: RedisTaskRow[] = [];
  /** Buffered task id -> the local time its lease surely lasts until (from when the claim or heartbeat was sent). */
  readonly leaseUntil = new Map<number, number>();
  private readonly launchedAt = new Map<number, number>();
  /** Moving averages (ms) of a task's run and of a turn's round trip, for prefetch 'auto'. */
  private runEma: number | null = null;
  private rttEma: number | null = null;
  private launching = false;
  /** Tasks the claims in flight may still bring: in all, and per kind (for their limits). */
  pendingWant = 0;
  private readonly pendingKinds = new Map<string, number>();

  constructor(
    private readonly registry: Registry,
    private readonly pool: () => ProcessPool | null,
    private readonly opts: RedisRunnerOptions,
    private readonly outbox: TurnOutbox,
    private readonly hooks: ExecutionHooks,
    private readonly publish: RedisPublisher,
    private readonly events: SlotEvents,
  ) {}

  /** A turn's round trip took this long (ms). */
  noteRtt(rtt: number): void {
    this.rttEma = this.rttEma === null ? rtt : this.rttEma * 0.9 + rtt * 0.1;
  }

  /** A claim was sent: what it may bring counts as held until its reply. */
  reserve(claim: ClaimRequest): void {
    this.pendingWant += claim.free;
    for (const k of claim.kinds) this.pendingKinds.set(k.kind, (this.pendingKinds.get(k.kind) ?? 0) + (k.left < 0 ? claim.free : Math.min(k.left, claim.free)));
  }

  release(claim: ClaimRequest): void {
    this.pendingWant -= claim.free;
    for (const k of claim.kinds) this.pendingKinds.set(k.kind, (this.pendingKinds.get(k.kind) ?? 0) - (k.left < 0 ? claim.free : Math.min(k.left, claim.free)));
  }

  /** The prefetch for the next claim: fixed, or (auto) what this runner finishes during one round trip. */
  prefetchNow(): number {
    if (this.opts.prefetch !== 'auto') return this.opts.prefetch;
    if (this.runEma === null || this.rttEma === null) return 0;
    const n = this.opts.concurrency;
    return Math.min(10 * n, Math.floor((n * this.rttEma) / Math.max(this.runEma, 0.001)));
  }

  /** Rows a claim sent at sentAt returned: buffered, each leased until sentAt + leaseMs. */
  hold(rows: RedisTaskRow[], sentAt: number): void {
    for (const row of rows) {
      this.buffer.push(row);
      this.leaseUntil.set(row.id, sentAt + this.opts.leaseMs);
    }
  }

  /** Takes a buffered (claimed, never started) task out, if it is here. */
  unbuffer(id: number): RedisTaskRow | undefined {
    const i = this.buffer.findIndex((r) => r.id === id);
    if (i < 0) return undefined;
    const [row] = this.buffer.splice(i, 1);
    this.leaseUntil.delete(row.id);
    return row;
  }

  /**
   * A heartbeat sent at sentAt came back: the buffered leases it extended now last from
   * then, and the buffered tasks whose leases it found lost are let go (never started).
   */
  extendBuffered(sent: { id: number }[], lost: number[], sentAt: number): void {
    for (const b of sent) if (!lost.includes(b.id) && this.leaseUntil.has(b.id)) this.leaseUntil.set(b.id, sentAt + this.opts.leaseMs);
    if (lost.length > 0) {
      this.buffer = this.buffer.filter((b) => !lost.includes(b.id));
      for (const id of lost) this.leaseUntil.delete(id);
    }
  }

  /** Every buffered task is let go unstarted (its lease may be someone else's now). */
  dropBuffered(why: string): void {
    this.leaseUntil.clear();
    for (const r of this.buffer.splice(0)) this.publish.lost(r.id, why);
  }

  /** These running attempts lost their leases: they stop and will not report. */
  dropRunning(ids: number[], why: string): void {
    for (const id of ids) {
      const e = this.running.get(id);
      if (!e) continue;
      e.lost();
      this.forget(e);
      this.publish.lost(id, why);
    }
  }

  claimRequest(free: number, start: number): ClaimRequest | null {
    if (!this.opts.consume) return null;
    const kinds = [];
    const buffered = new Map<string, number>();
    for (const r of this.buffer) buffered.set(r.kind, (buffered.get(r.kind) ?? 0) + 1);
    for (const [kind, def] of this.registry.entries()) {
      const b = (buffered.get(kind) ?? 0) + (this.pendingKinds.get(kind) ?? 0);
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
  launchBuffered(): void {
    if (this.launching) return;
    this.launching = true;
    try {
      let progressed = true;
      while (progressed && this.buffer.length > 0 && this.running.size < this.opts.concurrency && this.events.active()) {
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
      this.outbox.finishes.push({
        item: { id: row.id, fence: row.fence ?? '', type: row.validate ? 'i' : 'f', a: e.code ?? 'invalid_input', b: message },
        exec: null,
      });
      this.publish.failure(Object.assign(new Error(`refused task ${row.id} (${row.kind}): ${message}`), { code: 'invalid_input' }));
      this.events.refused();
      return null;
    }
    this.leaseUntil.delete(row.id);
    if (row.started_at === null) {
      // Prefetched: it reads as claimed until the next turn writes that it began.
      row.started_at = Date.now();
      this.outbox.starts.set(row.id, { fence: row.fence ?? '', at: row.started_at });
    }
    this.launchedAt.set(row.id, performance.now());
    const exec = new Execution(row, def, this.hooks, def.process ? this.pool() : null);
    this.running.set(row.id, exec);
    this.byKind.set(row.kind, (this.byKind.get(row.kind) ?? 0) + 1);
    this.byQueue.set(row.queue, (this.byQueue.get(row.queue) ?? 0) + 1);
    return exec;
  }

  /** An attempt left its slot (settled, lost or dropped): its run time feeds prefetch 'auto'. */
  forget(exec: Execution): void {
    this.running.delete(exec.id);
    const at = this.launchedAt.get(exec.id);
    if (at !== undefined) {
      this.launchedAt.delete(exec.id);
      const ms = performance.now() - at;
      this.runEma = this.runEma === null ? ms : this.runEma * 0.9 + ms * 0.1;
    }
    this.byKind.set(exec.row.kind, (this.byKind.get(exec.row.kind) ?? 1) - 1);
    this.byQueue.set(exec.row.queue, (this.byQueue.get(exec.row.queue) ?? 1) - 1);
    if (this.running.size === 0) this.events.drained();
  }
}
