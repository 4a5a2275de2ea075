/**
 * The one forward pass of a head: standardise, dense layers, softmax. Training runs it on
 * mini-batches (with the loss), `predict` on chunks of embeddings for prediction, evaluation
 * and selection, and the exported ONNX graph (node/export/head-graph.ts) writes the same
 * operations in the same order (Sub, Div, Gemm, Relu, Softmax), checked against this file by
 * test/vision/export-head.test.ts. Buffers are handed in so callers reuse them.
 */
import { VisionError } from './errors';
import { checkHead } from './head-check';
import type { HeadLayer, HeadWeights } from './head';
import { matmulABt, reluInPlace } from './kernels';

/** Rows per prediction chunk: memory stays bounded however many rows come in. */
const CHUNK = 256;

/** One output buffer per layer, each big enough for `rows` rows of that layer's outputs. */
export function allocateActivations(layers: HeadLayer[], rows: number): Float32Array[] {
  return layers.map((l) => new Float32Array(rows * l.outDim));
}

/**
 * Runs the layers on rows [xOff/inDim, …) of X; returns the last buffer, which holds logits
 * (rows × classes). Hidden activations stay in `acts` for back-propagation.
 */
export function forwardLogits(layers: HeadLayer[], X: Float32Array, xOff: number, rows: number, acts: Float32Array[]): Float32Array {
  let input = X;
  let off = xOff;
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l];
    matmulABt(input, off, rows, layer.inDim, layer.weight, layer.outDim, acts[l], layer.bias);
    if (layer.activation === 'relu') reluInPlace(acts[l], rows * layer.outDim);
    input = acts[l];
    off = 0;
  }
  return acts[layers.length - 1];
}

export interface SoftmaxStats {
  /** Σ weight · cross-entropy over the rows. */
  weightedLoss: number;
  /** Σ weight over the rows. */
  weightSum: number;
  /** Rows whose arg-max is the true class. */
  correct: number;
}

/**
 * Turns logits into probabilities in place and, when `y` is given, adds each row's
 * cross-entropy (from the log-sum-exp, so a confident wrong answer costs a large finite
 * number rather than log 0) and accuracy to `stats`.
 */
export function softmaxWithLoss(
  Z: Float32Array,
  rows: number,
  classes: number,
  y: Int32Array | null,
  yOff: number,
  classWeight: Float32Array | null,
  stats: SoftmaxStats | null,
): void {
  for (let i = 0; i < rows; i++) {
    const o = i * classes;
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < classes; j++) {
      if (Z[o + j] > max) {
        max = Z[o + j];
        arg = j;
      }
    }
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(Z[o + j] - max);
    const lse = max + Math.log(sum);
    if (y !== null && stats !== null) {
      const t = y[yOff + i];
      const w = classWeight === null ? 1 : classWeight[t];
      stats.weightedLoss += w * (lse - Z[o + t]);
      stats.weightSum += w;
      if (arg === t) stats.correct++;
    }
    for (let j = 0; j < classes; j++) Z[o + j] = Math.exp(Z[o + j] - lse);
  }
}

/**
 * Probabilities, N×K row-major in the order of `head.labels`. `features` is one
 * Float32Array per row, or all rows back to back.
 */
export function predict(head: HeadWeights, features: Float32Array[] | Float32Array): Float32Array {
  checkHead(head);
  const D = head.inputDim;
  const K = head.labels.length;
  const flat = features instanceof Float32Array;
  if (flat && features.length % D !== 0) {
    throw new VisionError('dimension_mismatch', `Got ${features.length} feature values, not a whole number of rows of dimension ${D}.`);
  }
  const n = flat ? features.length / D : features.length;
  const out = new Float32Array(n * K);
  const buf = new Float32Array(Math.min(CHUNK, Math.max(n, 1)) * D);
  const acts = allocateActivations(head.layers, Math.min(CHUNK, Math.max(n, 1)));
  for (let first = 0; first < n; first += CHUNK) {
    const rows = Math.min(CHUNK, n - first);
    for (let r = 0; r < rows; r++) {
      const i = first + r;
      let row: Float32Array;
      if (flat) {
        row = features.subarray(i * D, (i + 1) * D);
      } else {
        row = features[i];
        if (!(row instanceof Float32Array) || row.length !== D) {
          throw new VisionError(
            'dimension_mismatch',
            `Row ${i} has dimension ${row instanceof Float32Array ? row.length : 'unknown'}; this model expects ${D}. ` +
              'It was trained on embeddings from another backbone.',
          );
        }
      }
      const o = r * D;
      for (let k = 0; k < D; k++) {
        const v = row[k];
        if (v - v !== 0) throw new VisionError('non_finite_feature', `Row ${i} has a feature that is ${v} (dimension ${k}); recompute its embedding.`);
        // Divide, as the exported graph does (Sub then Div), so app and ONNX agree closely.
        buf[o + k] = (v - head.mean[k]) / head.std[k];
      }
    }
    const Z = forwardLogits(head.layers, buf, 0, rows, acts);
    softmaxWithLoss(Z, rows, K, null, 0, null, null);
    out.set(Z.subarray(0, rows * K), first * K);
  }
  return out;
}
