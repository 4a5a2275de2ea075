/**
 * Metrics from predicted probabilities rather than hard predictions: arg-max predictions
 * (ties go to the earlier label, as in predict's ranking) and top-k accuracy.
 *
 * Top-k is "calibration-free": it only uses the ranking of the probabilities, never their
 * values. The true label is in the top k when fewer than k labels rank above it, where a
 * label ranks above another if its probability is higher, or equal and it comes first.
 */
import { VisionError } from '../errors';
import { evaluatePredictions, type EvaluationReport } from './metrics';

export interface ProbabilityInput {
  labels: string[];
  truth: ArrayLike<number>;
  /** N×K row-major, columns in the order of `labels`. */
  probabilities: Float32Array | Float64Array;
  /** Which top-k accuracies to report (default [1, 3, 5], capped at the number of labels). */
  topK?: number[];
}

function checkShape(K: number, truth: ArrayLike<number>, probabilities: ArrayLike<number>): void {
  if (probabilities.length !== truth.length * K) {
    throw new VisionError(
      'length_mismatch',
      `Got ${probabilities.length} probabilities for ${truth.length} examples of ${K} labels (expected ${truth.length * K}).`,
    );
  }
}

export function argmaxRows(probabilities: ArrayLike<number>, K: number): Int32Array {
  const n = Math.floor(probabilities.length / K);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let best = 0;
    for (let j = 1; j < K; j++) if (probabilities[o + j] > probabilities[o + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** Rank (0 = best) of class t in row i, under the tie rule above. */
function rankOf(probabilities: ArrayLike<number>, o: number, K: number, t: number): number {
  const pt = probabilities[o + t];
  let rank = 0;
  for (let j = 0; j < K; j++) {
    const pj = probabilities[o + j];
    if (pj > pt || (pj === pt && j < t)) rank++;
  }
  return rank;
}

export function topKAccuracy(probabilities: ArrayLike<number>, K: number, truth: ArrayLike<number>, k: number): number {
  checkShape(K, truth, probabilities);
  if (!Number.isInteger(k) || k < 1) throw new VisionError('invalid_input', `Top-k needs k ≥ 1; got ${k}.`);
  if (truth.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < truth.length; i++) if (rankOf(probabilities, i * K, K, truth[i]) < k) hits++;
  return hits / truth.length;
}

export function evaluateProbabilities(input: ProbabilityInput): EvaluationReport {
  const K = input.labels.length;
  checkShape(K, input.truth, input.probabilities);
  const report = evaluatePredictions({ labels: input.labels, truth: input.truth, predicted: argmaxRows(input.probabilities, K) });
  const ks = [...new Set((input.topK ?? [1, 3, 5]).map((k) => Math.min(k, K)))].sort((a, b) => a - b);
  for (const k of ks) report.topK[String(k)] = topKAccuracy(input.probabilities, K, input.truth, k);
  return report;
}
