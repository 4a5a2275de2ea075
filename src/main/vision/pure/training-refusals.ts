// The codes with which the pure half (training, evaluation, selection, the head) refuses data,
// as opposed to the Node half's failures (models, pictures, inference, export). Both are
// VisionError values (errors.ts); the product maps codes onto its own errors.
import { VisionError } from './errors';

/** Refusals of the pure half: the data or options cannot give a head; retrying cannot help. */
export const TRAINING_REFUSALS = [
  'no_examples',
  'length_mismatch',
  'too_few_labels',
  'label_too_small',
  'invalid_label',
  'unknown_label',
  'non_finite_feature',
  'dimension_mismatch',
  'constant_features',
  'invalid_option',
  'invalid_input',
  'invalid_head',
  'diverged',
  'cancelled',
] as const;
export type TrainingRefusalCode = (typeof TRAINING_REFUSALS)[number];

const refusals: ReadonlySet<string> = new Set(TRAINING_REFUSALS);

/** A refusal of training, evaluation or selection (including `cancelled`), as opposed to a failure of models or pictures. */
export function isTrainingRefusal(e: unknown): e is VisionError & { code: TrainingRefusalCode } {
  return e instanceof VisionError && refusals.has(e.code);
}

/** Whether `code` is one of the pure half's refusal codes (for errors that crossed a process boundary as JSON). */
export function isTrainingRefusalCode(code: string): code is TrainingRefusalCode {
  return refusals.has(code);
}
