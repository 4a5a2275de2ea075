/**
 * Input normalisation shared by the selection helpers: embeddings arrive as one
 * Float32Array per item or back to back; the algorithms want one contiguous, checked
 * matrix.
 */
import { VisionError } from '../errors';

export interface Matrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

export function toMatrix(features: Float32Array[] | Float32Array, rows: number, what = 'item'): Matrix {
  let dim: number;
  let data: Float32Array;
  if (features instanceof Float32Array) {
    if (rows === 0) return { rows: 0, dim: 0, data: new Float32Array(0) };
    if (features.length % rows !== 0 || features.length === 0) {
      throw new VisionError('dimension_mismatch', `Got ${features.length} feature values for ${rows} ${what}s: not a whole number per ${what}.`);
    }
    dim = features.length / rows;
    data = features;
  } else {
    if (features.length !== rows) {
      throw new VisionError('length_mismatch', `Got ${features.length} embeddings for ${rows} ${what}s.`);
    }
    if (rows === 0) return { rows: 0, dim: 0, data: new Float32Array(0) };
    dim = features[0].length;
    data = new Float32Array(rows * dim);
    for (let i = 0; i < rows; i++) {
      if (features[i].length !== dim) {
        throw new VisionError('dimension_mismatch', `The embedding of ${what} ${i} has dimension ${features[i].length}; the others have ${dim}.`);
      }
      data.set(features[i], i * dim);
    }
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      throw new VisionError('non_finite_feature', `The embedding of ${what} ${Math.floor(i / dim)} contains ${v}; recompute it.`);
    }
  }
  return { rows, dim, data };
}

/** Per-dimension mean and std over the picked rows; a constant dimension gets std 1. */
export function rowStats(m: Matrix, pick: ArrayLike<number>): { mean: Float32Array; std: Float32Array } {
  const { dim, data } = m;
  const n = Math.max(1, pick.length);
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let r = 0; r < pick.length; r++) {
    const o = pick[r] * dim;
    for (let k = 0; k < dim; k++) sum[k] += data[o + k];
  }
  const mean = new Float32Array(dim);
  for (let k = 0; k < dim; k++) mean[k] = sum[k] / n;
  for (let r = 0; r < pick.length; r++) {
    const o = pick[r] * dim;
    for (let k = 0; k < dim; k++) {
      const d = data[o + k] - mean[k];
      sq[k] += d * d;
    }
  }
  const std = new Float32Array(dim);
  for (let k = 0; k < dim; k++) {
    const s = Math.sqrt(sq[k] / n);
    std[k] = s > 1e-12 && Number.isFinite(s) ? s : 1;
  }
  return { mean, std };
}

/** Copy of the picked rows, standardised. */
export function standardizedRows(m: Matrix, pick: ArrayLike<number>, mean: Float32Array, std: Float32Array): Float32Array {
  const { dim, data } = m;
  const out = new Float32Array(pick.length * dim);
  for (let r = 0; r < pick.length; r++) {
    const o = pick[r] * dim;
    for (let k = 0; k < dim; k++) out[r * dim + k] = (data[o + k] - mean[k]) / std[k];
  }
  return out;
}

export function squaredDistance(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s0 = 0,
    s1 = 0;
  let k = 0;
  for (; k + 1 < dim; k += 2) {
    const d0 = a[ao + k] - b[bo + k];
    const d1 = a[ao + k + 1] - b[bo + k + 1];
    s0 += d0 * d0;
    s1 += d1 * d1;
  }
  if (k < dim) {
    const d = a[ao + k] - b[bo + k];
    s0 += d * d;
  }
  return s0 + s1;
}
