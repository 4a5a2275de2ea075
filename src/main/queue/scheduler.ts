import { Cron } from 'croner';
import { QueueError } from './errors';
import type { Registry } from './registry';
import type { Storage } from './store';
import type { EnqueueOptions, Schedule, ScheduleOptions } from './types';

/** How late a run may be and still count as "on time" for catchUp: 'none'. */
export const ON_TIME_GRACE_MS = 60_000;

/** Parses a 5-field cron (minute hour day month weekday) in a time zone; throws invalid_cron. */
export function parseCron(expr: string, tz?: string): Cron {
  if (typeof expr !== 'string' || expr.trim().split(/\s+/).length !== 5) {
    throw new QueueError('invalid_cron', `"${String(expr)}" is not a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 * * * *".`);
  }
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      throw new QueueError('invalid_timezone', `"${tz}" is not a known time zone (use an IANA name such as "Europe/Paris").`);
    }
  }
  try {
    return new Cron(expr.trim(), { timezone: tz, paused: true, mode: '5-part' });
  } catch (err) {
    throw new QueueError('invalid_cron', `"${expr}" is not a valid cron expression: ${(err as Error).message}`);
  }
}

function nextAfter(cron: Cron, at: number): number {
  const next = cron.nextRun(new Date(at));
  if (!next) throw new QueueError('invalid_cron', `The cron expression "${cron.getPattern()}" never fires again.`);
  return next.getTime();
}

/**
 * Cron schedules stored in the database. Each poll tick fires the due ones: a schedule is
 * advanced with a compare-and-set on its due time, so with several runners it fires once.
 * Runs missed while nothing was running collapse into one run (catchUp 'once') or are
 * skipped (catchUp 'none').
 */
export class Scheduler {
  private nextCheck = 0;

  constructor(
    private readonly storage: Storage,
    private readonly registry: Registry,
    private readonly enqueueInTxn: (kind: string, input: unknown, opts: EnqueueOptions) => number,
  ) {}

  add(name: string, cron: string, kind: string, input: unknown, opts: ScheduleOptions = {}): Schedule {
    if (typeof name !== 'string' || name.length === 0) throw new QueueError('invalid_option', 'A schedule needs a non-empty name.');
    const parsed = parseCron(cron, opts.tz);
    const catchUp = opts.catchUp ?? 'once';
    if (catchUp !== 'once' && catchUp !== 'none') throw new QueueError('invalid_option', `catchUp must be 'once' or 'none' (got "${String(catchUp)}").`);
    const value = this.registry.build(kind, input, opts.enqueue ?? {}).input;
    const now = Date.now();
    const existing = this.storage.schedules.get(name);
    // Re-registering the same cron at every start keeps its due time, so missed runs are still caught up.
    const keep = existing && existing.cron === cron.trim() && existing.tz === (opts.tz ?? null);
    const nextRunAt = keep ? existing.nextRunAt : nextAfter(parsed, now);
    this.storage.write(() =>
      this.storage.schedules.upsert({
        name,
        cron: cron.trim(),
        tz: opts.tz ?? null,
        kind,
        input: value,
        catchUp,
        nextRunAt,
        options: { ...(opts.enqueue ?? {}) },
      }),
    );
    this.nextCheck = 0;
    return this.storage.schedules.get(name)!;
  }

  remove(name: string): boolean {
    return this.storage.write(() => this.storage.schedules.remove(name));
  }

  list(): Schedule[] {
    return this.storage.schedules.all().map(({ options: _o, ...s }) => s);
  }

  /** Fires due schedules; returns the ids of the tasks it enqueued. */
  tick(now: number): number[] {
    if (now < this.nextCheck) return [];
    const ids: number[] = [];
    this.storage.write(() => {
      for (const s of this.storage.schedules.due(now)) {
        let next: number;
        try {
          next = nextAfter(parseCron(s.cron, s.tz ?? undefined), now);
        } catch {
          next = now + 365 * 86_400_000;
        }
        const onTime = now - s.nextRunAt <= ON_TIME_GRACE_MS;
        const run = (onTime || s.catchUp === 'once') && this.registry.has(s.kind);
        if (!this.storage.schedules.advance(s.name, s.nextRunAt, next, run ? now : null)) continue;
        if (run) {
          try {
            ids.push(this.enqueueInTxn(s.kind, s.input, s.options as EnqueueOptions));
          } catch {
            // The kind's schema changed since the schedule was stored; the schedule stays, the run is skipped.
          }
        }
      }
    });
    this.nextCheck = this.storage.schedules.nextDueAt() ?? now + 60_000;
    return ids;
  }
}
