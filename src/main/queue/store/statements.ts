import type { Database, Statement } from 'better-sqlite3';

/** Prepares each SQL text once per connection; dynamic claim filters reuse their shapes. */
export class Statements {
  private readonly cache = new Map<string, Statement>();

  constructor(readonly db: Database) {}

  get(sql: string, raw = false): Statement {
    const key = raw ? `raw:${sql}` : sql;
    let stmt = this.cache.get(key);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (raw) stmt.raw(true);
      this.cache.set(key, stmt);
    }
    return stmt;
  }
}

export const LIVE_SQL = `('queued', 'running', 'failed')`;
export const WAITING_SQL = `('queued', 'failed')`;
