/**
 * HeadWeights to and from storage. Two forms: a JSON value (readable, for the API and
 * debugging; float32 values survive the round trip exactly) and a compact binary blob for
 * SQLite (a small JSON header, then the float32 arrays little-endian). Both are checked
 * on the way in: what comes out of the database is not trusted blindly.
 */
import { z } from 'zod';
import { VisionError } from '../errors';
import { checkHead } from '../head-check';
import type { HeadWeights } from '../head';

const MAGIC = 0x4448504c; // "LPHD" read as little-endian u32
const VERSION = 1;

const LayerShape = z.object({
  inDim: z.number().int().positive(),
  outDim: z.number().int().positive(),
  activation: z.enum(['relu', 'none']),
});
const HeaderShape = z.object({
  kind: z.enum(['softmax', 'mlp']),
  inputDim: z.number().int().positive(),
  labels: z.array(z.string()),
  layers: z.array(LayerShape).min(1),
});
const nums = z.array(z.number());
const HeadJsonShape = HeaderShape.extend({
  format: z.literal('loupe-head'),
  version: z.literal(VERSION),
  mean: nums,
  std: nums,
  layers: z.array(LayerShape.extend({ weight: nums, bias: nums })).min(1),
});
export type HeadJSON = z.infer<typeof HeadJsonShape>;

function invalid(why: string): never {
  throw new VisionError('invalid_head', `The stored model head cannot be read: ${why}. Train the model again.`);
}

export function headToJSON(head: HeadWeights): HeadJSON {
  checkHead(head);
  return {
    format: 'loupe-head',
    version: VERSION,
    kind: head.kind,
    inputDim: head.inputDim,
    labels: [...head.labels],
    mean: Array.from(head.mean),
    std: Array.from(head.std),
    layers: head.layers.map((l) => ({
      inDim: l.inDim,
      outDim: l.outDim,
      activation: l.activation,
      weight: Array.from(l.weight),
      bias: Array.from(l.bias),
    })),
  };
}

export function headFromJSON(value: unknown): HeadWeights {
  const parsed = HeadJsonShape.safeParse(value);
  if (!parsed.success) invalid(parsed.error.issues[0]?.message ?? 'unexpected shape');
  const j = parsed.data;
  const head: HeadWeights = {
    kind: j.kind,
    inputDim: j.inputDim,
    labels: j.labels,
    mean: Float32Array.from(j.mean),
    std: Float32Array.from(j.std),
    layers: j.layers.map((l) => ({
      inDim: l.inDim,
      outDim: l.outDim,
      activation: l.activation,
      weight: Float32Array.from(l.weight),
      bias: Float32Array.from(l.bias),
    })),
  };
  checkHead(head);
  return head;
}

function arraysOf(head: HeadWeights): Float32Array[] {
  return [head.mean, head.std, ...head.layers.flatMap((l) => [l.weight, l.bias])];
}

/** Compact binary form (a Uint8Array; Node's Buffer is one too). */
export function serializeHead(head: HeadWeights): Uint8Array {
  checkHead(head);
  const header = new TextEncoder().encode(
    JSON.stringify({
      kind: head.kind,
      inputDim: head.inputDim,
      labels: head.labels,
      layers: head.layers.map((l) => ({ inDim: l.inDim, outDim: l.outDim, activation: l.activation })),
    }),
  );
  const headerEnd = 12 + header.length;
  const dataStart = (headerEnd + 3) & ~3;
  const arrays = arraysOf(head);
  const floats = arrays.reduce((s, a) => s + a.length, 0);
  const bytes = new Uint8Array(dataStart + floats * 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, 12);
  let off = dataStart;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++, off += 4) view.setFloat32(off, a[i], true);
  }
  return bytes;
}

export function deserializeHead(bytes: Uint8Array): HeadWeights {
  if (!(bytes instanceof Uint8Array) || bytes.length < 12) invalid('it is too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) invalid('it is not a Loupe head');
  const version = view.getUint32(4, true);
  if (version !== VERSION) invalid(`it has format version ${version}, this Loupe reads ${VERSION}`);
  const headerLen = view.getUint32(8, true);
  if (12 + headerLen > bytes.length) invalid('its header is truncated');
  let headerValue: unknown;
  try {
    headerValue = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLen)));
  } catch {
    invalid('its header is not valid JSON');
  }
  const parsed = HeaderShape.safeParse(headerValue);
  if (!parsed.success) invalid(parsed.error.issues[0]?.message ?? 'unexpected header');
  const h = parsed.data;
  const sizes = [h.inputDim, h.inputDim, ...h.layers.flatMap((l) => [l.inDim * l.outDim, l.outDim])];
  const dataStart = (12 + headerLen + 3) & ~3;
  const need = dataStart + sizes.reduce((s, n) => s + n, 0) * 4;
  if (bytes.length !== need) invalid(`it has ${bytes.length} bytes where ${need} were expected`);
  let off = dataStart;
  const read = (n: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, off += 4) a[i] = view.getFloat32(off, true);
    return a;
  };
  const mean = read(h.inputDim);
  const std = read(h.inputDim);
  const layers = h.layers.map((l) => {
    const weight = read(l.inDim * l.outDim);
    const bias = read(l.outDim);
    return { inDim: l.inDim, outDim: l.outDim, activation: l.activation, weight, bias };
  });
  const head: HeadWeights = { kind: h.kind, inputDim: h.inputDim, labels: h.labels, mean, std, layers };
  checkHead(head);
  return head;
}
