import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { ProcessPoolOptions } from './process-pool';
import type { TaskShape } from './store';
import type { Task } from './types';

/** The runner options both stores take (SQLite's TaskQueue, RedisTaskQueue), with one set of defaults. */
export interface CommonQueueOptions {
  /** Unique per live process. A stable id lets a restarted process take its tasks back at once. */
  workerId?: string;
  /** Tasks running at once in this runner (default 10). */
  concurrency?: number;
  /** How often to look for work enqueued by other processes, schedules and cancels (default 500). */
  pollMs?: number;
  /** How long a claim holds without a heartbeat (default 30000). */
  leaseMs?: number;
  /** Default: a third of the lease (at least 50 ms), so two beats may be missed before it ends. */
  heartbeatMs?: number;
  /** Most running tasks per queue name in this runner. */
  queueConcurrency?: Record<string, number>;
  /** Succeeded tasks older than this are pruned hourly (default 7; null keeps them). */
  retentionDays?: number | null;
  processPool?: ProcessPoolOptions;
}

export interface ResolvedRunnerOptions {
  workerId: string;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  heartbeatMs: number;
  queueConcurrency: Record<string, number>;
  retentionDays: number | null;
}

export function resolveRunnerOptions(o: CommonQueueOptions): ResolvedRunnerOptions {
  const leaseMs = o.leaseMs ?? 30_000;
  return {
    workerId: o.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    concurrency: Math.max(1, o.concurrency ?? 10),
    pollMs: o.pollMs ?? 500,
    leaseMs,
    heartbeatMs: o.heartbeatMs ?? Math.max(50, Math.floor(leaseMs / 3)),
    queueConcurrency: o.queueConcurrency ?? {},
    retentionDays: o.retentionDays === undefined ? 7 : o.retentionDays,
  };
}

/** The Task a fresh enqueue returns, built from what was stored without reading it back. */
export function newTask(id: number, row: TaskShape, input: unknown, createdAt: number, runAt: number = row.runAt): Task {
  return {
    id: String(id),
    kind: row.kind,
    state: 'queued',
    queue: row.queue,
    priority: row.priority,
    input: input ?? null,
    result: null,
    error: null,
    attempts: 0,
    maxAttempts: row.maxAttempts,
    progress: 0,
    progressMessage: null,
    parentId: row.parentId === null ? null : String(row.parentId),
    workflow: null,
    dedupeKey: row.dedupeKey,
    concurrencyKey: row.concurrencyKey,
    workerId: null,
    createdAt,
    startedAt: null,
    finishedAt: null,
    runAt,
  };
}
