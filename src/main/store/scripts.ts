import type { Database } from 'better-sqlite3';
import { toRowId } from './ids';

/** A saved script as the contract's ScriptRecord has it (the store imports nothing above it). */
export interface ScriptRecord {
  id: string;
  name: string;
  source: string;
  schedule: { cron: string; enabled: boolean; paused: { at: string; reason: string } | null } | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: number;
  name: string;
  source: string;
  schedule_cron: string | null;
  schedule_enabled: number;
  schedule_failures: number;
  schedule_paused_at: string | null;
  schedule_paused_reason: string | null;
  created_at: string;
  updated_at: string;
}

const toRecord = (r: Row): ScriptRecord => ({
  id: String(r.id),
  name: r.name,
  source: r.source,
  schedule: r.schedule_cron
    ? {
        cron: r.schedule_cron,
        enabled: r.schedule_enabled === 1,
        paused: r.schedule_paused_at ? { at: r.schedule_paused_at, reason: r.schedule_paused_reason ?? '' } : null,
      }
    : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Saved scripts in Loupe's database. */
export class ScriptRepository {
  /** The table comes from store migration 005. */
  constructor(private readonly db: Database) {}

  list(): ScriptRecord[] {
    return (this.db.prepare('SELECT * FROM scripts ORDER BY name COLLATE NOCASE, id').all() as Row[]).map(toRecord);
  }

  get(id: string): ScriptRecord | null {
    const rowId = toRowId(id);
    if (rowId === null) return null;
    const r = this.db.prepare('SELECT * FROM scripts WHERE id = ?').get(rowId) as Row | undefined;
    return r ? toRecord(r) : null;
  }

  create(name: string, source: string): ScriptRecord {
    const now = new Date().toISOString();
    const r = this.db.prepare('INSERT INTO scripts (name, source, created_at, updated_at) VALUES (?, ?, ?, ?)').run(name, source, now, now);
    return this.get(String(r.lastInsertRowid))!;
  }

  update(id: string, patch: { name?: string; source?: string }): ScriptRecord | null {
    const cur = this.get(id);
    if (!cur) return null;
    this.db
      .prepare('UPDATE scripts SET name = ?, source = ?, updated_at = ? WHERE id = ?')
      .run(patch.name ?? cur.name, patch.source ?? cur.source, new Date().toISOString(), toRowId(id));
    return this.get(id);
  }

  /** Sets or clears the schedule; either way a pause and the failure count are forgotten (resume). */
  setSchedule(id: string, schedule: { cron: string; enabled: boolean } | null): ScriptRecord | null {
    this.db
      .prepare(
        `UPDATE scripts SET schedule_cron = ?, schedule_enabled = ?, schedule_failures = 0,
        schedule_paused_at = NULL, schedule_paused_reason = NULL, updated_at = ? WHERE id = ?`,
      )
      .run(schedule?.cron ?? null, schedule?.enabled ? 1 : 0, new Date().toISOString(), toRowId(id));
    return this.get(id);
  }

  /** Records how a scheduled run ended; answers the number of failures in a row now. */
  noteScheduledRun(id: string, ok: boolean): number {
    const rowId = toRowId(id);
    if (ok) this.db.prepare('UPDATE scripts SET schedule_failures = 0 WHERE id = ?').run(rowId);
    else this.db.prepare('UPDATE scripts SET schedule_failures = schedule_failures + 1 WHERE id = ?').run(rowId);
    const r = this.db.prepare('SELECT schedule_failures AS n FROM scripts WHERE id = ?').get(rowId) as { n: number } | undefined;
    return r?.n ?? 0;
  }

  /** Turns the schedule off and says why; the cron stays so that it can be resumed as written. */
  pauseSchedule(id: string, reason: string): ScriptRecord | null {
    this.db
      .prepare('UPDATE scripts SET schedule_enabled = 0, schedule_paused_at = ?, schedule_paused_reason = ? WHERE id = ?')
      .run(new Date().toISOString(), reason, toRowId(id));
    return this.get(id);
  }

  delete(id: string): boolean {
    const rowId = toRowId(id);
    return rowId !== null && this.db.prepare('DELETE FROM scripts WHERE id = ?').run(rowId).changes > 0;
  }
}
