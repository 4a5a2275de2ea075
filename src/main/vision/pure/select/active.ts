/**
 * "Label next": which unlabelled pictures to show a person first. Uncertainty alone picks
 * twenty near-identical pictures the model hesitates on; diversity alone ignores the model.
 * So: take the most uncertain candidates (a pool a few times the size of the answer), then
 * pick greedily, farthest-first, weighting each candidate's distance to what is already
 * picked (or labelled) by its uncertainty. With no model yet, plain farthest-first over
 * all items, starting from the most typical one, covers the variety of the folder.
 * Distances are Euclidean on standardised embeddings (the head's own mean/std when given).
 */
import { VisionError } from '../errors';
import { createRng } from '../train/random';
import { rowStats, squaredDistance, standardizedRows, toMatrix } from './matrix';
import { uncertaintyScores, type UncertaintyStrategy } from './uncertainty';

export interface LabelNextInput {
  ids: string[];
  /** Embeddings of the unlabelled items, same order as ids. */
  features: Float32Array[] | Float32Array;
  /** Current head's probabilities for the items, N×K row-major; omit when there is no model. */
  probabilities?: Float32Array | null;
  /** K, the number of labels of `probabilities` (default: inferred from its length). */
  classes?: number;
  /** Embeddings of already-labelled pictures: candidates near them count as less new. */
  labelledFeatures?: Float32Array[] | Float32Array;
  /** How many to return (default 50). */
  count?: number;
  strategy?: UncertaintyStrategy;
  /** Candidate pool = count × poolFactor most uncertain items (default 5). */
  poolFactor?: number;
  /** Standardisation, e.g. the head's; computed from the items when absent. */
  mean?: Float32Array;
  std?: Float32Array;
  seed?: number;
}

export interface LabelNextItem {
  id: string;
  /** 0..1, null without a model. */
  uncertainty: number | null;
  /** Standardised distance to the nearest earlier pick or labelled picture (∞ for the first). */
  distance: number;
}

/** Caps keep the cost at O(pool · count · D) whatever the library size. */
const MAX_POOL = 5000;
const MAX_LABELLED = 500;

function sample(n: number, cap: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= cap) return all;
  const rng = createRng(seed);
  for (let i = 0; i < cap; i++) {
    const j = i + rng.int(n - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, cap).sort((a, b) => a - b);
}

export function rankForLabelling(input: LabelNextInput): LabelNextItem[] {
  const { ids } = input;
  const n = ids.length;
  const count = input.count ?? 50;
  if (!Number.isInteger(count) || count < 0) throw new VisionError('invalid_option', `count must be a whole number ≥ 0; got ${count}.`);
  const poolFactor = input.poolFactor ?? 5;
  if (!(poolFactor >= 1)) throw new VisionError('invalid_option', `poolFactor must be at least 1; got ${poolFactor}.`);
  const m = toMatrix(input.features, n);
  if (n === 0 || count === 0) return [];
  const seed = input.seed ?? 1;

  let uncertainty: Float64Array | null = null;
  let pool: number[];
  if (input.probabilities) {
    const K = input.classes ?? input.probabilities.length / n;
    if (!Number.isInteger(K) || input.probabilities.length !== n * K) {
      throw new VisionError('length_mismatch', `Got ${input.probabilities.length} probabilities for ${n} items.`);
    }
    uncertainty = uncertaintyScores(input.probabilities, K, input.strategy ?? 'margin');
    const u = uncertainty;
    const size = Math.min(n, MAX_POOL, Math.max(count, Math.ceil(count * poolFactor)));
    pool = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => u[b] - u[a] || a - b)
      .slice(0, size);
  } else {
    pool = sample(n, MAX_POOL, seed);
  }

  const dim = m.dim;
  const P = pool.length;
  const given = input.mean && input.std && input.mean.length === dim && input.std.length === dim;
  const stats = given ? { mean: input.mean as Float32Array, std: input.std as Float32Array } : rowStats(m, sample(n, MAX_POOL, seed));
  const X = standardizedRows(m, pool, stats.mean, stats.std);
  const minDist = new Float64Array(P).fill(Infinity);
  if (input.labelledFeatures) {
    const lf = input.labelledFeatures;
    if (lf instanceof Float32Array && lf.length % dim !== 0) {
      throw new VisionError('dimension_mismatch', `Labelled embeddings (${lf.length} values) are not whole rows of dimension ${dim}.`);
    }
    const lm = toMatrix(lf, lf instanceof Float32Array ? lf.length / dim : lf.length, 'labelled picture');
    if (lm.rows > 0 && lm.dim !== dim) {
      throw new VisionError('dimension_mismatch', `Labelled embeddings have dimension ${lm.dim}; unlabelled ones have ${dim}.`);
    }
    const pick = sample(lm.rows, MAX_LABELLED, seed + 1);
    const ref = { rows: pick.length, data: standardizedRows(lm, pick, stats.mean, stats.std) };
    for (let r = 0; r < ref.rows; r++) {
      for (let i = 0; i < P; i++) {
        const d = squaredDistance(X, i * dim, ref.data, r * dim, dim);
        if (d < minDist[i]) minDist[i] = d;
      }
    }
  }

  // Uncertainty weight in (0, 1]; without a model every candidate weighs the same.
  const weight = new Float64Array(P).fill(1);
  if (uncertainty) {
    const u = uncertainty;
    const uMax = Math.max(...pool.map((i) => u[i]), 1e-12);
    pool.forEach((idx, i) => (weight[i] = 0.05 + 0.95 * (u[idx] / uMax)));
  }

  const taken = new Uint8Array(P);
  const result: LabelNextItem[] = [];
  const want = Math.min(count, P);
  let first = -1;
  if (!input.labelledFeatures && !uncertainty) first = mostTypical(X, P, dim);
  for (let step = 0; step < want; step++) {
    let best = first;
    if (best < 0) {
      let bestScore = -Infinity;
      for (let i = 0; i < P; i++) {
        if (taken[i]) continue;
        // Before anything is picked every distance is ∞: the most uncertain goes first.
        const s = minDist[i] === Infinity ? weight[i] * 1e300 : weight[i] * Math.sqrt(minDist[i]);
        if (s > bestScore) {
          bestScore = s;
          best = i;
        }
      }
    }
    first = -1;
    taken[best] = 1;
    result.push({
      id: ids[pool[best]],
      uncertainty: uncertainty ? uncertainty[pool[best]] : null,
      distance: Math.sqrt(minDist[best]),
    });
    for (let i = 0; i < P; i++) {
      if (taken[i]) continue;
      const d = squaredDistance(X, i * dim, X, best * dim, dim);
      if (d < minDist[i]) minDist[i] = d;
    }
  }
  return result;
}

/** The row nearest the mean of the standardised rows (the mean is ~0 by construction). */
function mostTypical(X: Float32Array, rows: number, dim: number): number {
  const mean = new Float32Array(dim);
  for (let i = 0; i < rows; i++) for (let k = 0; k < dim; k++) mean[k] += X[i * dim + k] / rows;
  let best = 0,
    bestD = Infinity;
  for (let i = 0; i < rows; i++) {
    const d = squaredDistance(X, i * dim, mean, 0, dim);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}
