/**
 * A trainable layer stack: initialisation, one mini-batch of back-propagation, AdamW
 * updates and snapshots of the best weights. All buffers are allocated once per run.
 */
import { accumulateAtB, accumulateColumnSums, matmulAB } from '../kernels';
import { allocateActivations, forwardLogits, softmaxWithLoss, type SoftmaxStats } from '../forward';
import type { Rng } from './random';
import type { HeadLayer } from '../head';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

export function initLayers(dims: number[], rng: Rng): HeadLayer[] {
  const layers: HeadLayer[] = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const inDim = dims[l];
    const outDim = dims[l + 1];
    const last = l + 2 === dims.length;
    const weight = new Float32Array(inDim * outDim);
    // A single softmax layer is convex: zeros are a fine, neutral start. Hidden ReLU layers
    // need He-scaled noise to break symmetry; the output layer of an MLP starts small.
    if (dims.length > 2) {
      const scale = last ? Math.sqrt(1 / inDim) : Math.sqrt(2 / inDim);
      for (let i = 0; i < weight.length; i++) weight[i] = rng.normal() * scale;
    }
    layers.push({ inDim, outDim, weight, bias: new Float32Array(outDim), activation: last ? 'none' : 'relu' });
  }
  return layers;
}

export class Network {
  readonly layers: HeadLayer[];
  private readonly acts: Float32Array[];
  private readonly deltas: Float32Array[];
  private readonly gW: Float32Array[];
  private readonly gB: Float32Array[];
  private readonly mW: Float32Array[];
  private readonly vW: Float32Array[];
  private readonly mB: Float32Array[];
  private readonly vB: Float32Array[];
  private step = 0;

  constructor(
    layers: HeadLayer[],
    private readonly maxRows: number,
  ) {
    this.layers = layers;
    this.acts = allocateActivations(layers, maxRows);
    this.deltas = allocateActivations(layers, maxRows);
    const zerosLike = (a: Float32Array): Float32Array => new Float32Array(a.length);
    this.gW = layers.map((l) => zerosLike(l.weight));
    this.gB = layers.map((l) => zerosLike(l.bias));
    this.mW = layers.map((l) => zerosLike(l.weight));
    this.vW = layers.map((l) => zerosLike(l.weight));
    this.mB = layers.map((l) => zerosLike(l.bias));
    this.vB = layers.map((l) => zerosLike(l.bias));
  }

  /** Probabilities for `rows` rows of X starting at row `first` (rows ≤ maxRows). */
  probabilities(
    X: Float32Array,
    first: number,
    rows: number,
    y: Int32Array | null,
    classWeight: Float32Array | null,
    stats: SoftmaxStats | null,
  ): Float32Array {
    const dim = this.layers[0].inDim;
    const Z = forwardLogits(this.layers, X, first * dim, rows, this.acts);
    softmaxWithLoss(Z, rows, this.layers[this.layers.length - 1].outDim, y, first, classWeight, stats);
    return Z;
  }

  /**
   * Forward and backward on the batch X[0..rows) (already gathered), then one AdamW step.
   * The loss is the class-weighted mean cross-entropy of the batch.
   */
  trainBatch(X: Float32Array, y: Int32Array, rows: number, classWeight: Float32Array | null, lr: number, weightDecay: number, stats: SoftmaxStats): void {
    const L = this.layers.length;
    const classes = this.layers[L - 1].outDim;
    const P = this.probabilities(X, 0, rows, y, classWeight, stats);
    const dOut = this.deltas[L - 1];
    const invRows = 1 / rows;
    for (let i = 0; i < rows; i++) {
      const t = y[i];
      const w = (classWeight === null ? 1 : classWeight[t]) * invRows;
      const o = i * classes;
      for (let j = 0; j < classes; j++) dOut[o + j] = P[o + j] * w;
      dOut[o + t] -= w;
    }
    for (let l = L - 1; l >= 0; l--) {
      const layer = this.layers[l];
      const input = l === 0 ? X : this.acts[l - 1];
      this.gW[l].fill(0);
      this.gB[l].fill(0);
      accumulateAtB(this.deltas[l], rows, layer.outDim, input, layer.inDim, this.gW[l]);
      accumulateColumnSums(this.deltas[l], rows, layer.outDim, this.gB[l]);
      if (l > 0) {
        const below = this.deltas[l - 1];
        matmulAB(this.deltas[l], rows, layer.outDim, layer.weight, layer.inDim, below);
        const a = this.acts[l - 1];
        const n = rows * layer.inDim;
        for (let k = 0; k < n; k++) if (a[k] <= 0) below[k] = 0;
      }
    }
    this.adam(lr, weightDecay);
  }

  private adam(lr: number, weightDecay: number): void {
    this.step++;
    const c1 = 1 - Math.pow(BETA1, this.step);
    const c2 = 1 - Math.pow(BETA2, this.step);
    const stepSize = (lr * Math.sqrt(c2)) / c1;
    const decay = 1 - lr * weightDecay;
    for (let l = 0; l < this.layers.length; l++) {
      adamUpdate(this.layers[l].weight, this.gW[l], this.mW[l], this.vW[l], stepSize, decay, Math.sqrt(c2));
      adamUpdate(this.layers[l].bias, this.gB[l], this.mB[l], this.vB[l], stepSize, 1, Math.sqrt(c2));
    }
  }

  snapshot(): Float32Array[] {
    return this.layers.flatMap((l) => [l.weight.slice(), l.bias.slice()]);
  }

  restore(saved: Float32Array[]): void {
    this.layers.forEach((l, i) => {
      l.weight.set(saved[2 * i]);
      l.bias.set(saved[2 * i + 1]);
    });
  }

  get batchCapacity(): number {
    return this.maxRows;
  }
}

function adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, stepSize: number, decay: number, sqrtC2: number): void {
  // eps is scaled by √c2 so that, with the bias corrections folded into stepSize, this is
  // exactly Adam's m̂ / (√v̂ + ε).
  const eps = EPS * sqrtC2;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = BETA1 * m[i] + (1 - BETA1) * gi;
    const vi = BETA2 * v[i] + (1 - BETA2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - (stepSize * mi) / (Math.sqrt(vi) + eps);
  }
}
