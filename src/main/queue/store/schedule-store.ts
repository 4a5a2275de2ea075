import type { Database } from 'better-sqlite3';
import type { Schedule } from '../types';
import { fromJson, toJson } from './rows';
import { Statements } from './statements';

interface ScheduleRow {
  name: string;
  cron: string;
  tz: string | null;
  kind: string;
  input: string | null;
  options: string | null;
  catch_up: 'once' | 'none';
  next_run_at: number;
  last_run_at: number | null;
}

export interface DueSchedule extends Schedule {
  options: Record<string, unknown>;
}

function toSchedule(r: ScheduleRow): DueSchedule {
  return {
    name: r.name,
    cron: r.cron,
    tz: r.tz,
    kind: r.kind,
    input: fromJson(r.input),
    catchUp: r.catch_up,
    nextRunAt: r.next_run_at,
    lastRunAt: r.last_run_at,
    options: (fromJson(r.options) ?? {}) as Record<string, unknown>,
  };
}

/** Cron schedules: stored so runs missed while nothing ran can be caught up at start. */
export class ScheduleStore {
  private readonly s: Statements;

  constructor(readonly db: Database) {
    this.s = new Statements(db);
  }

  get(name: string): DueSchedule | null {
    const r = this.s.get('SELECT * FROM queue_schedules WHERE name = ?').get(name) as ScheduleRow | undefined;
    return r ? toSchedule(r) : null;
  }

  all(): DueSchedule[] {
    return (this.s.get('SELECT * FROM queue_schedules ORDER BY name').all() as ScheduleRow[]).map(toSchedule);
  }

  upsert(s: Omit<DueSchedule, 'lastRunAt'>): void {
    this.s
      .get(
        `INSERT INTO queue_schedules(name, cron, tz, kind, input, options, catch_up, next_run_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET cron = excluded.cron, tz = excluded.tz, kind = excluded.kind, input = excluded.input,
              options = excluded.options, catch_up = excluded.catch_up, next_run_at = excluded.next_run_at`,
      )
      .run(s.name, s.cron, s.tz, s.kind, toJson(s.input), toJson(s.options), s.catchUp, s.nextRunAt);
  }

  remove(name: string): boolean {
    return this.s.get('DELETE FROM queue_schedules WHERE name = ?').run(name).changes > 0;
  }

  due(now: number): DueSchedule[] {
    return (this.s.get('SELECT * FROM queue_schedules WHERE next_run_at <= ? ORDER BY next_run_at').all(now) as ScheduleRow[]).map(toSchedule);
  }

  /** Moves a schedule on, fenced by the due time it was read with so two runners fire it once. */
  advance(name: string, dueAt: number, nextRunAt: number, ranAt: number | null): boolean {
    return (
      this.s
        .get('UPDATE queue_schedules SET next_run_at = ?, last_run_at = coalesce(?, last_run_at) WHERE name = ? AND next_run_at = ?')
        .run(nextRunAt, ranAt, name, dueAt).changes > 0
    );
  }

  nextDueAt(): number | null {
    return (this.s.get('SELECT min(next_run_at) AS t FROM queue_schedules').get() as { t: number | null }).t;
  }
}
