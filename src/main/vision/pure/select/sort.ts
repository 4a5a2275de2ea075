/**
 * "Sort and filter by prediction" for the Library: turns a head's probabilities into one
 * row per item (best label, its confidence, and the margin to the runner-up) and offers the
 * filters people reach for: one predicted label, a confidence band, pictures whose label
 * the model disagrees with, unlabelled ones only. Sorting is stable: ties go by id.
 */
import { VisionError } from '../errors';

export interface PredictedItem {
  id: string;
  /** The label a person gave it, if any. */
  label: string | null;
  predicted: string;
  confidence: number;
  /** p₁ − p₂: small means the model hesitates between two labels. */
  margin: number;
}

export interface PredictionFilter {
  /** Keep items predicted as this label (or any of these). */
  predicted?: string | string[];
  minConfidence?: number;
  maxConfidence?: number;
  /** Keep labelled items whose prediction differs from their label (likely mistakes). */
  disagreeing?: boolean;
  /** Keep only items without a label. */
  unlabelledOnly?: boolean;
}

export type PredictionSortKey = 'confidence' | 'margin' | 'predicted';

export function predictionItems(
  ids: string[],
  labels: string[],
  probabilities: ArrayLike<number>,
  currentLabels?: Array<string | null | undefined>,
): PredictedItem[] {
  const K = labels.length;
  if (K === 0 || probabilities.length !== ids.length * K) {
    throw new VisionError('length_mismatch', `Got ${probabilities.length} probabilities for ${ids.length} items of ${K} labels.`);
  }
  if (currentLabels && currentLabels.length !== ids.length) {
    throw new VisionError('length_mismatch', `Got ${currentLabels.length} current labels for ${ids.length} items.`);
  }
  return ids.map((id, i) => {
    const o = i * K;
    let b1 = 0;
    for (let j = 1; j < K; j++) if (probabilities[o + j] > probabilities[o + b1]) b1 = j;
    let p2 = 0;
    for (let j = 0; j < K; j++) if (j !== b1 && probabilities[o + j] > p2) p2 = probabilities[o + j];
    return {
      id,
      label: currentLabels?.[i] ?? null,
      predicted: labels[b1],
      confidence: probabilities[o + b1],
      margin: probabilities[o + b1] - (K > 1 ? p2 : 0),
    };
  });
}

export function filterByPrediction<T extends PredictedItem>(items: T[], f: PredictionFilter): T[] {
  const wanted = f.predicted === undefined ? null : new Set(Array.isArray(f.predicted) ? f.predicted : [f.predicted]);
  const lo = f.minConfidence ?? -Infinity;
  const hi = f.maxConfidence ?? Infinity;
  return items.filter(
    (it) =>
      (wanted === null || wanted.has(it.predicted)) &&
      it.confidence >= lo &&
      it.confidence <= hi &&
      (!f.disagreeing || (it.label !== null && it.label !== it.predicted)) &&
      (!f.unlabelledOnly || it.label === null),
  );
}

const byId = (a: PredictedItem, b: PredictedItem): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * 'confidence' and 'margin' sort by that number; 'predicted' groups by predicted label
 * (alphabetically) and, within a label, by confidence. `order` applies to the number
 * ('desc' = most confident first; the default).
 */
export function sortByPrediction<T extends PredictedItem>(items: T[], by: PredictionSortKey = 'confidence', order: 'asc' | 'desc' = 'desc'): T[] {
  const sign = order === 'desc' ? -1 : 1;
  const out = [...items];
  out.sort((a, b) => {
    if (by === 'predicted') {
      const c = a.predicted < b.predicted ? -1 : a.predicted > b.predicted ? 1 : 0;
      if (c !== 0) return c;
    }
    const key = by === 'margin' ? 'margin' : 'confidence';
    return sign * (a[key] - b[key]) || byId(a, b);
  });
  return out;
}
