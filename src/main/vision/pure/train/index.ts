/** Public surface of the head trainer: train, predict, store. */
export { trainHead } from './trainer';
export { predict } from '../forward';
export { predictTop, topPredictions, type LabelConfidence } from './predict';
export { serializeHead, deserializeHead, headToJSON, headFromJSON, type HeadJSON } from './serialize';
export { checkHead } from '../head-check';
export { TRAIN_DEFAULTS, resolveOptions, type ResolvedOptions } from './options';
export { stratifiedSplit, columnStats } from './prepare';
export { createRng, shuffleInPlace, type Rng } from './random';
export type { AugmentedExample, TrainData, TrainOptions, TrainProgress, TrainResult } from './types';
/** The head the trainer produces: declared once, in ../head.ts. */
export type { HeadWeights, HeadLayer, HeadKind, Activation } from '../head';
