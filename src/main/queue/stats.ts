import { type StatsRows, type Storage, percentiles } from './store';
import type { QueueStats, TaskState } from './types';

/** What any store reads for stats: counts by kind and state, recent finishes, workers, paused queues. */
export interface StatsInput extends StatsRows {
  now: number;
  windowMs: number;
  workers: QueueStats['workers'];
  paused: string[];
}

/**
 * Counts by state and kind, throughput per minute, latency percentiles and worker liveness,
 * from rows either store reads (SQLite in one transaction, Redis in a few commands).
 */
export function summarizeStats({ now, windowMs, counts, finished, workers, paused }: StatsInput): QueueStats {
  const byKind: QueueStats['counts'] = {};
  const totals: Partial<Record<TaskState, number>> = {};
  for (const c of counts) {
    (byKind[c.kind] ??= {})[c.state] = c.n;
    totals[c.state] = (totals[c.state] ?? 0) + c.n;
  }
  const minutes = Math.ceil(windowMs / 60_000);
  const perMinute = Array.from({ length: minutes }, (_, i) => ({
    minute: Math.floor((now - (minutes - i) * 60_000) / 60_000) * 60_000 + 60_000,
    succeeded: 0,
    failed: 0,
  }));
  const run: number[] = [];
  const wait: number[] = [];
  let ok = 0;
  let bad = 0;
  for (const f of finished) {
    const slot = perMinute[Math.min(minutes - 1, Math.max(0, minutes - 1 - Math.floor((now - f.finished_at) / 60_000)))];
    if (f.state === 'succeeded') {
      ok++;
      slot.succeeded++;
    } else {
      bad++;
      slot.failed++;
    }
    if (f.started_at !== null) {
      run.push(f.finished_at - f.started_at);
      wait.push(Math.max(0, f.started_at - f.created_at));
    }
  }
  const mins = windowMs / 60_000;
  return {
    at: now,
    windowMs,
    counts: byKind,
    totals,
    throughput: { succeededPerMin: ok / mins, failedPerMin: bad / mins, perMinute },
    latencyMs: { run: percentiles(run), wait: percentiles(wait) },
    workers,
    paused,
  };
}

/** The SQLite queue's stats: every row read from its one database. */
export function buildStats(storage: Storage, now: number, windowMs: number, leaseMs: number): QueueStats {
  const workers = storage.queries.workers().map((w) => ({ ...w, alive: now - w.heartbeatAt < leaseMs }));
  return summarizeStats({ now, windowMs, ...storage.queries.statsRows(now - windowMs), workers, paused: storage.tasks.paused() });
}
