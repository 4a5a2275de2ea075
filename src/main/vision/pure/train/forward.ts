/**
 * The forward pass of a layer stack on a block of standardised rows, shared by training
 * (mini-batches) and prediction (chunks). Buffers are handed in so callers reuse them.
 */
import { matmulABt, reluInPlace } from './kernels';
import type { HeadLayer } from '../head';

/** One output buffer per layer, each big enough for `rows` rows of that layer's outputs. */
export function allocateActivations(layers: HeadLayer[], rows: number): Float32Array[] {
  return layers.map((l) => new Float32Array(rows * l.outDim));
}

/**
 * Runs the layers on rows [xOff/inDim, …) of X; returns the last buffer, which holds logits
 * (rows × classes). Hidden activations stay in `acts` for back-propagation.
 */
export function forwardLogits(
  layers: HeadLayer[], X: Float32Array, xOff: number, rows: number, acts: Float32Array[],
): Float32Array {
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
  Z: Float32Array, rows: number, classes: number,
  y: Int32Array | null, yOff: number, classWeight: Float32Array | null, stats: SoftmaxStats | null,
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
