/**
 * "Likely mislabelled": confident learning (Northcutt, Jiang & Chuang, 2021) on
 * out-of-sample probabilities. Each class j gets a threshold t_j, the mean probability the
 * model gives j on the pictures labelled j (its typical self-confidence). A picture's given
 * label y is suspect when p(y) < t_y and the model, which never saw the picture, points
 * elsewhere: another class reaches its own threshold (the confident joint's off-diagonal),
 * or another class is simply the likeliest. Per-class thresholds (rather than one global
 * cut) keep hard classes, where the model is never very sure, from flooding the queue, and
 * let easy classes (thresholds near 1) speak up when a picture only half-belongs.
 *
 * Ranked by normalised self-confidence p(y) / t_y, lowest first: the label the model
 * believes least relative to how it usually believes that label. On Fashion-MNIST with 5 %
 * flipped labels this ranks better than the margin p(suggested) − p(y) (bench/vision/
 * RESULTS-review.md).
 */
import { VisionError } from '../errors';

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
  /** p(given) / t_given: the rank key, lower is more suspect (below 1 for every flagged picture). */
  normalized: number;
  /** p(suggested) − p(given). */
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
  if (!Number.isInteger(K) || K < 2) throw new VisionError('invalid_option', `Confident learning needs at least 2 classes; got ${K}.`);
  if (p.length !== n * K) throw new VisionError('length_mismatch', `Got ${p.length} probabilities for ${n} pictures of ${K} classes.`);
  for (let i = 0; i < n; i++) {
    const y = given[i];
    if (!Number.isInteger(y) || y < 0 || y >= K) throw new VisionError('invalid_option', `Picture ${i} has class index ${y}, outside 0..${K - 1}.`);
  }
  const t = classThresholds(p, given, K);
  const items: MislabelItem[] = [];
  for (let i = 0; i < n; i++) {
    const y = given[i];
    const row = i * K;
    const self = p[row + y];
    if (!(self < t[y])) continue;
    // Of the other classes confidently present, the likeliest; else the likeliest other class if it beats the given one.
    let confident = -1;
    let top = y;
    for (let j = 0; j < K; j++) {
      if (p[row + j] > p[row + top]) top = j;
      if (j === y || !(p[row + j] >= t[j])) continue;
      if (confident < 0 || p[row + j] > p[row + confident]) confident = j;
    }
    const suggested = confident >= 0 ? confident : top;
    if (suggested === y) continue;
    items.push({ index: i, given: y, suggested, selfConfidence: self, normalized: self / t[y], margin: p[row + suggested] - self });
  }
  items.sort((a, b) => a.normalized - b.normalized || b.margin - a.margin || a.index - b.index);
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
    out.push({ index: i, given: y, suggested: best, selfConfidence: self, normalized: Number.NaN, margin: probabilities[row + best] - self });
  }
  return out.sort((a, b) => b.margin - a.margin || a.index - b.index);
}
