/**
 * Prediction with a trained head on embeddings: standardise, run the layers, softmax.
 * Works in chunks so memory stays bounded however many rows come in.
 */
import { VisionTrainError } from './errors';
import { allocateActivations, forwardLogits, softmaxWithLoss } from './forward';
import { checkHead } from './head-check';
import type { HeadWeights } from '../head';

const CHUNK = 256;

export interface LabelConfidence {
  label: string;
  confidence: number;
}

/**
 * Probabilities, N×K row-major in the order of `head.labels`. `features` is one
 * Float32Array per row, or all rows back to back.
 */
export function predict(head: HeadWeights, features: Float32Array[] | Float32Array): Float32Array {
  checkHead(head);
  const D = head.inputDim;
  const K = head.labels.length;
  const flat = features instanceof Float32Array;
  if (flat && features.length % D !== 0) {
    throw new VisionTrainError('dimension_mismatch', `Got ${features.length} feature values, not a whole number of rows of dimension ${D}.`);
  }
  const n = flat ? features.length / D : features.length;
  const out = new Float32Array(n * K);
  const buf = new Float32Array(Math.min(CHUNK, Math.max(n, 1)) * D);
  const acts = allocateActivations(head.layers, Math.min(CHUNK, Math.max(n, 1)));
  for (let first = 0; first < n; first += CHUNK) {
    const rows = Math.min(CHUNK, n - first);
    for (let r = 0; r < rows; r++) {
      const i = first + r;
      let row: Float32Array;
      if (flat) {
        row = features.subarray(i * D, (i + 1) * D);
      } else {
        row = features[i];
        if (!(row instanceof Float32Array) || row.length !== D) {
          throw new VisionTrainError(
            'dimension_mismatch',
            `Row ${i} has dimension ${row instanceof Float32Array ? row.length : 'unknown'}; this model expects ${D}. ` +
              'It was trained on embeddings from another backbone.',
          );
        }
      }
      const o = r * D;
      for (let k = 0; k < D; k++) {
        const v = row[k];
        if (v - v !== 0) throw new VisionTrainError('non_finite_feature', `Row ${i} has a feature that is ${v} (dimension ${k}); recompute its embedding.`);
        // Divide, as the exported graph does (Sub then Div), so app and ONNX agree closely.
        buf[o + k] = (v - head.mean[k]) / head.std[k];
      }
    }
    const Z = forwardLogits(head.layers, buf, 0, rows, acts);
    softmaxWithLoss(Z, rows, K, null, 0, null, null);
    out.set(Z.subarray(0, rows * K), first * K);
  }
  return out;
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
