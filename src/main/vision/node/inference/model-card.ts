import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { z } from 'zod';
import { PIXELS_VERSION } from '../preprocess/resize-graph';
import { VisionError } from '../../pure/errors';

// The JSON card beside every backbone in models/: everything the engine needs to feed the model
// and read its features, so any ONNX image backbone can be dropped in.

const channelValues = z.array(z.number().finite()).min(1).max(3);

export const modelCardSchema = z.object({
  format: z.literal('loupe-backbone-card/1'),
  /** Stable id; embeddings are cached per (image hash, backbone id). Change it when the features change. */
  id: z.string().min(1).max(200),
  name: z.string().min(1),
  /** The ONNX file, relative to the card. */
  file: z.string().min(1),
  input: z.object({
    name: z.string().min(1),
    dtype: z.enum(['uint8', 'float32']),
    layout: z.enum(['NHWC', 'NCHW']),
    width: z.number().int().positive().max(4096),
    height: z.number().int().positive().max(4096),
    channels: z.literal(3),
    /** x' = (x - mean) / std on 0..255 RGB values, per channel (one value = all channels). */
    normalize: z.object({ mean: channelValues, std: channelValues.refine((s) => s.every((v) => v !== 0), 'std must not be 0') }),
    /** True when the graph normalises itself (the engine feeds raw 0..255 values). */
    normalizeInGraph: z.boolean(),
  }),
  output: z.object({
    name: z.string().min(1),
    /** Feature length D of the [N, D] output (an [N, D, 1, 1] output is accepted and flattened). */
    dim: z.number().int().positive(),
  }),
  /**
   * How the weights are stored: 'weights-uint8' (uint8 + DequantizeLinear, run as float: the
   * engine sets disable_quant_qdq), 'int8-static' (QDQ int8, run quantized), or 'none' (float).
   */
  quantization: z.enum(['none', 'weights-uint8', 'int8-static']).optional(),
  preprocess: z.object({ fit: z.literal('cover'), position: z.literal('centre'), kernel: z.literal('lanczos3'), alpha: z.literal('white') }).optional(),
  description: z.string().optional(),
  license: z.string().optional(),
  source: z.record(z.string(), z.unknown()).optional(),
  taps: z.array(z.object({ layer: z.string(), pool: z.enum(['avg', 'max']).default('avg'), dim: z.number().int().positive() })).optional(),
  selection: z.record(z.string(), z.unknown()).optional(),
});

export type ModelCard = z.infer<typeof modelCardSchema>;

/** The card path beside a model file: `models/x.onnx` -> `models/x.json`. */
export function cardPathFor(modelPath: string): string {
  return join(dirname(modelPath), `${basename(modelPath, extname(modelPath))}.json`);
}

export function parseModelCard(json: unknown, where: string): ModelCard {
  const r = modelCardSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new VisionError('card_invalid', `The model card ${where} is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'bad shape'}.`);
  }
  const c = r.data;
  if (c.input.dtype === 'uint8' && !c.input.normalizeInGraph) {
    const identity = c.input.normalize.mean.every((m) => m === 0) && c.input.normalize.std.every((s) => s === 1);
    if (!identity) throw new VisionError('card_invalid', `The model card ${where}: a uint8 input cannot be normalised outside the graph.`);
  }
  // The id names what the embeddings are made of: the network and how pixels reach it, so a
  // change of preparation (PIXELS_VERSION) makes cached embeddings and models of the old one
  // stale instead of mixing them with new ones.
  return { ...c, id: `${c.id}+${PIXELS_VERSION}` };
}

export function readModelCard(cardPath: string): ModelCard {
  if (!existsSync(cardPath)) throw new VisionError('card_invalid', `No model card at ${cardPath}; every backbone needs a JSON card beside it.`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(cardPath, 'utf8'));
  } catch {
    throw new VisionError('card_invalid', `The model card ${cardPath} is not valid JSON.`);
  }
  return parseModelCard(json, cardPath);
}

/** Resolves a card's model file path. */
export function modelFileOf(cardPath: string, card: ModelCard): string {
  return resolve(dirname(cardPath), card.file);
}
