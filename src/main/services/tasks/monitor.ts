import { QueueError, type QueueStats as EngineStats, type Task as QueueTask, type TaskQueue } from '../../queue/index';
import type { CallOutput, QueueStats, Task, TaskInspection, TimelineEntry } from '../../../shared/contract/index';
import { LoupeError } from '../../../shared/errors';
import { fail } from '../errors';
import { toTaskDto } from './task-dto';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Seconds-scale buckets for task run time: imports and training take minutes. */
export const RUN_BUCKETS_S = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

const ENDED = new Set(['succeeded', 'failed', 'dead', 'cancelled']);

/** Cumulative counters since the process started (Prometheus counters must never go down). */
export interface FinishedCounters {
  /** `kind\u0000state` → count */
  finished: Map<string, number>;
  /** kind → run-time histogram over RUN_BUCKETS_S */
  runSeconds: Map<string, { buckets: number[]; sum: number; count: number }>;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof QueueError) {
      const code = err.code === 'not_found' ? 'not_found' : err.code === 'invalid_state' ? 'conflict' : 'validation';
      throw new LoupeError(code, err.message);
    }
    throw err;
  }
}

/**
 * The queue as the Tasks page and /metrics see it: counters, heartbeats, timelines,
 * children, dead letters and pausing. Reads go straight to the queue's own queries; the
 * only state kept here is the run-time histogram, fed by the queue's task events.
 */
export class TaskMonitor {
  readonly counters: FinishedCounters = { finished: new Map(), runSeconds: new Map() };
  /** The last ended state seen per attempt, so progress events are not counted as endings. */
  private readonly seen = new Map<string, string>();

  constructor(private readonly queue: TaskQueue) {
    queue.on('task', (t) => this.observe(t));
  }

  private observe(t: QueueTask): void {
    if (!ENDED.has(t.state)) {
      if (t.state === 'queued') this.seen.delete(t.id);
      return;
    }
    const mark = `${t.state}:${t.attempts}`;
    if (this.seen.get(t.id) === mark) return;
    // Only attempts that may end again (failed, will retry) need remembering.
    if (t.state === 'failed') this.seen.set(t.id, mark);
    else this.seen.delete(t.id);
    const key = `${t.kind}\u0000${t.state}`;
    this.counters.finished.set(key, (this.counters.finished.get(key) ?? 0) + 1);
    if (t.startedAt !== null && t.finishedAt !== null && t.state !== 'cancelled') {
      const s = Math.max(0, t.finishedAt - t.startedAt) / 1000;
      let h = this.counters.runSeconds.get(t.kind);
      if (!h) this.counters.runSeconds.set(t.kind, (h = { buckets: RUN_BUCKETS_S.map(() => 0), sum: 0, count: 0 }));
      RUN_BUCKETS_S.forEach((b, i) => {
        if (s <= b) h.buckets[i]++;
      });
      h.sum += s;
      h.count++;
    }
  }

  /** The engine's stats, unchanged (for /metrics). */
  engineStats(windowMinutes = 5): EngineStats {
    return this.queue.stats({ windowMinutes });
  }

  stats(windowMinutes = 5): QueueStats {
    const s = this.engineStats(windowMinutes);
    const queues = new Set<string>(['default']);
    for (const p of s.paused) if (p !== '*') queues.add(p);
    return {
      at: iso(s.at),
      windowMinutes: s.windowMs / 60_000,
      counts: s.counts as QueueStats['counts'],
      totals: s.totals as QueueStats['totals'],
      throughput: {
        succeededPerMin: s.throughput.succeededPerMin,
        failedPerMin: s.throughput.failedPerMin,
        perMinute: s.throughput.perMinute.map((m) => ({ minute: iso(m.minute), succeeded: m.succeeded, failed: m.failed })),
      },
      latencyMs: s.latencyMs,
      workers: s.workers.map((w) => ({ ...w, startedAt: iso(w.startedAt), heartbeatAt: iso(w.heartbeatAt) })),
      paused: s.paused,
      queues: [...queues],
      schedules: this.queue.schedules().map((x) => ({
        name: x.name,
        cron: x.cron,
        tz: x.tz,
        kind: x.kind,
        nextRunAt: iso(x.nextRunAt),
        lastRunAt: x.lastRunAt === null ? null : iso(x.lastRunAt),
      })),
    };
  }

  private task(id: string): QueueTask {
    const t = wrap(() => this.queue.get(id));
    if (!t) throw fail.notFound(`No task ${id}.`);
    return t;
  }

  timeline(id: string): TimelineEntry[] {
    this.task(id);
    // The stack stays in the engine's record for the log; people see the message.
    return wrap(() => this.queue.timeline(id)).map((e) => ({
      at: iso(e.at),
      event: e.event,
      attempt: e.attempt,
      error: e.error ? { code: e.error.code, message: e.error.message } : null,
    }));
  }

  children(id: string): Task[] {
    this.task(id);
    return wrap(() => this.queue.children(id)).map(toTaskDto);
  }

  inspect(id: string): TaskInspection {
    const t = this.task(id);
    return {
      task: toTaskDto(t),
      queue: t.queue,
      parentId: t.parentId,
      workflow: t.workflow,
      timeline: this.timeline(id),
      children: t.workflow ? this.children(id) : [],
    };
  }

  deadLetters(limit: number, cursor?: string | null): CallOutput<'tasks.deadLetters'> {
    const page = wrap(() => this.queue.list({ state: 'dead', limit, cursor: cursor ?? undefined }));
    return { items: page.items.map(toTaskDto), nextCursor: page.nextCursor };
  }

  /** Re-queues the given dead tasks, or every dead one; tasks no longer dead are skipped. */
  requeueDead(ids?: string[]): { requeued: number } {
    let requeued = 0;
    const retry = (id: string) => {
      const t = this.queue.get(id);
      if (!t || t.state !== 'dead') return;
      this.queue.retry(id);
      requeued++;
    };
    if (ids) {
      for (const id of ids) wrap(() => retry(id));
      return { requeued };
    }
    // Retried rows leave the dead list, so the first page is read again until it is empty.
    for (let guard = 0; guard < 100; guard++) {
      const page = this.queue.list({ state: 'dead', limit: 500 });
      for (const t of page.items) retry(t.id);
      if (page.nextCursor === null) break;
    }
    return { requeued };
  }

  pause(queue?: string): { paused: string[] } {
    this.queue.pause(queue);
    return { paused: this.queue.stats({ windowMinutes: 1 }).paused };
  }

  resume(queue?: string): { paused: string[] } {
    this.queue.resume(queue);
    return { paused: this.queue.stats({ windowMinutes: 1 }).paused };
  }
}
