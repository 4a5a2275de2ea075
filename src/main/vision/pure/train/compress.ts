/**
 * Input compression for the MLP. Its first layer costs N·D·H multiply-adds forward and as
 * many backward, every epoch: at D = 1,280 and H = 64 that is most of a second per epoch in
 * plain JavaScript. Projecting the standardised inputs once onto their top principal
 * subspace (r ≈ 128 directions, found by a randomised range finder on a sample) makes the
 * epochs ~10× cheaper; the projection is linear, so after training it is folded into the
 * first layer and the exported head keeps the agreed D → H → K shape.
 *
 * The hidden layer's weights already have rank ≤ H, so restricting them to the
 * high-variance subspace is a mild constraint (and a mild regulariser).
 */
import { accumulateAtB, matmulABt } from '../kernels';
import { createRng } from './random';
import type { HeadLayer } from '../head';

export interface Compression {
  /** Orthonormal rows spanning the kept subspace, r×D row-major. */
  basis: Float32Array;
  components: number;
  /** Mean and std of the projected training rows, to standardise them again. */
  mean: Float32Array;
  std: Float32Array;
}

const SAMPLE_ROWS = 2000;

/** Modified Gram–Schmidt on the rows of M (rows×dim), in place; returns how many survive. */
function orthonormalizeRows(M: Float32Array, rows: number, dim: number): number {
  let kept = 0;
  const v = new Float64Array(dim);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < dim; k++) v[k] = M[i * dim + k];
    for (let pass = 0; pass < 2; pass++) {
      // Two passes keep the basis orthogonal to float32 precision.
      for (let j = 0; j < kept; j++) {
        let d = 0;
        for (let k = 0; k < dim; k++) d += v[k] * M[j * dim + k];
        for (let k = 0; k < dim; k++) v[k] -= d * M[j * dim + k];
      }
    }
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += v[k] * v[k];
    norm = Math.sqrt(norm);
    if (norm < 1e-6) continue; // dependent direction: drop it
    for (let k = 0; k < dim; k++) M[kept * dim + k] = v[k] / norm;
    kept++;
  }
  return kept;
}

/**
 * Finds the subspace: the class means of the first `rows` rows of X (standardised,
 * rows×dim, labels y), then B = Ω·XᵀX on up to SAMPLE_ROWS of them, one step of subspace
 * iteration from random directions Ω, whose rows lean towards the directions of largest
 * variance.
 */
export function fitCompression(X: Float32Array, rows: number, dim: number, components: number, seed: number, y: Int32Array, classes: number): Compression {
  const rng = createRng(seed);
  const s = Math.min(rows, SAMPLE_ROWS);
  let sample = X;
  if (rows > s) {
    sample = new Float32Array(s * dim);
    const step = rows / s;
    for (let i = 0; i < s; i++) {
      const src = Math.min(rows - 1, Math.floor(i * step + rng.next() * step));
      sample.set(X.subarray(src * dim, (src + 1) * dim), i * dim);
    }
  }
  // The class means come first: whatever the variance spectrum, the directions that tell
  // the labels apart on average are kept, so the MLP never sees less than a linear model
  // on class centroids would.
  const K = Math.min(classes, components, dim);
  const r = Math.min(components, dim, s + K);
  const B = new Float32Array(r * dim);
  const counts = new Float64Array(classes);
  for (let i = 0; i < rows; i++) {
    const c = y[i];
    if (c >= K) continue;
    counts[c]++;
    for (let k = 0; k < dim; k++) B[c * dim + k] += X[i * dim + k];
  }
  for (let c = 0; c < K; c++) for (let k = 0; k < dim; k++) B[c * dim + k] /= Math.max(1, counts[c]);
  const extra = Math.max(0, Math.min(r - K, s));
  if (extra > 0) {
    const omega = new Float32Array(extra * dim);
    for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
    const Y = new Float32Array(s * extra);
    matmulABt(sample, 0, s, dim, omega, extra, Y, null);
    accumulateAtB(Y, s, extra, sample, dim, B.subarray(K * dim));
  }
  const kept = orthonormalizeRows(B, K + extra, dim);
  const basis = B.slice(0, kept * dim);
  const P = new Float32Array(s * kept);
  matmulABt(sample, 0, s, dim, basis, kept, P, null);
  const mean = new Float32Array(kept);
  const std = new Float32Array(kept);
  for (let j = 0; j < kept; j++) {
    let sum = 0;
    for (let i = 0; i < s; i++) sum += P[i * kept + j];
    const m = sum / s;
    let sq = 0;
    for (let i = 0; i < s; i++) sq += (P[i * kept + j] - m) ** 2;
    mean[j] = m;
    const sd = Math.sqrt(sq / s);
    std[j] = sd > 1e-6 ? sd : 1;
  }
  return { basis, components: kept, mean, std };
}

/** Projects and re-standardises rows×dim X into a new rows×r matrix, in chunks. */
export function applyCompression(c: Compression, X: Float32Array, rows: number, dim: number): Float32Array {
  const r = c.components;
  const out = new Float32Array(rows * r);
  const CHUNK = 256;
  for (let first = 0; first < rows; first += CHUNK) {
    const n = Math.min(CHUNK, rows - first);
    matmulABt(X, first * dim, n, dim, c.basis, r, out.subarray(first * r, (first + n) * r), null);
  }
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < r; j++) out[i * r + j] = (out[i * r + j] - c.mean[j]) / c.std[j];
  }
  return out;
}

/**
 * Rewrites a first layer trained on compressed inputs (H×r) as one on the standardised
 * inputs (H×D): z = W·((V·x − m) / s) + b = (W·diag(1/s)·V)·x + (b − W·(m / s)).
 */
export function foldCompression(c: Compression, layer: HeadLayer, dim: number): HeadLayer {
  const r = c.components;
  const H = layer.outDim;
  const scaled = new Float32Array(H * r);
  const bias = new Float32Array(H);
  for (let h = 0; h < H; h++) {
    let shift = 0;
    for (let j = 0; j < r; j++) {
      const w = layer.weight[h * r + j] / c.std[j];
      scaled[h * r + j] = w;
      shift += w * c.mean[j];
    }
    bias[h] = layer.bias[h] - shift;
  }
  const weight = new Float32Array(H * dim);
  for (let h = 0; h < H; h++) {
    for (let j = 0; j < r; j++) {
      const w = scaled[h * r + j];
      if (w === 0) continue;
      const o = j * dim;
      for (let k = 0; k < dim; k++) weight[h * dim + k] += w * c.basis[o + k];
    }
  }
  return { inDim: dim, outDim: H, weight, bias, activation: layer.activation };
}
