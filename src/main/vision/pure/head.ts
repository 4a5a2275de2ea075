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
