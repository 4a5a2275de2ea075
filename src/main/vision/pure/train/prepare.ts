/**
 * Turns checked input into the matrices the training loop reads: a stratified
 * train/validation split, standardisation statistics from the training split only (so the
 * validation score is honest), and standardised contiguous copies of both splits.
 */
import { VisionError } from '../errors';
import { createRng, shuffleInPlace } from './random';
import type { AugmentedExample } from './types';
import type { CheckedData } from './validate';

export interface PreparedData {
  dim: number;
  classes: number;
  mean: Float32Array;
  std: Float32Array;
  /** Standardised training rows (pictures, then augmented rows), row-major. */
  trainX: Float32Array;
  trainY: Int32Array;
  valX: Float32Array;
  valY: Int32Array;
  trainIndices: number[];
  validationIndices: number[];
  augmentedUsed: number;
}

/**
 * Per label, holds out round(n·fraction) pictures, at least one and at most n−1, so every
 * label is seen by both sides whatever its size.
 */
export function stratifiedSplit(y: Int32Array, classes: number, fraction: number, seed: number, keys?: readonly number[]): { train: number[]; val: number[] } {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < y.length; i++) byClass[y[i]].push(i);
  const rng = createRng(seed);
  const train: number[] = [];
  const val: number[] = [];
  for (const members of byClass) {
    if (keys && fraction > 0) {
      keyedSplit(members, keys, fraction, train, val);
      continue;
    }
    shuffleInPlace(members, rng);
    const nVal = fraction <= 0 ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(members.length * fraction)));
    for (let i = 0; i < members.length; i++) (i < nVal ? val : train).push(members[i]);
  }
  train.sort((a, b) => a - b);
  val.sort((a, b) => a - b);
  return { train, val };
}

/**
 * One label's split by fixed keys: held out when the key is below `fraction`. A label whose
 * keys put none (or all) of it on one side gives up its lowest (highest) key, so both sides
 * still see every label; which picture moves depends only on the keys, never on a seed.
 */
function keyedSplit(members: number[], keys: readonly number[], fraction: number, train: number[], val: number[]): void {
  const sorted = [...members].sort((a, b) => keys[a] - keys[b] || a - b);
  let nVal = sorted.filter((i) => keys[i] < fraction).length;
  if (sorted.length > 1) nVal = Math.min(sorted.length - 1, Math.max(1, nVal));
  else nVal = 0;
  sorted.forEach((i, k) => (k < nVal ? val : train).push(i));
}

/** Throws when every dimension is the same for every picture: there is nothing to learn from. */
function checkNotConstant(X: Float32Array, rows: number, dim: number): void {
  for (let k = 0; k < dim; k++) {
    const first = X[k];
    for (let i = 1; i < rows; i++) if (X[i * dim + k] !== first) return;
  }
  throw new VisionError(
    'constant_features',
    `All ${rows} training pictures have identical embeddings, so no label can be told apart. ` +
      'Check that the pictures differ and that the embeddings were computed from them.',
  );
}

/** Mean and standard deviation per dimension; a constant dimension gets std 1 so it stays 0. */
export function columnStats(X: Float32Array, rows: number, dim: number): { mean: Float32Array; std: Float32Array } {
  const sum = new Float64Array(dim);
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    for (let k = 0; k < dim; k++) sum[k] += X[o + k];
  }
  const mean = new Float32Array(dim);
  for (let k = 0; k < dim; k++) mean[k] = sum[k] / rows;
  const sq = sum.fill(0);
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    for (let k = 0; k < dim; k++) {
      const d = X[o + k] - mean[k];
      sq[k] += d * d;
    }
  }
  const std = new Float32Array(dim);
  for (let k = 0; k < dim; k++) {
    const s = Math.fround(Math.sqrt(sq[k] / rows));
    // Tiny or overflowing spreads would turn into 0 or ∞ divisors: treat them as constant.
    std[k] = s > 1e-12 && Number.isFinite(s) ? s : 1;
  }
  return { mean, std };
}

export function standardizeInPlace(X: Float32Array, rows: number, dim: number, mean: Float32Array, std: Float32Array): void {
  const inv = new Float32Array(dim);
  for (let k = 0; k < dim; k++) inv[k] = 1 / std[k];
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    for (let k = 0; k < dim; k++) X[o + k] = (X[o + k] - mean[k]) * inv[k];
  }
}

export function prepareData(
  checked: CheckedData,
  augmented: AugmentedExample[],
  augmentedY: Int32Array,
  validationFraction: number,
  seed: number,
  splitKeys?: readonly number[],
): PreparedData {
  const { n, dim, labels, y } = checked;
  const classes = labels.length;
  const all = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) checked.copyRow(i, all, i * dim);
  checkNotConstant(all, n, dim);

  if (splitKeys && splitKeys.length !== n) throw new VisionError('length_mismatch', `There are ${splitKeys.length} split keys for ${n} pictures.`);
  const { train, val } = stratifiedSplit(y, classes, validationFraction, seed, splitKeys);
  const inVal = new Uint8Array(n);
  for (const i of val) inVal[i] = 1;
  const keptAug: number[] = [];
  for (let i = 0; i < augmented.length; i++) {
    const s = augmented[i].source;
    if (s === undefined || inVal[s] === 0) keptAug.push(i);
  }

  const rowsTrain = train.length + keptAug.length;
  const trainX = new Float32Array(rowsTrain * dim);
  const trainY = new Int32Array(rowsTrain);
  train.forEach((src, r) => {
    trainX.set(all.subarray(src * dim, (src + 1) * dim), r * dim);
    trainY[r] = y[src];
  });
  // Statistics from the original training pictures only: augmented copies would skew them
  // towards whatever the augmentation does.
  const { mean, std } = columnStats(trainX, train.length, dim);
  keptAug.forEach((a, j) => {
    const r = train.length + j;
    trainX.set(augmented[a].features, r * dim);
    trainY[r] = augmentedY[a];
  });
  standardizeInPlace(trainX, rowsTrain, dim, mean, std);

  const valX = new Float32Array(val.length * dim);
  const valY = new Int32Array(val.length);
  val.forEach((src, r) => {
    valX.set(all.subarray(src * dim, (src + 1) * dim), r * dim);
    valY[r] = y[src];
  });
  standardizeInPlace(valX, val.length, dim, mean, std);

  return { dim, classes, mean, std, trainX, trainY, valX, valY, trainIndices: train, validationIndices: val, augmentedUsed: keptAug.length };
}
