/**
 * What a person sees of a prediction: the most probable labels of each row, from the one
 * forward pass (../forward.ts).
 */
import { predict } from '../forward';
import type { HeadWeights } from '../head';

export interface LabelConfidence {
  label: string;
  confidence: number;
}

/** The k most probable labels of each row, best first (ties: the earlier label first). */
export function topPredictions(labels: string[], probabilities: Float32Array, k = labels.length): LabelConfidence[][] {
  const K = labels.length;
  const n = K === 0 ? 0 : Math.floor(probabilities.length / K);
  const take = Math.max(0, Math.min(k, K));
  const result: LabelConfidence[][] = [];
  const idx = new Array<number>(K);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < K; j++) idx[j] = j;
    const o = i * K;
    idx.sort((a, b) => probabilities[o + b] - probabilities[o + a] || a - b);
    const row: LabelConfidence[] = [];
    for (let t = 0; t < take; t++) row.push({ label: labels[idx[t]], confidence: probabilities[o + idx[t]] });
    result.push(row);
  }
  return result;
}

/** predict() then topPredictions(): what Play and the predict route show. */
export function predictTop(head: HeadWeights, features: Float32Array[] | Float32Array, k = 5): LabelConfidence[][] {
  return topPredictions(head.labels, predict(head, features), k);
}
