import type { Database, Statement } from 'better-sqlite3';
import { nowIso } from './ids';

/** Rows per IN (…) query: bounded statements, and a chunk's vectors fit one block. */
export const EMBEDDING_CHUNK = 400;

function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * The embeddings tables (migrations 002, 006, 008): one vector per (picture bytes, backbone),
 * and the augmented copies' vectors per (picture bytes, backbone, variant). Float32 LE blobs.
 */
export class EmbeddingRepository {
  private readonly statements = new Map<string, Statement>();
  private insert: Statement | null = null;
  private insertVariant: Statement | null = null;

  constructor(private readonly db: Database) {}

  /** One prepared `SELECT hash, <columns> … IN (?, …)` per shape: preparing a 400-value IN list each chunk is not free. */
  private chunkQuery(table: 'embeddings' | 'embedding_variants', columns: string, n: number): Statement {
    const key = `${table}/${columns}/${n}`;
    let st = this.statements.get(key);
    if (!st) {
      st = this.db.prepare(`SELECT hash, ${columns} FROM ${table} WHERE backbone = ? AND hash IN (${new Array<string>(n).fill('?').join(',')})`);
      this.statements.set(key, st);
    }
    return st;
  }

  /** `SELECT hash, <columns>` for up to EMBEDDING_CHUNK distinct hashes. */
  chunk<R>(columns: 'vector' | 'dim' | '1', backbone: string, hashes: readonly string[]): R[] {
    return this.chunkQuery('embeddings', columns, hashes.length).all(backbone, ...hashes) as R[];
  }

  put(backbone: string, hash: string, vector: Float32Array): void {
    this.insert ??= this.db.prepare('INSERT OR IGNORE INTO embeddings (hash, backbone, dim, vector, created_at) VALUES (?, ?, ?, ?, ?)');
    this.insert.run(hash, backbone, vector.length, toBlob(vector), nowIso());
  }

  /** The augmented copies' vectors of up to EMBEDDING_CHUNK hashes. */
  variantChunk(backbone: string, hashes: readonly string[]): Array<{ hash: string; variant: string; vector: Buffer }> {
    return this.chunkQuery('embedding_variants', 'variant, vector', hashes.length).all(backbone, ...hashes) as Array<{
      hash: string;
      variant: string;
      vector: Buffer;
    }>;
  }

  putVariant(backbone: string, hash: string, variant: string, vector: Float32Array): void {
    this.insertVariant ??= this.db.prepare(
      'INSERT OR IGNORE INTO embedding_variants (hash, backbone, variant, dim, vector, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertVariant.run(hash, backbone, variant, vector.length, toBlob(vector), nowIso());
  }

  /** Runs fn in one transaction (a batch of vectors lands together or not at all). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
