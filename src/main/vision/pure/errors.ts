// Errors of the vision engine are values with a stable code and a message a person can act on.
// One type for both halves: the pure half (training, evaluation, selection, the head) refuses
// data with the codes in TRAINING_REFUSALS; the Node half (models, pictures, inference, export)
// fails with the others. The product maps codes onto its own errors.

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

export type VisionErrorCode =
  | 'model_not_found'
  | 'model_invalid'
  | 'model_input_mismatch'
  | 'card_invalid'
  | 'unsupported_layer'
  | 'image_empty'
  | 'image_corrupt'
  | 'image_too_large'
  | 'image_unsupported'
  | 'image_not_found'
  | 'aborted'
  | 'engine_closed'
  | 'inference_failed'
  | 'export_invalid'
  | TrainingRefusalCode;

export class VisionError extends Error {
  constructor(
    readonly code: VisionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VisionError';
  }

  toJSON(): { code: VisionErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

const refusals: ReadonlySet<string> = new Set(TRAINING_REFUSALS);

/** A refusal of training, evaluation or selection (including `cancelled`), as opposed to a failure of models or pictures. */
export function isTrainingRefusal(e: unknown): e is VisionError & { code: TrainingRefusalCode } {
  return e instanceof VisionError && refusals.has(e.code);
}

/** Whether `code` is one of the pure half's refusal codes (for errors that crossed a process boundary as JSON). */
export function isTrainingRefusalCode(code: string): code is TrainingRefusalCode {
  return refusals.has(code);
}
