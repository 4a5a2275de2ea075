import { z } from 'zod';

/**
 * The compute kinds the server hands to `loupe worker`s over the broker, shared by both
 * ends: each end checks what crosses with these schemas (zod at the trust boundary).
 */
export const EMBED_KIND = 'embed-batch';

const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 content hash (64 lowercase hex digits)');

/** Pictures to embed, named by content hash: the worker fetches them from the server. */
export const EmbedBatchInput = z
  .object({
    backbone: z.string().min(1).max(200),
    hashes: z.array(Hash).min(1).max(256),
  })
  .strict();
export type EmbedBatchInput = z.infer<typeof EmbedBatchInput>;

/** One vector per hash, in order: little-endian float32 as base64, or why that picture failed. */
export const EmbedBatchResult = z
  .object({
    backbone: z.string(),
    dim: z.number().int().min(1).max(65_536),
    items: z.array(
      z.union([
        z.object({ hash: Hash, vector: z.string().max(400_000) }).strict(),
        z.object({ hash: Hash, error: z.object({ code: z.string().max(100), message: z.string().max(2000) }) }).strict(),
      ]),
    ),
  })
  .strict();
export type EmbedBatchResult = z.infer<typeof EmbedBatchResult>;

export function encodeVector(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function decodeVector(s: string, dim: number): Float32Array | null {
  const buf = Buffer.from(s, 'base64');
  if (buf.length !== dim * 4) return null;
  const out = new Float32Array(dim);
  new Uint8Array(out.buffer).set(buf);
  return out;
}
