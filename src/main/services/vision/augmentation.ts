import type { Database } from 'better-sqlite3';
import sharp from 'sharp';
import type { EmbedInput, EmbedResult } from '../../vision/index';
import type { EmbedFailure, EmbedSource } from './embedding-cache';

/**
 * The fixed set of augmented copies a training run may add per labelled picture. Each is
 * made from the picture exactly as the backbone sees it (the documented resize), so it is
 * deterministic and costs one decode per picture for all variants together.
 */
export const VARIANTS = ['flip', 'crop85', 'jitter'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Share of each side kept by the centre crop before it is scaled back up. */
const CROP = 0.85;
/** Mild colour change: a picture slightly brighter and more saturated is still the same thing. */
const JITTER = { brightness: 1.12, saturation: 1.25 };

export interface AugmentHost {
  /** The backbone's resize: RGB bytes at its input size. */
  preprocess(path: string): Promise<Buffer>;
  inputSize(): { width: number; height: number };
  embed(inputs: EmbedInput[], opts: { signal?: AbortSignal }): Promise<EmbedResult[]>;
}

/** Pictures per round: one decode each, then all their variants embedded in one call. */
const BATCH = 16;
const CHUNK = 300;

async function makeVariant(rgb: Buffer, width: number, height: number, v: Variant): Promise<Uint8Array> {
  const raw = { raw: { width, height, channels: 3 as const } };
  let img = sharp(rgb, raw);
  if (v === 'flip') img = img.flop();
  else if (v === 'crop85') {
    const w = Math.round(width * CROP);
    const h = Math.round(height * CROP);
    img = img
      .extract({ left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h })
      .resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  } else img = img.modulate(JITTER);
  const { data, info } = await img.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(`Augmented copy ${v} came out ${info.width}×${info.height}×${info.channels}.`);
  }
  return data;
}

function fromBlob(b: Buffer): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

/**
 * Embeddings of augmented copies per (image hash, backbone, variant) in SQLite: computed
 * the first time a run asks for augmentation, read back by every later run.
 */
export class VariantCache {
  constructor(private readonly db: Database) {}

  /** Cached variant vectors: hash → variant → vector. */
  get(backbone: string, hashes: readonly string[]): Map<string, Map<Variant, Float32Array>> {
    const out = new Map<string, Map<Variant, Float32Array>>();
    const unique = [...new Set(hashes)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      const rows = this.db
        .prepare(`SELECT hash, variant, vector FROM embedding_variants WHERE backbone = ? AND hash IN (${part.map(() => '?').join(',')})`)
        .all(backbone, ...part) as Array<{ hash: string; variant: string; vector: Buffer }>;
      for (const r of rows) {
        if (!(VARIANTS as readonly string[]).includes(r.variant)) continue;
        let m = out.get(r.hash);
        if (!m) out.set(r.hash, (m = new Map()));
        m.set(r.variant as Variant, fromBlob(r.vector));
      }
    }
    return out;
  }

  /**
   * Every source's variants: cached ones read back, missing pictures decoded once and all
   * their variants embedded and stored batch by batch (a cancelled run keeps what it
   * finished). Pictures that cannot be read are reported, not thrown.
   */
  async ensure(
    backbone: string,
    sources: readonly EmbedSource[],
    host: AugmentHost,
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<{ vectors: Map<string, Map<Variant, Float32Array>>; failed: EmbedFailure[]; computed: number }> {
    const vectors = this.get(
      backbone,
      sources.map((s) => s.hash),
    );
    const seen = new Set<string>();
    const missing = sources.filter((s) => (vectors.get(s.hash)?.size ?? 0) < VARIANTS.length && !seen.has(s.hash) && seen.add(s.hash));
    const failed: EmbedFailure[] = [];
    const { width, height } = host.inputSize();
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO embedding_variants (hash, backbone, variant, dim, vector, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    let computed = 0;
    opts.onProgress?.(0, missing.length);
    for (let i = 0; i < missing.length; i += BATCH) {
      opts.signal?.throwIfAborted();
      const part = missing.slice(i, i + BATCH);
      const made = await Promise.all(
        part.map(async (src) => {
          try {
            const rgb = await host.preprocess(src.path);
            return { src, pixels: await Promise.all(VARIANTS.map((v) => makeVariant(rgb, width, height, v))) };
          } catch (err) {
            const code = (err as { code?: unknown }).code;
            failed.push({ hash: src.hash, code: typeof code === 'string' ? code : 'image_corrupt', message: err instanceof Error ? err.message : String(err) });
            return null;
          }
        }),
      );
      const ready = made.filter((m) => m !== null);
      const results = await host.embed(
        ready.flatMap((m) => m.pixels.map((pixels) => ({ pixels }))),
        { signal: opts.signal },
      );
      const at = new Date().toISOString();
      this.db.transaction(() => {
        ready.forEach((m, j) => {
          const rs = results.slice(j * VARIANTS.length, (j + 1) * VARIANTS.length);
          const bad = rs.find((r) => !r.ok);
          if (bad && !bad.ok) {
            failed.push({ hash: m.src.hash, code: bad.error.code, message: bad.error.message });
            return;
          }
          const byVariant = new Map<Variant, Float32Array>();
          rs.forEach((r, k) => {
            if (!r.ok) return;
            const v = r.embedding;
            insert.run(m.src.hash, backbone, VARIANTS[k], v.length, Buffer.from(v.buffer, v.byteOffset, v.byteLength), at);
            byVariant.set(VARIANTS[k], v);
          });
          vectors.set(m.src.hash, byVariant);
          computed++;
        });
      })();
      opts.onProgress?.(Math.min(i + BATCH, missing.length), missing.length);
    }
    return { vectors, failed, computed };
  }
}
