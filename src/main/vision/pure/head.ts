// The one format of a trained classification head: produced by the trainer (train/), stored
// by serialize.ts, applied to embeddings by prediction and evaluation, and written into the
// exported ONNX graph (node/export). Standardise features, then dense layers, then softmax.

export type HeadKind = 'softmax' | 'mlp';
export type Activation = 'relu' | 'none';

export interface HeadLayer {
  inDim: number;
  outDim: number;
  /** Row-major [outDim][inDim]. */
  weight: Float32Array;
  bias: Float32Array;
  activation: Activation;
}

/**
 * A trained classifier head. Inputs are standardised with `(x - mean) / std` before the first
 * layer; the last layer's outputs are logits, turned into probabilities by softmax.
 */
export interface HeadWeights {
  kind: HeadKind;
  inputDim: number;
  /** Feature standardisation: x' = (x - mean) / std, per feature. */
  mean: Float32Array;
  std: Float32Array;
  layers: HeadLayer[];
  /** One per output, in the order of the last layer's outputs. */
  labels: string[];
}

/** Probabilities for one feature vector, computed exactly as the exported graph does (float32 math order aside). */
export function applyHead(head: HeadWeights, features: Float32Array): Float32Array {
  let x = new Float32Array(head.inputDim);
  for (let i = 0; i < head.inputDim; i++) x[i] = (features[i] - head.mean[i]) / head.std[i];
  for (const l of head.layers) {
    const y = new Float32Array(l.outDim);
    for (let o = 0; o < l.outDim; o++) {
      let s = l.bias[o];
      const row = o * l.inDim;
      for (let i = 0; i < l.inDim; i++) s += l.weight[row + i] * x[i];
      y[o] = l.activation === 'relu' && s < 0 ? 0 : s;
    }
    x = y;
  }
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  let sum = 0;
  const p = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) sum += p[i] = Math.exp(x[i] - max);
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}
