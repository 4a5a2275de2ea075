import type { ProcessPool } from './process-pool';
import type { Registry } from './registry';
import type { Storage, TaskRow } from './store';

export interface ClaimOptions {
  workerId: string;
  leaseMs: number;
  pollMs: number;
  queueConcurrency: Record<string, number>;
}

/**
 * Decides what a runner may claim now and claims it: per-kind concurrency, the process
 * pool's free slots, rate-limit budgets (counted in the database, so across runners),
 * paused queues, per-queue limits and concurrency keys. The common case is one statement.
 */
export class Claimer {
  constructor(
    private readonly storage: Storage,
    private readonly registry: Registry,
    private readonly pool: () => ProcessPool | null,
    private readonly opts: ClaimOptions,
    private readonly byKind: Map<string, number>,
    private readonly byQueue: Map<string, number>,
  ) {}

  /** Claims up to `free` due tasks inside the caller's transaction; `wakeAt` says when a rate limit frees up. */
  claim(now: number, free: number): { claimed: TaskRow[]; wakeAt: number } {
    let wakeAt = Infinity;
    if (free <= 0) return { claimed: [], wakeAt };
    const claims = this.storage.claims;
    const pool = this.pool();
    const poolFree = pool ? pool.free() : 0;
    // Only kinds with a limit need bookkeeping; the maps stay unallocated in the common case.
    let blocked: string[] | null = null;
    let kindLeft: Map<string, number> | null = null;
    let rateLeft: Map<string, number> | null = null;
    const entries = this.registry.entries();
    for (const [name, def] of entries) {
      if (def.concurrency === undefined && !def.process && !def.rateLimit) continue;
      let left = def.concurrency !== undefined ? def.concurrency - (this.byKind.get(name) ?? 0) : Infinity;
      if (def.process) left = Math.min(left, poolFree);
      if (def.rateLimit) {
        const { n, oldest } = claims.startsSince(name, now - def.rateLimit.intervalMs);
        const r = def.rateLimit.max - n;
        if (r <= 0 && oldest !== null) wakeAt = Math.min(wakeAt, oldest + def.rateLimit.intervalMs + 1);
        (rateLeft ??= new Map()).set(name, r);
        left = Math.min(left, r);
      }
      if (left <= 0) (blocked ??= []).push(name);
      else if (left !== Infinity) (kindLeft ??= new Map()).set(name, left);
    }
    if (blocked !== null && blocked.length === entries.length) return { claimed: [], wakeAt };
    const paused = this.pausedQueues(now);
    if (paused.includes('*')) return { claimed: [], wakeAt };
    const names = this.registry.names();
    const out = blocked;
    const kinds = out === null ? names : names.filter((n) => !out.includes(n));
    const keyed = claims.hasKeyedWaiting();
    if (Object.keys(this.opts.queueConcurrency).length === 0 && !keyed) {
      // One statement claims the best due tasks; rows past a kind's remaining limit (rare: only
      // while that kind fills up) are handed back at once, so priority order stays exact.
      const claimed = claims.claimDue(now, free, kinds, paused, this.opts.workerId, this.opts.leaseMs);
      const limits = kindLeft;
      if (limits === null || !claimed.some((r) => limits.has(r.kind))) {
        this.recordRate(rateLeft, claimed, now);
        return { claimed, wakeAt };
      }
      const over: number[] = [];
      const kept = claimed.filter((r) => {
        const left = limits.get(r.kind);
        if (left === undefined) return true;
        limits.set(r.kind, left - 1);
        if (left > 0) return true;
        over.push(r.id);
        return false;
      });
      if (over.length > 0) {
        claims.unclaim(over);
        wakeAt = now;
      }
      this.recordRate(rateLeft, kept, now);
      return { claimed: kept, wakeAt };
    }
    const cands = claims.candidates(now, free * 2 + 8, kinds, paused, keyed);
    if (cands.length === 0) return { claimed: [], wakeAt };
    const keys = [...new Set(cands.filter((c) => c.concurrency_key !== null).map((c) => c.concurrency_key as string))];
    const keyRunning = keys.length > 0 ? claims.runningPerKey(keys) : new Map<string, number>();
    const queueLeft = new Map<string, number>();
    const ids: number[] = [];
    let processLeft = poolFree;
    for (const c of cands) {
      if (ids.length >= free) break;
      const kl = kindLeft?.get(c.kind);
      if (kl !== undefined && kl <= 0) continue;
      const qc = this.opts.queueConcurrency[c.queue];
      if (qc !== undefined) {
        const ql = queueLeft.get(c.queue) ?? qc - (this.byQueue.get(c.queue) ?? 0);
        if (ql <= 0) continue;
        queueLeft.set(c.queue, ql - 1);
      }
      if (c.concurrency_key !== null) {
        const n = keyRunning.get(c.concurrency_key) ?? 0;
        if (n >= (c.concurrency_limit ?? 1)) continue;
        keyRunning.set(c.concurrency_key, n + 1);
      }
      if (this.registry.get(c.kind).process) {
        if (processLeft <= 0) continue;
        processLeft--;
      }
      if (kl !== undefined) kindLeft?.set(c.kind, kl - 1);
      ids.push(c.id);
    }
    if (ids.length === 0) return { claimed: [], wakeAt };
    const claimed = claims.claim(ids, this.opts.workerId, now, this.opts.leaseMs);
    this.recordRate(rateLeft, claimed, now);
    return { claimed, wakeAt };
  }

  private recordRate(rateLeft: Map<string, number> | null, claimed: TaskRow[], now: number): void {
    if (rateLeft === null || claimed.length === 0) return;
    const started = new Map<string, number>();
    for (const r of claimed) if (rateLeft.has(r.kind)) started.set(r.kind, (started.get(r.kind) ?? 0) + 1);
    for (const [kind, n] of started) this.storage.claims.recordStarts(kind, now, n);
  }

  private paused: string[] = [];
  private pausedAt = -Infinity;

  /** Paused queue names, read at most once per poll interval (pause is visible within pollMs). */
  private pausedQueues(now: number): string[] {
    if (now - this.pausedAt >= this.opts.pollMs) {
      this.paused = this.storage.tasks.paused();
      this.pausedAt = now;
    }
    return this.paused;
  }

  /** Forget the cached paused list (this process paused or resumed a queue). */
  pausedChanged(): void {
    this.pausedAt = -Infinity;
  }
}
