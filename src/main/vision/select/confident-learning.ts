/**
 * "Likely mislabelled": confident learning (Northcutt, Jiang & Chuang, 2021) on
 * out-of-sample probabilities. A picture's given label is suspect when the model, which
 * never saw that picture, gives its given label less than that label's typical
 * self-confidence while it gives some other label at least *that* label's typical
 * self-confidence. Per-class thresholds (rather than one global cut) keep hard classes,
 * where the model is never very sure, from flooding the queue.
 *
 * Ranked by margin: p(suggested) − p(given), ties by the lower self-confidence, so the
 * clearest contradictions come first.
 */
import { VisionTrainError } from '../train/errors';

export interface MislabelInput {
  /** Out-of-sample probabilities, N×K row-major (class order of `given`'s indices). */
  probabilities: Float32Array;
  /** Given label of each picture as a class index 0..K-1. */
  given: Int32Array | number[];
  /** K. */
  classes: number;
}

export interface MislabelItem {
  /** Row index into the input. */
  index: number;
  given: number;
  /** The class the picture more likely belongs to. */
  suggested: number;
  /** p(given): the out-of-sample probability of the given label. */
  selfConfidence: number;
  /** p(suggested) − p(given): the rank key, higher is more suspect. */
  margin: number;
}

export interface MislabelResult {
  /** Per-class threshold t_j = mean p(j) over pictures given label j (NaN for an empty class). */
  thresholds: Float64Array;
  /** Flagged pictures, most suspect first. */
  items: MislabelItem[];
}

/** Mean self-confidence of each class: the threshold a probability must reach to count as "confidently j". */
export function classThresholds(probabilities: Float32Array, given: ArrayLike<number>, classes: number): Float64Array {
  const sum = new Float64Array(classes);
  const count = new Float64Array(classes);
  for (let i = 0; i < given.length; i++) {
    const y = given[i];
    sum[y] += probabilities[i * classes + y];
    count[y]++;
  }
  const t = new Float64Array(classes);
  for (let j = 0; j < classes; j++) t[j] = count[j] > 0 ? sum[j] / count[j] : Number.NaN;
  return t;
}

export function findLikelyMislabelled(input: MislabelInput): MislabelResult {
  const { probabilities: p, given, classes: K } = input;
  const n = given.length;
  if (!Number.isInteger(K) || K < 2) throw new VisionTrainError('invalid_option', `Confident learning needs at least 2 classes; got ${K}.`);
  if (p.length !== n * K) throw new VisionTrainError('length_mismatch', `Got ${p.length} probabilities for ${n} pictures of ${K} classes.`);
  for (let i = 0; i < n; i++) {
    const y = given[i];
    if (!Number.isInteger(y) || y < 0 || y >= K) throw new VisionTrainError('invalid_option', `Picture ${i} has class index ${y}, outside 0..${K - 1}.`);
  }
  const t = classThresholds(p, given, K);
  const items: MislabelItem[] = [];
  for (let i = 0; i < n; i++) {
    const y = given[i];
    const row = i * K;
    const self = p[row + y];
    if (!(self < t[y])) continue;
    // Of the other classes confidently present, the likeliest (the confident joint's off-diagonal cell).
    let best = -1;
    for (let j = 0; j < K; j++) {
      if (j === y || !(p[row + j] >= t[j])) continue;
      if (best < 0 || p[row + j] > p[row + best]) best = j;
    }
    if (best < 0) continue;
    items.push({ index: i, given: y, suggested: best, selfConfidence: self, margin: p[row + best] - self });
  }
  items.sort((a, b) => b.margin - a.margin || a.selfConfidence - b.selfConfidence || a.index - b.index);
  return { thresholds: t, items };
}

/**
 * The naive queue the benchmark compares against: pictures whose given label differs from
 * the prediction of a model that saw them all (in-sample), most confident first.
 */
export function naiveDisagreements(probabilities: Float32Array, given: ArrayLike<number>, classes: number): MislabelItem[] {
  const out: MislabelItem[] = [];
  for (let i = 0; i < given.length; i++) {
    const row = i * classes;
    let best = 0;
    for (let j = 1; j < classes; j++) if (probabilities[row + j] > probabilities[row + best]) best = j;
    const y = given[i];
    if (best === y) continue;
    const self = probabilities[row + y];
    out.push({ index: i, given: y, suggested: best, selfConfidence: self, margin: probabilities[row + best] - self });
  }
  return out.sort((a, b) => b.margin - a.margin || a.index - b.index);
}
