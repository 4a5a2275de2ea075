import type { Database } from 'better-sqlite3';
import type { EmbedResult } from '../../vision/index';

/** One picture to embed: its content hash (the cache key) and where its bytes are. */
export interface EmbedSource {
  hash: string;
  path: string;
}

export interface EmbedFailure {
  hash: string;
  code: string;
  message: string;
}

export type Embedder = (paths: string[], opts: { signal?: AbortSignal }) => Promise<EmbedResult[]>;

/** Rows per IN (…) query and per embedding batch: bounded statements, steady progress. */
const CHUNK = 400;
const EMBED_BATCH = 32;

function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function fromBlob(b: Buffer): Float32Array {
  // SQLite hands back Buffers at any byte offset; Float32Array needs 4-byte alignment.
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

/**
 * Embeddings per (image hash, backbone id) in SQLite. A picture is embedded once per
 * backbone, whatever dataset it sits in and however often its label changes.
 */
export class EmbeddingCache {
  constructor(private readonly db: Database) {}

  /** The cached vectors of these hashes (missing ones are absent from the map). */
  get(backbone: string, hashes: readonly string[]): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    const unique = [...new Set(hashes)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      const rows = this.db
        .prepare(`SELECT hash, vector FROM embeddings WHERE backbone = ? AND hash IN (${part.map(() => '?').join(',')})`)
        .all(backbone, ...part) as Array<{ hash: string; vector: Buffer }>;
      for (const r of rows) out.set(r.hash, fromBlob(r.vector));
    }
    return out;
  }

  /** How many of these hashes have an embedding for this backbone. */
  countCached(backbone: string, hashes: readonly string[]): number {
    const unique = [...new Set(hashes)];
    let n = 0;
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      const row = this.db
        .prepare(`SELECT COUNT(*) AS n FROM embeddings WHERE backbone = ? AND hash IN (${part.map(() => '?').join(',')})`)
        .get(backbone, ...part) as { n: number };
      n += row.n;
    }
    return n;
  }

  put(backbone: string, hash: string, vector: Float32Array): void {
    this.db
      .prepare('INSERT OR IGNORE INTO embeddings (hash, backbone, dim, vector, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(hash, backbone, vector.length, toBlob(vector), new Date().toISOString());
  }

  /**
   * Every source's embedding: cached ones read back, missing ones computed with `embed`
   * (in batches, stored as they come, so a cancelled run keeps what it finished). Pictures
   * the backbone cannot read are reported, not thrown.
   */
  async ensure(
    backbone: string,
    sources: readonly EmbedSource[],
    embed: Embedder,
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<{ vectors: Map<string, Float32Array>; failed: EmbedFailure[]; computed: number }> {
    const vectors = this.get(
      backbone,
      sources.map((s) => s.hash),
    );
    const seen = new Set<string>();
    const missing = sources.filter((s) => !vectors.has(s.hash) && !seen.has(s.hash) && seen.add(s.hash));
    const failed: EmbedFailure[] = [];
    opts.onProgress?.(0, missing.length);
    for (let i = 0; i < missing.length; i += EMBED_BATCH) {
      opts.signal?.throwIfAborted();
      const part = missing.slice(i, i + EMBED_BATCH);
      const results = await embed(
        part.map((s) => s.path),
        { signal: opts.signal },
      );
      const insert = this.db.transaction(() => {
        results.forEach((r, j) => {
          const src = part[j];
          if (r.ok) {
            this.put(backbone, src.hash, r.embedding);
            vectors.set(src.hash, r.embedding);
          } else failed.push({ hash: src.hash, code: r.error.code, message: r.error.message });
        });
      });
      insert();
      opts.onProgress?.(Math.min(i + EMBED_BATCH, missing.length), missing.length);
    }
    return { vectors, failed, computed: missing.length - failed.length };
  }
}
