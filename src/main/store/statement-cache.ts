import type { Database, Statement } from 'better-sqlite3';

/** Distinct SQL texts kept prepared (dynamic `IN (?, …)` lists make one text per length). */
const MAX_STATEMENTS = 512;

/**
 * The connection as the repositories see it: `prepare` answers the statement already prepared
 * for the same SQL text. better-sqlite3 parses and plans the SQL afresh on every call, and for
 * most of the repositories' small statements that cost more than running them (an import made
 * five such calls per picture). Everything else is the connection itself (its prototype).
 *
 * Safe because no repository changes a statement's mode (`raw`, `pluck`, `expand`) or keeps
 * one iterating: every call runs to completion before the next can take the same statement.
 * The queue, which sets `raw` on its own statements, is handed the plain connection.
 */
export function withStatementCache(db: Database): Database {
  const cache = new Map<string, Statement>();
  const prepare = (sql: string): Statement => {
    let stmt = cache.get(sql);
    if (stmt) {
      // Most recently used last, so the oldest is evicted first.
      cache.delete(sql);
      cache.set(sql, stmt);
      return stmt;
    }
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
    if (cache.size > MAX_STATEMENTS) cache.delete(cache.keys().next().value as string);
    return stmt;
  };
  return Object.create(db, { prepare: { value: prepare } }) as Database;
}
