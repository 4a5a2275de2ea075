import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { VisionError } from '../../pure/errors';

// A TF.js layers model as saved by tfjs-converter or Teachable Machine: a Keras topology and a
// weights manifest whose tensors lie back to back in the shard files, in manifest order.

const quantizationSchema = z.object({
  dtype: z.enum(['uint8', 'uint16', 'float16']),
  min: z.number().optional(),
  scale: z.number().optional(),
});
const weightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32']),
  quantization: quantizationSchema.optional(),
});
const manifestSchema = z.array(z.object({ paths: z.array(z.string()), weights: z.array(weightSpecSchema) }));
const layerSchema: z.ZodType<KerasLayer> = z.lazy(() =>
  z.object({
    class_name: z.string(),
    name: z.string().optional(),
    config: z.record(z.string(), z.unknown()),
    inbound_nodes: z.array(z.unknown()).optional(),
  }),
);
const modelConfigSchema = z.object({ class_name: z.string(), config: z.unknown() });
// Keras-converted models wrap the config in `model_config`; models saved by TF.js itself
// (Teachable Machine) put it at the top.
const topologySchema = z.union([
  z.object({ model_config: modelConfigSchema }).transform((t) => t.model_config),
  modelConfigSchema.transform((t) => ({ class_name: t.class_name, config: t.config })),
]);
export const modelJsonSchema = z.object({ modelTopology: topologySchema, weightsManifest: manifestSchema });

export interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

export type WeightSpec = z.infer<typeof weightSpecSchema>;

/** One weight tensor as stored: quantized bytes with their affine parameters, or float32. */
export interface StoredWeight {
  spec: WeightSpec;
  /** Float values as TF.js would decode them (q·scale + min for uint8/uint16). */
  values: Float32Array;
  /** Present for uint8 tensors whose zero point -min/scale is a whole number: lossless as ONNX uint8. */
  quantized?: { data: Uint8Array; scale: number; zeroPoint: number };
}

export interface LayersModel {
  /** Where it came from, for error messages. */
  source: string;
  modelConfig: { class_name: string; config: unknown };
  weights: Map<string, StoredWeight>;
}

export { layerSchema };

function float16ToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decodeWeights(specs: WeightSpec[], data: Uint8Array, source: string): Map<string, StoredWeight> {
  const out = new Map<string, StoredWeight>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    const bytesPer = q ? (q.dtype === 'uint8' ? 1 : 2) : 4;
    const end = offset + count * bytesPer;
    if (end > data.length) {
      throw new VisionError('model_invalid', `${source}: weight ${spec.name} runs past the end of the weight files.`);
    }
    const view = new DataView(data.buffer, data.byteOffset + offset, count * bytesPer);
    const values = new Float32Array(count);
    let quantized: StoredWeight['quantized'];
    if (!q) {
      for (let i = 0; i < count; i++) values[i] = spec.dtype === 'int32' ? view.getInt32(i * 4, true) : view.getFloat32(i * 4, true);
    } else if (q.dtype === 'float16') {
      for (let i = 0; i < count; i++) values[i] = float16ToFloat32(view.getUint16(i * 2, true));
    } else {
      const min = q.min ?? 0;
      const scale = q.scale ?? 1;
      for (let i = 0; i < count; i++) {
        const v = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true);
        values[i] = v * scale + min;
      }
      const zp = -min / scale;
      if (q.dtype === 'uint8' && scale > 0 && Math.abs(zp - Math.round(zp)) < 1e-3 && zp >= 0 && zp <= 255) {
        quantized = { data: data.slice(offset, end), scale, zeroPoint: Math.round(zp) };
      }
    }
    out.set(spec.name, { spec, values, quantized });
    offset = end;
  }
  return out;
}

function parseModelJson(json: unknown, source: string): z.infer<typeof modelJsonSchema> {
  const parsed = modelJsonSchema.safeParse(json);
  if (!parsed.success) {
    throw new VisionError('model_invalid', `${source} is not a TF.js layers model: ${parsed.error.issues[0]?.message ?? 'bad shape'}.`);
  }
  return parsed.data;
}

/** Loads a standard TF.js layers model: `model.json` beside its `.bin` shards (Teachable Machine export). */
export function loadLayersModelFile(modelJsonPath: string): LayersModel {
  if (!existsSync(modelJsonPath)) throw new VisionError('model_not_found', `No model file at ${modelJsonPath}.`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
  } catch {
    throw new VisionError('model_invalid', `${modelJsonPath} is not valid JSON.`);
  }
  const m = parseModelJson(json, modelJsonPath);
  const dir = dirname(modelJsonPath);
  const specs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of m.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = join(dir, p);
      if (!existsSync(file)) throw new VisionError('model_invalid', `${modelJsonPath}: weight file ${p} is missing.`);
      chunks.push(readFileSync(file));
    }
  }
  return { source: modelJsonPath, modelConfig: m.modelTopology, weights: decodeWeights(specs, Buffer.concat(chunks), modelJsonPath) };
}

/**
 * Loads a model packaged the nsfwjs way: `model.min.js` exporting `{modelTopology, weightsManifest}`
 * and one `<shard>.min.js` module per weight file exporting its bytes as base64. Read by path:
 * the package's `exports` map forbids importing them by specifier.
 */
export function loadMinJsLayersModel(folder: string): LayersModel {
  const dir = resolve(folder);
  const modelPath = join(dir, 'model.min.js');
  if (!existsSync(modelPath)) throw new VisionError('model_not_found', `No model.min.js in ${dir}.`);
  const req = createRequire(import.meta.url);
  const m = parseModelJson(req(modelPath), modelPath);
  const specs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of m.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const shard: unknown = req(join(dir, `${p}.min.js`));
      if (typeof shard !== 'string') throw new VisionError('model_invalid', `${dir}/${p}.min.js does not export base64 weights.`);
      chunks.push(Buffer.from(shard, 'base64'));
    }
  }
  return { source: modelPath, modelConfig: m.modelTopology, weights: decodeWeights(specs, Buffer.concat(chunks), modelPath) };
}

/** The raw topology and weight bytes, as TF.js's own loader wants them (used by the verification test). */
export function readMinJsArtifacts(folder: string): { modelTopology: unknown; weightSpecs: WeightSpec[]; weightData: ArrayBuffer } {
  const req = createRequire(import.meta.url);
  const dir = resolve(folder);
  const m = req(join(dir, 'model.min.js')) as { modelTopology: unknown; weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }> };
  const specs = m.weightsManifest.flatMap((g) => g.weights);
  const bytes = Buffer.concat(m.weightsManifest.flatMap((g) => g.paths.map((p) => Buffer.from(req(join(dir, `${p}.min.js`)) as string, 'base64'))));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { modelTopology: m.modelTopology, weightSpecs: specs, weightData };
}
