/**
 * The training loop: mini-batch AdamW on a class-weighted cross-entropy, one validation
 * pass per epoch, early stopping on the validation loss with the best epoch's weights
 * kept. Yields to the event loop every few dozen milliseconds so an AbortSignal (or a
 * progress message) gets through while it runs.
 */
import { VisionError } from '../errors';
import type { SoftmaxStats } from '../forward';
import { initLayers, Network } from './network';
import { autoComponents, resolveOptions } from './options';
import { applyCompression, fitCompression, foldCompression, type Compression } from './compress';
import { prepareData, type PreparedData } from './prepare';
import { createRng, shuffleInPlace } from './random';
import type { HeadWeights } from '../head';
import type { TrainData, TrainOptions, TrainProgress, TrainResult } from './types';
import { checkAugmented, checkTrainData } from './validate';

const YIELD_EVERY_MS = 25;
/** Rows per validation/prediction chunk: big enough for the kernels to stay efficient. */
const EVAL_ROWS = 256;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new VisionError('cancelled', 'Training was cancelled.');
}

/** Weights N / (K · n_c) per class, so that each label contributes equally to the loss. */
function classWeights(y: Int32Array, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  const w = new Float32Array(classes);
  for (let c = 0; c < classes; c++) w[c] = counts[c] > 0 ? y.length / (classes * counts[c]) : 0;
  return w;
}

function evaluate(net: Network, X: Float32Array, y: Int32Array, rows: number, cw: Float32Array | null, out: Float32Array | null): SoftmaxStats {
  const stats: SoftmaxStats = { weightedLoss: 0, weightSum: 0, correct: 0 };
  const classes = net.layers[net.layers.length - 1].outDim;
  for (let first = 0; first < rows; first += net.batchCapacity) {
    const r = Math.min(net.batchCapacity, rows - first);
    const P = net.probabilities(X, first, r, y, cw, stats);
    if (out !== null) out.set(P.subarray(0, r * classes), first * classes);
  }
  return stats;
}

function allFinite(layers: HeadWeights['layers']): boolean {
  for (const l of layers) {
    for (let i = 0; i < l.weight.length; i++) if (!Number.isFinite(l.weight[i])) return false;
    for (let i = 0; i < l.bias.length; i++) if (!Number.isFinite(l.bias[i])) return false;
  }
  return true;
}

/**
 * Trains a classifier head on embeddings. Throws VisionError (with a code) on bad
 * input, on cancellation, or if the optimisation diverges before any usable epoch.
 */
export async function trainHead(data: TrainData, options: TrainOptions = {}): Promise<TrainResult> {
  const opts = resolveOptions(options);
  const { signal, onEpoch } = options;
  throwIfAborted(signal);
  const checked = checkTrainData(data);
  const augmented = data.augmented ?? [];
  const augY = checkAugmented(augmented, checked.dim, checked.labels, checked.n);
  const prep: PreparedData = prepareData(checked, augmented, augY, opts.validationFraction, opts.seed, options.splitKeys);
  const { dim, classes, trainY, valY } = prep;
  const nTrain = trainY.length;
  const nVal = valY.length;

  // The MLP trains on compressed inputs when the embedding is wide (see compress.ts).
  let trainX = prep.trainX;
  let valX = prep.valX;
  let inDim = dim;
  let compression: Compression | null = null;
  const components = autoComponents(opts, dim);
  if (components > 0) {
    compression = fitCompression(prep.trainX, prep.trainIndices.length, dim, components, opts.seed + 17, trainY, classes);
    inDim = compression.components;
    trainX = applyCompression(compression, prep.trainX, nTrain, dim);
    valX = applyCompression(compression, prep.valX, nVal, dim);
    await yieldToEventLoop();
    throwIfAborted(signal);
  }

  const rng = createRng(opts.seed + 0x5bd1e995);
  const dims = opts.kind === 'mlp' ? [inDim, opts.hiddenUnits, classes] : [inDim, classes];
  const net = new Network(initLayers(dims, rng), Math.max(opts.batchSize, EVAL_ROWS));
  const cw = opts.classBalanced ? classWeights(trainY, classes) : null;

  const order = new Int32Array(nTrain);
  for (let i = 0; i < nTrain; i++) order[i] = i;
  const batchX = new Float32Array(opts.batchSize * inDim);
  const batchY = new Int32Array(opts.batchSize);

  const history: TrainProgress[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights = net.snapshot();
  let sinceBest = 0;
  let lr = opts.learningRate;
  let sinceDrop = 0;
  let stoppedEarly = false;
  let lastYield = Date.now();

  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    shuffleInPlace(order, rng);
    const stats: SoftmaxStats = { weightedLoss: 0, weightSum: 0, correct: 0 };
    for (let start = 0; start < nTrain; start += opts.batchSize) {
      const rows = Math.min(opts.batchSize, nTrain - start);
      for (let r = 0; r < rows; r++) {
        const src = order[start + r];
        batchX.set(trainX.subarray(src * inDim, (src + 1) * inDim), r * inDim);
        batchY[r] = trainY[src];
      }
      net.trainBatch(batchX, batchY, rows, cw, lr, opts.weightDecay, stats);
      if (Date.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = Date.now();
      }
      throwIfAborted(signal);
    }
    const trainLoss = stats.weightedLoss / stats.weightSum;
    const trainAcc = stats.correct / nTrain;
    let valLoss: number | null = null;
    let valAcc: number | null = null;
    if (nVal > 0) {
      const v = evaluate(net, valX, valY, nVal, cw, null);
      valLoss = v.weightedLoss / v.weightSum;
      valAcc = v.correct / nVal;
    }
    const monitored = valLoss ?? trainLoss;
    if (!Number.isFinite(monitored) || !Number.isFinite(trainLoss) || !allFinite(net.layers)) {
      // Diverged (far too high a learning rate): keep the last good epoch if there is one.
      if (bestEpoch === 0) {
        throw new VisionError('diverged', 'Training diverged in its first epoch. Lower the learning rate and train again.');
      }
      stoppedEarly = true;
      break;
    }
    const progress: TrainProgress = { epoch, epochs: opts.epochs, trainLoss, trainAcc, valLoss, valAcc };
    history.push(progress);
    if (monitored < best - opts.minDelta) {
      best = monitored;
      bestEpoch = epoch;
      bestWeights = net.snapshot();
      sinceBest = 0;
      sinceDrop = 0;
    } else {
      sinceBest++;
      // A plateau at a fixed step size is Adam bouncing around the minimum: a smaller step
      // settles into it (Keras' ReduceLROnPlateau).
      if (++sinceDrop >= opts.lrPatience) {
        lr *= opts.lrDecayFactor;
        sinceDrop = 0;
      }
    }
    onEpoch?.(progress);
    await yieldToEventLoop();
    lastYield = Date.now();
    throwIfAborted(signal);
    if (sinceBest >= opts.patience && epoch < opts.epochs) {
      stoppedEarly = true;
      break;
    }
  }

  net.restore(bestWeights);
  const layers = compression ? [foldCompression(compression, net.layers[0], dim), ...net.layers.slice(1)] : net.layers;
  if (!allFinite(layers)) {
    throw new VisionError('diverged', 'Training produced invalid weights. Lower the learning rate and train again.');
  }
  const validationProbabilities = new Float32Array(nVal * classes);
  if (nVal > 0) evaluate(net, valX, valY, nVal, cw, validationProbabilities);

  const head: HeadWeights = {
    kind: opts.kind,
    inputDim: dim,
    mean: prep.mean,
    std: prep.std,
    layers,
    labels: checked.labels,
  };
  return {
    head,
    history,
    bestEpoch,
    stoppedEarly,
    trainIndices: prep.trainIndices,
    validationIndices: prep.validationIndices,
    augmentedUsed: prep.augmentedUsed,
    validationProbabilities,
    validationTruth: valY,
  };
}
