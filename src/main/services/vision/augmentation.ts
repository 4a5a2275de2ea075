import sharp from 'sharp';
import type { EmbedInput, EmbedResult } from '../../vision/index';
import { EMBEDDING_CHUNK as CHUNK, type EmbeddingRepository } from '../../store/embeddings';
import { vectorsOf, type EmbedFailure, type EmbedSource } from './embedding-cache';

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

/** Every variant's embedding of one picture, in VARIANTS order, or why the picture could not be used. */
export type VariantResult = { ok: true; embeddings: Float32Array[] } | { ok: false; error: { code: string; message: string } };

export interface AugmentHost {
  /** Decodes each picture once, makes every variant and embeds them (BackboneHost: in the inference process). */
  embedVariants(paths: string[], opts: { signal?: AbortSignal }): Promise<VariantResult[]>;
}

/** What embedVariantsWith needs of an engine: its resize, its input size and embed. */
export interface VariantEngine {
  preprocess(path: string): Promise<Buffer>;
  inputSize(): { width: number; height: number };
  embed(inputs: EmbedInput[], opts: { signal?: AbortSignal }): Promise<EmbedResult[]>;
}

/**
 * The variants of each picture, made from the backbone's own resize and embedded in one call.
 * The inference process runs this beside its engine, so no pixels cross between processes.
 */
export async function embedVariantsWith(engine: VariantEngine, paths: string[], signal?: AbortSignal): Promise<VariantResult[]> {
  const { width, height } = engine.inputSize();
  const made = await Promise.all(
    paths.map(async (path): Promise<{ pixels: Uint8Array[] } | { error: { code: string; message: string } }> => {
      try {
        const rgb = await engine.preprocess(path);
        return { pixels: await Promise.all(VARIANTS.map((v) => makeVariant(rgb, width, height, v))) };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        return { error: { code: typeof code === 'string' ? code : 'image_corrupt', message: err instanceof Error ? err.message : String(err) } };
      }
    }),
  );
  const results = await engine.embed(
    made.flatMap((m) => ('pixels' in m ? m.pixels.map((pixels) => ({ pixels })) : [])),
    { signal },
  );
  let at = 0;
  return made.map((m): VariantResult => {
    if ('error' in m) return { ok: false, error: m.error };
    const rs = results.slice(at, (at += VARIANTS.length));
    const embeddings: Float32Array[] = [];
    for (const r of rs) {
      if (!r.ok) return { ok: false, error: r.error };
      embeddings.push(r.embedding);
    }
    return { ok: true, embeddings };
  });
}

/** Pictures per round: one decode each, then all their variants embedded in one call (in the inference process). */
const BATCH = 16;

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

/**
 * Embeddings of augmented copies per (image hash, backbone, variant) in SQLite: computed
 * the first time a run asks for augmentation, read back by every later run.
 */
export class VariantCache {
  constructor(private readonly rows: EmbeddingRepository) {}

  /** Cached variant vectors: hash → variant → vector. */
  get(backbone: string, hashes: readonly string[]): Map<string, Map<Variant, Float32Array>> {
    const out = new Map<string, Map<Variant, Float32Array>>();
    const unique = [...new Set(hashes)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      const rows = this.rows.variantChunk(backbone, part);
      // Views into one block per chunk, as the embedding cache reads them (see vectorsOf).
      const known = rows.filter((r) => (VARIANTS as readonly string[]).includes(r.variant));
      vectorsOf(known.map((r) => r.vector)).forEach((v, j) => {
        const r = known[j];
        let m = out.get(r.hash);
        if (!m) out.set(r.hash, (m = new Map()));
        m.set(r.variant as Variant, v);
      });
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
    let computed = 0;
    opts.onProgress?.(0, missing.length);
    for (let i = 0; i < missing.length; i += BATCH) {
      opts.signal?.throwIfAborted();
      const part = missing.slice(i, i + BATCH);
      const results = await host.embedVariants(
        part.map((src) => src.path),
        { signal: opts.signal },
      );
      this.rows.transaction(() => {
        results.forEach((r, j) => {
          const src = part[j];
          if (!r.ok) {
            failed.push({ hash: src.hash, code: r.error.code, message: r.error.message });
            return;
          }
          const byVariant = new Map<Variant, Float32Array>();
          r.embeddings.forEach((v, k) => {
            this.rows.putVariant(backbone, src.hash, VARIANTS[k], v);
            byVariant.set(VARIANTS[k], v);
          });
          vectors.set(src.hash, byVariant);
          computed++;
        });
      });
      opts.onProgress?.(Math.min(i + BATCH, missing.length), missing.length);
    }
    return { vectors, failed, computed };
  }
}
