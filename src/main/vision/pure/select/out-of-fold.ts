/**
 * Out-of-sample probabilities by K-fold cross-validation: each picture is scored by a head
 * trained on the other folds only, so a wrong label cannot teach the model to agree with it
 * (a model trained on everything memorises a fair share of its own label noise). The input
 * of confident learning (confident-learning.ts).
 *
 * Heads are plain softmax regressions on the cached embeddings, trained for a few epochs
 * without a validation split: the probabilities only need to rank, and K heads on 60,000
 * pictures must fit in seconds (bench/vision/likely-mislabelled.ts).
 */
import { VisionError } from '../errors';
import { predict } from '../forward';
import { createRng, shuffleInPlace } from '../train/random';
import { trainHead } from '../train/trainer';

export interface OutOfFoldInput {
  /** N×D row-major, or one row per picture. */
  features: Float32Array | Float32Array[];
  /** Given label of each picture. */
  labels: string[];
}

export interface OutOfFoldOptions {
  /** K (default 5; fewer when a dataset is tiny). */
  folds?: number;
  /** Epochs per head (default: by size, see epochsFor). */
  epochs?: number;
  /** Independent K-fold splits whose probabilities are averaged (default: by size, see repeatsFor). */
  repeats?: number;
  batchSize?: number;
  learningRate?: number;
  weightDecay?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Called after each fold with (folds done, folds), over all repeats. */
  onFold?: (done: number, folds: number) => void;
}

export interface OutOfFoldResult {
  /** Distinct labels, sorted: the column order of `probabilities`. */
  classes: string[];
  /** Class index of each picture's given label. */
  given: Int32Array;
  /** N×K row-major: picture i scored by the head that did not see it. */
  probabilities: Float32Array;
  folds: number;
}

/**
 * Few passes: the heads must not learn the flipped labels of their own training folds (on
 * Fashion-MNIST, 2-4 epochs found more flips than 8, and 8 more than 20: bench/vision/
 * RESULTS-review.md); tiny sets need more passes to make enough steps.
 */
export function epochsFor(n: number): number {
  if (n > 5_000) return 2;
  if (n > 1_000) return 8;
  return 30;
}

/**
 * Averaging several splits' probabilities steadies them (a picture's score no longer hangs on
 * which fold it fell in); past 20,000 pictures one split keeps the whole under 30 s of CPU.
 */
export function repeatsFor(n: number): number {
  if (n > 20_000) return 1;
  if (n > 5_000) return 4;
  return 2;
}

/** Small sets take small batches, so a few hundred pictures still make enough optimiser steps. */
export function batchFor(n: number): number {
  return Math.max(8, Math.min(128, Math.round(n / 16)));
}

/** Stratified fold of each picture: each label's pictures dealt round-robin after a seeded shuffle. */
export function assignFolds(given: Int32Array, classes: number, folds: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const fold = new Int32Array(given.length);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  given.forEach((c, i) => byClass[c].push(i));
  let offset = 0;
  for (const members of byClass) {
    shuffleInPlace(members, rng);
    // Continue the deal where the last class stopped, so small classes do not all start at fold 0.
    members.forEach((i, r) => (fold[i] = (offset + r) % folds));
    offset = (offset + members.length) % folds;
  }
  return fold;
}

export async function outOfFoldProbabilities(input: OutOfFoldInput, options: OutOfFoldOptions = {}): Promise<OutOfFoldResult> {
  const n = input.labels.length;
  const flat = input.features instanceof Float32Array;
  const dim = flat ? (n > 0 ? (input.features as Float32Array).length / n : 0) : ((input.features as Float32Array[])[0]?.length ?? 0);
  if (!flat && (input.features as Float32Array[]).length !== n) {
    throw new VisionError('length_mismatch', `Got ${(input.features as Float32Array[]).length} embeddings for ${n} labels.`);
  }
  if (!Number.isInteger(dim) || (n > 0 && dim === 0)) throw new VisionError('dimension_mismatch', 'The embeddings are not a whole number of rows.');
  const classes = [...new Set(input.labels)].sort();
  if (classes.length < 2) throw new VisionError('too_few_labels', 'Finding mislabelled pictures needs at least two labels.');
  const index = new Map(classes.map((c, i) => [c, i]));
  const given = Int32Array.from(input.labels, (l) => index.get(l)!);
  const K = classes.length;
  const folds = Math.max(2, Math.min(options.folds ?? 5, n));
  const seed = options.seed ?? 1;
  const repeats = Math.max(1, options.repeats ?? repeatsFor(n));
  const row = (i: number): Float32Array => (flat ? (input.features as Float32Array).subarray(i * dim, (i + 1) * dim) : (input.features as Float32Array[])[i]);

  const probabilities = new Float32Array(n * K);
  for (let rep = 0; rep < repeats; rep++) {
    const repSeed = seed + 1000 * rep;
    const fold = assignFolds(given, K, folds, repSeed);
    for (let f = 0; f < folds; f++) {
      if (options.signal?.aborted) throw new VisionError('cancelled', 'Cancelled.');
      const rest: number[] = [];
      const test: number[] = [];
      for (let i = 0; i < n; i++) (fold[i] === f ? test : rest).push(i);
      if (test.length === 0) continue;
      // The trainer refuses a label of one picture; such a label simply goes unlearnt by this head.
      const seen = new Int32Array(K);
      for (const i of rest) seen[given[i]]++;
      const train = rest.filter((i) => seen[given[i]] >= 2);
      const trainLabels = train.map((i) => input.labels[i]);
      if (new Set(trainLabels).size < 2) {
        // Every other picture has the test fold's label: nothing to compare it with; uniform.
        for (const i of test) for (let c = 0; c < K; c++) probabilities[i * K + c] += 1 / K / repeats;
        continue;
      }
      const { head } = await trainHead(
        { features: train.map(row), labels: trainLabels },
        {
          kind: 'softmax',
          validationFraction: 0,
          epochs: options.epochs ?? epochsFor(train.length),
          batchSize: options.batchSize ?? batchFor(train.length),
          learningRate: options.learningRate ?? 0.002,
          weightDecay: options.weightDecay,
          seed: repSeed + f,
          signal: options.signal,
        },
      );
      const p = predict(head, test.map(row));
      // The head knows only the labels of its training folds (a label of one picture can be missing): map its columns.
      const cols = head.labels.map((l) => index.get(l)!);
      const k = head.labels.length;
      test.forEach((i, r) => {
        for (let c = 0; c < k; c++) probabilities[i * K + cols[c]] += p[r * k + c] / repeats;
      });
      options.onFold?.(rep * folds + f + 1, repeats * folds);
    }
  }
  return { classes, given, probabilities, folds };
}
