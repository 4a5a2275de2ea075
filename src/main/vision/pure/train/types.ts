/**
 * Shapes of the trainer's inputs, options and results. The head it produces is the one
 * `HeadWeights` of ../head.ts, which export and prediction take too.
 */
import type { HeadKind, HeadWeights } from '../head';

/** Extra training rows, e.g. embeddings of flipped or cropped copies of a picture. */
export interface AugmentedExample {
  features: Float32Array;
  label: string;
  /**
   * Index (into `TrainData.labels`) of the picture this row was made from. When that picture
   * lands in the validation split the row is dropped, so validation never sees a near-copy
   * of something it was trained on. Omit when unknown.
   */
  source?: number;
}

export interface TrainData {
  /** One embedding per picture, or all of them back to back (N×D, row-major). */
  features: Float32Array[] | Float32Array;
  /** One label per picture, same order as `features`. */
  labels: string[];
  /** Training-only extra rows; never used for validation or for the standardisation stats. */
  augmented?: AugmentedExample[];
}

export interface TrainProgress {
  /** 1-based. */
  epoch: number;
  /** The maximum number of epochs; training may stop earlier. */
  epochs: number;
  trainLoss: number;
  trainAcc: number;
  /** Null when training without a validation split (validationFraction 0). */
  valLoss: number | null;
  valAcc: number | null;
}

export interface TrainOptions {
  /** 'softmax' (default): multinomial logistic regression. 'mlp': one hidden ReLU layer. */
  kind?: HeadKind;
  /** Hidden units of the MLP (default 64). */
  hiddenUnits?: number;
  /**
   * MLP only: project the standardised inputs onto this many principal directions before
   * training, folded back into the first layer afterwards (see compress.ts). Much faster
   * epochs on wide embeddings (try 128), at the risk of losing class signal that lives in
   * low-variance directions. Default 0: off.
   */
  inputComponents?: number;
  /** Maximum epochs (default 40). */
  epochs?: number;
  /** Mini-batch size (default 64). */
  batchSize?: number;
  /** Adam step size (default 0.001 softmax, 0.001 mlp). */
  learningRate?: number;
  /** Decoupled (AdamW) weight decay on weights, not biases (default 1e-4). */
  weightDecay?: number;
  /** Weight each class's loss by N / (K · n_class) so rare labels count as much (default true). */
  classBalanced?: boolean;
  /** Share of each label held out for validation, 0 to 0.5 (default 0.2). 0 disables it. */
  validationFraction?: number;
  /** Epochs without validation-loss improvement before stopping (default 4). */
  patience?: number;
  /**
   * Learning-rate schedule: after this many epochs without improvement the step size is
   * multiplied by `lrDecayFactor` (reduce-on-plateau). Default 2. Must be below `patience`
   * to have any effect.
   */
  lrPatience?: number;
  /** Factor applied to the step size on a plateau, above 0 up to 1 (default 0.3; 1 turns the schedule off). */
  lrDecayFactor?: number;
  /** Smallest decrease of the validation loss that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** Seed for the split, shuffling and initialisation (default 1). Same seed, same head. */
  seed?: number;
  /**
   * One key in [0, 1) per picture that fixes its side of the split instead of the seed: a
   * picture is held out when its key is below `validationFraction`. A key derived from the
   * picture's content keeps the held-out set the same from run to run, so runs compare on
   * the same pictures. Each label still keeps at least one picture on each side.
   */
  splitKeys?: readonly number[];
  signal?: AbortSignal;
  onEpoch?: (progress: TrainProgress) => void;
}

export interface TrainResult {
  head: HeadWeights;
  /** One entry per epoch run, in order. */
  history: TrainProgress[];
  /** 1-based epoch whose weights were kept. */
  bestEpoch: number;
  stoppedEarly: boolean;
  /** Indices into the input of the pictures used for training and for validation. */
  trainIndices: number[];
  validationIndices: number[];
  /** Augmented rows trained on (those made from validation pictures are left out). */
  augmentedUsed: number;
  /** Probabilities of the kept head on the validation pictures, |validation|×K row-major. */
  validationProbabilities: Float32Array;
  /** Label index (into head.labels) of each validation picture. */
  validationTruth: Int32Array;
}
