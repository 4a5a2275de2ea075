import { QueueError } from './errors';
import type { Registry } from './registry';
import { ON_TIME_GRACE_MS, parseCron } from './scheduler';
import type { RedisStore } from './store/redis/redis-store';
import type { EnqueueOptions, Schedule, ScheduleOptions } from './types';

interface StoredSchedule {
  cron: string;
  tz: string | null;
  kind: string;
  input: unknown;
  catchUp: 'once' | 'none';
  options: Record<string, unknown>;
}

function nextAfter(cron: string, tz: string | null, at: number): number {
  const next = parseCron(cron, tz ?? undefined).nextRun(new Date(at));
  if (!next) throw new QueueError('invalid_cron', `The cron expression "${cron}" never fires again.`);
  return next.getTime();
}

/**
 * Cron schedules on Redis, with the SQLite scheduler's rules: re-registering the same cron
 * keeps its due time, missed runs collapse into one (catchUp 'once') or are skipped. Firing
 * is the FIRE script: a compare-and-set on the due time and the enqueue in one atomic step,
 * so any number of runners, on any number of machines, fire each tick once.
 */
export class RedisScheduler {
  private nextCheck = 0;

  constructor(
    private readonly store: RedisStore,
    private readonly registry: Registry,
  ) {}

  async add(name: string, cron: string, kind: string, input: unknown, opts: ScheduleOptions = {}): Promise<Schedule> {
    if (typeof name !== 'string' || name.length === 0) throw new QueueError('invalid_option', 'A schedule needs a non-empty name.');
    parseCron(cron, opts.tz);
    const catchUp = opts.catchUp ?? 'once';
    if (catchUp !== 'once' && catchUp !== 'none') throw new QueueError('invalid_option', `catchUp must be 'once' or 'none' (got "${String(catchUp)}").`);
    const value = this.registry.build(kind, input, opts.enqueue ?? {}).input;
    const existing = await this.store.scheduleGet(name);
    const def: StoredSchedule = { cron: cron.trim(), tz: opts.tz ?? null, kind, input: value, catchUp, options: { ...(opts.enqueue ?? {}) } };
    const old = existing?.def as StoredSchedule | undefined;
    const keep = existing && old && old.cron === def.cron && old.tz === def.tz;
    const nextRunAt = keep ? existing.nextRunAt : nextAfter(def.cron, def.tz, Date.now());
    await this.store.schedulePut(name, def as unknown as Record<string, unknown>, nextRunAt);
    this.nextCheck = 0;
    return (await this.get(name))!;
  }

  remove(name: string): Promise<boolean> {
    return this.store.scheduleRemove(name);
  }

  async get(name: string): Promise<Schedule | null> {
    const s = await this.store.scheduleGet(name);
    if (!s) return null;
    const d = s.def as unknown as StoredSchedule;
    return { name, cron: d.cron, tz: d.tz, kind: d.kind, input: d.input, catchUp: d.catchUp, nextRunAt: s.nextRunAt, lastRunAt: s.lastRunAt };
  }

  async list(): Promise<Schedule[]> {
    const out: Schedule[] = [];
    for (const name of await this.store.scheduleNames()) {
      const s = await this.get(name);
      if (s) out.push(s);
    }
    return out;
  }

  /** Fires due schedules; returns the ids of the tasks it enqueued. */
  async tick(): Promise<number[]> {
    const now = Date.now();
    if (now < this.nextCheck) return [];
    const ids: number[] = [];
    for (const { name, dueAt } of await this.store.scheduleDue(now)) {
      const s = await this.store.scheduleGet(name);
      if (!s) continue;
      const d = s.def as unknown as StoredSchedule;
      let next: number;
      try {
        next = nextAfter(d.cron, d.tz, now);
      } catch {
        next = now + 365 * 86_400_000;
      }
      const onTime = now - dueAt <= ON_TIME_GRACE_MS;
      let shape = null;
      let input: unknown = null;
      if ((onTime || d.catchUp === 'once') && this.registry.has(d.kind)) {
        try {
          const built = this.registry.build(d.kind, d.input, d.options as EnqueueOptions, now);
          input = built.input;
          shape = built;
        } catch {
          // The kind's schema changed since the schedule was stored; the schedule stays, the run is skipped.
        }
      }
      const id = await this.store.fire(name, dueAt, next, shape !== null, now, shape, input);
      if (id > 0) ids.push(id);
    }
    this.nextCheck = (await this.store.scheduleNext()) ?? now + 60_000;
    return ids;
  }
}
