import type { Database, Statement } from 'better-sqlite3';

/**
 * The 256 px WebP thumbnails (migration 022), one per picture's content hash, whatever the
 * number of datasets holding the picture; removed with the last use of the hash.
 */
export class ThumbnailRepository {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  private statement(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Stores the thumbnail of `hash` unless it has one (the same bytes give the same thumbnail). */
  put(hash: string, webp: Buffer): void {
    this.statement('INSERT INTO thumbnails (hash, webp) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING').run(hash, webp);
  }

  get(hash: string): Buffer | null {
    const row = this.statement('SELECT webp FROM thumbnails WHERE hash = ?').get(hash) as { webp: Buffer } | undefined;
    return row?.webp ?? null;
  }

  has(hash: string): boolean {
    return this.statement('SELECT 1 FROM thumbnails WHERE hash = ?').get(hash) !== undefined;
  }

  remove(hash: string): void {
    this.statement('DELETE FROM thumbnails WHERE hash = ?').run(hash);
  }
}
