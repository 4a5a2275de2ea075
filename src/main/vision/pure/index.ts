// The vision engine's pure half: head training (train/), evaluation (eval/), selection
// (select/: label-next, near duplicates, mislabel candidates), the head's maths and the error
// type. TypeScript on typed arrays that runs in any JavaScript host: no Node, no DOM
// (tsconfig.vision-pure.json and the layer lint hold it to that). HeadWeights is declared once,
// in head.ts, and the trainer's is the same shape.
export { VisionError, type VisionErrorCode } from './errors';
export { isTrainingRefusal, isTrainingRefusalCode, TRAINING_REFUSALS, type TrainingRefusalCode } from './training-refusals';
export { type HeadWeights, type HeadLayer, type HeadKind, type Activation } from './head';
export * from './train';
export * from './eval';
export * from './select';
