import type { EmbedResult } from '../../vision/index';
import { EMBEDDING_CHUNK as CHUNK, type EmbeddingRepository } from '../../store/embeddings';

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

/** Pictures per embedding batch: steady progress, and what onnxruntime runs best at. */
export const EMBED_BATCH = 32;

/**
 * One chunk's vectors as views into one shared block. A separate buffer per vector made a
 * 60,000-picture training run hold 60,000 backing stores; when the next run let them go,
 * V8 freed them in one stop-the-world collection of 1.4 s (profiled: `loupe serve` logged
 * it at every second training start). One block per chunk is 400× fewer.
 */
export function vectorsOf(blobs: readonly Buffer[]): Float32Array[] {
  let total = 0;
  for (const b of blobs) total += b.byteLength >>> 2;
  const slab = new Float32Array(total);
  const bytes = new Uint8Array(slab.buffer);
  let at = 0;
  return blobs.map((b) => {
    const n = b.byteLength >>> 2;
    bytes.set(b.subarray(0, n * 4), at * 4);
    return slab.subarray(at, (at += n));
  });
}

function slabOf(rows: ReadonlyArray<{ hash: string; vector: Buffer }>, into: Map<string, Float32Array>): void {
  vectorsOf(rows.map((r) => r.vector)).forEach((v, i) => into.set(rows[i].hash, v));
}

/**
 * Embeddings per (image hash, backbone id) in SQLite. A picture is embedded once per
 * backbone, whatever dataset it sits in and however often its label changes.
 */
export class EmbeddingCache {
  constructor(private readonly rows: EmbeddingRepository) {}

  /** Runs `SELECT hash, <columns>` over the distinct hashes, CHUNK at a time, handing each chunk's rows on. */
  private eachChunk<R>(columns: 'vector' | 'dim' | '1', backbone: string, hashes: readonly string[], use: (rows: R[]) => void): void {
    const unique = [...new Set(hashes)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      use(this.rows.chunk<R>(columns, backbone, part));
    }
  }

  /**
   * As eachChunk, yielding to the event loop between chunks. Reading a whole large dataset's
   * vectors (60,000 × 6 KB) takes seconds; in one go it froze the API for 8–11 s, long enough
   * for keep-alive clients to see their connections reset.
   */
  private async eachChunkYielding<R>(
    columns: 'vector' | 'dim' | '1',
    backbone: string,
    hashes: readonly string[],
    use: (rows: R[]) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const unique = [...new Set(hashes)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      signal?.throwIfAborted();
      const part = unique.slice(i, i + CHUNK);
      use(this.rows.chunk<R>(columns, backbone, part));
      if (i + CHUNK < unique.length) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The cached vectors of these hashes (missing ones are absent from the map). */
  get(backbone: string, hashes: readonly string[]): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    this.eachChunk<{ hash: string; vector: Buffer }>('vector', backbone, hashes, (rows) => slabOf(rows, out));
    return out;
  }

  /** The length of each cached vector of these hashes, without reading the vectors. */
  dims(backbone: string, hashes: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    this.eachChunk<{ hash: string; dim: number }>('dim', backbone, hashes, (rows) => {
      for (const r of rows) out.set(r.hash, r.dim);
    });
    return out;
  }

  /**
   * Copies the cached vectors of `hashes` (all cached, each `dim` long) into `out`, row j at
   * j·dim: straight from SQLite's bytes, with no per-vector array in between.
   */
  readInto(backbone: string, hashes: readonly string[], out: Float32Array, dim: number): void {
    const bytes = new Uint8Array(out.buffer, out.byteOffset, hashes.length * dim * 4);
    const at = new Map<string, number[]>();
    hashes.forEach((h, j) => {
      const list = at.get(h);
      if (list) list.push(j);
      else at.set(h, [j]);
    });
    let found = 0;
    this.eachChunk<{ hash: string; vector: Buffer }>('vector', backbone, hashes, (rows) => {
      for (const r of rows) {
        if (r.vector.byteLength !== dim * 4) throw new Error(`The cached embedding of ${r.hash} has ${r.vector.byteLength / 4} values, not ${dim}.`);
        for (const j of at.get(r.hash)!) bytes.set(r.vector, j * dim * 4);
        found++;
      }
    });
    if (found !== at.size) throw new Error(`${at.size - found} embeddings vanished from the cache while being read.`);
  }

  /** How many of these hashes have an embedding for this backbone. */
  countCached(backbone: string, hashes: readonly string[]): number {
    let n = 0;
    this.eachChunk<{ hash: string }>('1', backbone, hashes, (rows) => (n += rows.length));
    return n;
  }

  put(backbone: string, hash: string, vector: Float32Array): void {
    this.rows.put(backbone, hash, vector);
  }

  /**
   * Embeds the sources not cached yet (in batches, stored as they come, so a cancelled run
   * keeps what it finished) and, unless `vectors: false`, reads every source's embedding back.
   * Pictures the backbone cannot read are reported, not thrown. Only hashes are read to find
   * what is missing, and the vectors are read a chunk at a time between event-loop turns.
   */
  async ensure(
    backbone: string,
    sources: readonly EmbedSource[],
    embed: Embedder,
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void; vectors?: boolean } = {},
  ): Promise<{ vectors: Map<string, Float32Array>; failed: EmbedFailure[]; computed: number }> {
    const hashes = sources.map((s) => s.hash);
    const cached = new Set<string>();
    await this.eachChunkYielding<{ hash: string }>('1', backbone, hashes, (rows) => rows.forEach((r) => cached.add(r.hash)), opts.signal);
    const missing = sources.filter((s) => !cached.has(s.hash) && (cached.add(s.hash), true));
    const failed: EmbedFailure[] = [];
    opts.onProgress?.(0, missing.length);
    for (let i = 0; i < missing.length; i += EMBED_BATCH) {
      opts.signal?.throwIfAborted();
      const part = missing.slice(i, i + EMBED_BATCH);
      const results = await embed(
        part.map((s) => s.path),
        { signal: opts.signal },
      );
      this.rows.transaction(() => {
        results.forEach((r, j) => {
          const src = part[j];
          if (r.ok) this.put(backbone, src.hash, r.embedding);
          else failed.push({ hash: src.hash, code: r.error.code, message: r.error.message });
        });
      });
      opts.onProgress?.(Math.min(i + EMBED_BATCH, missing.length), missing.length);
    }
    const vectors = new Map<string, Float32Array>();
    if (opts.vectors !== false) {
      await this.eachChunkYielding<{ hash: string; vector: Buffer }>('vector', backbone, hashes, (rows) => slabOf(rows, vectors), opts.signal);
    }
    return { vectors, failed, computed: missing.length - failed.length };
  }
}
