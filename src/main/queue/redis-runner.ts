import os from 'node:os';
import type { StoredError } from './errors';
import type { AttemptResult, Execution } from './execution';
import type { ProcessPool } from './process-pool';
import type { Registry } from './registry';
import { type RedisPublisher, type RedisRunnerOptions, RunnerSlots } from './redis-runner-slots';
import { type HeldFinish, TurnOutbox, fenceOf, finishItem } from './redis-turn-outbox';
import type { RedisStore } from './store/redis/redis-store';

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
 * then another worker may hold the task. The slots and prefetch buffer live in RunnerSlots,
 * what the next turn commits in TurnOutbox; this class is the loop, the heartbeat and stop.
 */
export class RedisRunner {
  private readonly outbox = new TurnOutbox();
  private readonly slots: RunnerSlots;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private busy = false;
  /** Turns sent and not answered yet (at most maxInflight()). */
  private inflight = 0;
  private again = false;
  /** The last claim brought tasks: claims are then split between two turns out (see pump). */
  private streaming = false;
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
  ) {
    this.slots = new RunnerSlots(registry, pool, opts, this.outbox, this.hooks, publish, {
      active: () => this.state === 'running',
      refused: () => (this.again = true),
      drained: () => this.drained?.(),
    });
  }

  get running(): ReadonlyMap<number, Execution> {
    return this.slots.running;
  }

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
    if (this.busy || this.inflight >= this.maxInflight()) {
      this.again = true;
      return;
    }
    this.busy = true;
    setImmediate(() => void this.pump());
  }

  cancelLocal(id: number): void {
    this.slots.running.get(id)?.cancel(CANCEL_GRACE);
    const row = this.slots.unbuffer(id);
    if (row) {
      // Claimed but never started: it ends cancelled without running.
      this.outbox.finishes.push({ item: { id: row.id, fence: row.fence ?? '', type: 'c' }, exec: null });
      this.notify();
    }
  }

  async stop(deadlineMs: number): Promise<{ requeued: number }> {
    if (this.state !== 'running') return { requeued: 0 };
    this.state = 'stopping';
    for (const t of this.timers.splice(0)) clearInterval(t);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    const slots = this.slots;
    if (slots.running.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadlineMs);
        this.drained = () => (clearTimeout(timer), resolve());
      });
    }
    this.drained = null;
    while (this.busy || this.inflight > 0) await new Promise((r) => setTimeout(r, 5));
    const left = [...slots.running.values()];
    for (const e of left) e.abandon();
    slots.running.clear();
    const unstarted = slots.buffer.splice(0);
    slots.leaseUntil.clear();
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

  /** Writes what is held without claiming (at stop). */
  private async flush(): Promise<void> {
    const commit = this.outbox.request();
    if (!commit) return;
    const { held } = this.outbox.take();
    const { committed } = await this.store.turn(commit, null);
    this.afterCommit(held, committed!);
  }

  private afterCommit(held: HeldFinish[], committed: { oks: number[]; touched: number[] }): void {
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
    const slots = this.slots;
    // Buffered tasks start first (on their slots), so the turn carries what they did if they ended at once.
    slots.launchBuffered();
    const free = this.opts.concurrency - slots.running.size;
    // Slots plus prefetch, less what is held. The buffer fills free slots first, so only the
    // slots it cannot fill start at once; the rest of the claim is prefetched.
    const prefetch = slots.prefetchNow();
    const target = this.opts.concurrency + prefetch;
    const short = target - slots.running.size - slots.buffer.length - slots.pendingWant;
    // Prefetching while claims bring tasks, the target is split between the turns that may be out
    // at once, so a second turn is out while the first one's reply is handled (see maxInflight).
    // An idle runner (its last claim found nothing) polls with one claim.
    const want = prefetch > 0 && this.streaming ? Math.min(short, Math.ceil(target / this.maxInflight())) : short;
    const start = Math.max(0, free - slots.buffer.length - slots.pendingWant);
    const claim = this.state === 'running' && want > 0 ? slots.claimRequest(want, start) : null;
    const commit = this.outbox.request();
    if (!claim && !commit) return this.idle(null);
    const taken = this.outbox.take();
    if (claim) slots.reserve(claim);
    this.inflight++;
    // The next turn may be prepared while this one is out (see maxInflight).
    this.busy = false;
    if (want < short && this.inflight < this.maxInflight()) this.notify();
    let next: number | null = null;
    const sentAt = Date.now();
    const t0 = performance.now();
    try {
      const reply = await this.store.turn(commit, claim).finally(() => {
        this.inflight--;
        if (claim) slots.release(claim);
      });
      const { committed, claimed } = reply;
      slots.noteRtt(performance.now() - t0);
      if (committed) this.afterCommit(taken.held, committed);
      if (claimed) {
        this.outbox.clock.note(claimed.now, sentAt, Date.now());
        this.streaming = claimed.rows.length > 0;
        slots.hold(claimed.rows, sentAt);
        slots.launchBuffered();
        if (claimed.rows.length > 0 && claimed.rows.length >= want) this.again = true;
        const serverToLocal = Date.now() - claimed.now;
        for (const t of [claimed.wakeAt, claimed.nextDue]) if (t !== null) next = Math.min(next ?? Infinity, t + serverToLocal);
      }
    } catch (err) {
      // Nothing was lost: the held items go back for the next turn.
      // Unless the broker has been out of reach for a whole lease: then they are dropped, not retried.
      this.outbox.giveBack(taken);
      this.publish.failure(err);
      if (this.leaseGone()) this.dropAll(LEASE_GONE);
      next = Date.now() + this.opts.pollMs;
    }
    this.idle(next);
  };

  /**
   * Two turns may be out at once when prefetching: the client handles one turn's tasks while
   * Redis runs the next one's scripts, instead of each waiting on the other. One connection
   * keeps them in order, so a task's start and finish land in the order they were sent, and
   * the second claim is sized less what the first may still bring. Prefetch 0 keeps one.
   */
  private maxInflight(): number {
    return this.opts.prefetch === 0 ? 1 : 2;
  }

  private idle(next: number | null): void {
    this.busy = false;
    if (this.again) return this.notify();
    if (next !== null && next < Date.now() + this.opts.pollMs) {
      if (this.wakeTimer) clearTimeout(this.wakeTimer);
      this.wakeTimer = setTimeout(() => ((this.wakeTimer = null), this.notify()), Math.max(1, next - Date.now()));
    }
  }

  private readonly hooks = {
    progress: (exec: Execution) => {
      this.outbox.progress.add(exec);
      this.publish.progress(exec);
      this.notify();
    },
    log: (exec: Execution, message: string) => {
      this.outbox.logs.push({ id: exec.id, entry: JSON.stringify({ at: Date.now(), attempt: exec.attempt, message }) });
      this.publish.log(exec.id, message);
      this.notify();
    },
    settled: (exec: Execution, result: AttemptResult) => {
      if (this.slots.running.get(exec.id) !== exec) return;
      this.slots.forget(exec);
      this.outbox.finishes.push({ item: finishItem(this.registry, exec, result), exec });
      this.slots.launchBuffered();
      this.notify();
    },
  };

  private async tick(): Promise<void> {
    if (this.state !== 'running') return;
    // Past a whole lease without a heartbeat: another worker may hold these tasks now.
    if (this.leaseGone()) this.dropAll(LEASE_GONE);
    const slots = this.slots;
    try {
      if (slots.running.size > 0 || slots.buffer.length > 0) {
        // One read per poll, whatever runs here: the set holds only running tasks whose cancel was asked.
        for (const id of await this.store.redis.smembers(`${this.store.prefix}cx`)) {
          const n = Number(id);
          if (slots.running.has(n) || slots.buffer.some((r) => r.id === n)) this.cancelLocal(n);
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
    this.slots.dropBuffered(why);
    for (const f of this.outbox.take().held) this.publish.lost(f.item.id, `${why}; its result was not written`);
    this.slots.dropRunning([...this.slots.running.keys()], why);
  }

  private async heartbeat(mine: boolean): Promise<void> {
    const slots = this.slots;
    const buffered = slots.buffer.map((r) => ({ id: r.id, fence: r.fence ?? '' }));
    const held = [...slots.running.values()].map((e) => ({ id: e.id, fence: fenceOf(e) })).concat(buffered);
    const info = JSON.stringify({
      pid: process.pid,
      host: os.hostname(),
      startedAt: this.startedAt,
      running: slots.running.size,
      claimed: slots.buffer.length,
      concurrency: this.opts.concurrency,
      done: this.done,
      ...this.opts.info,
    });
    // Leases run from when the server extended them, which is after this moment: counting from the send errs safe.
    const sentAt = Date.now();
    try {
      const r = await this.store.heartbeat(this.opts.workerId, this.opts.leaseMs, info, mine, held);
      this.outbox.clock.note(r.now, sentAt, Date.now());
      this.lastBeat = sentAt;
      slots.extendBuffered(buffered, r.lost, sentAt);
      slots.dropRunning(r.lost, 'its lease ended and the broker handed it back');
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
