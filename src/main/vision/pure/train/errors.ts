/**
 * Errors of the vision training, evaluation and selection code: a stable code and a
 * sentence a person can act on. The product maps them onto its own error values.
 */
export type VisionTrainErrorCode =
  | 'no_examples'
  | 'length_mismatch'
  | 'too_few_labels'
  | 'label_too_small'
  | 'invalid_label'
  | 'unknown_label'
  | 'non_finite_feature'
  | 'dimension_mismatch'
  | 'constant_features'
  | 'invalid_option'
  | 'invalid_input'
  | 'invalid_head'
  | 'diverged'
  | 'cancelled';

export class VisionTrainError extends Error {
  readonly code: VisionTrainErrorCode;
  constructor(code: VisionTrainErrorCode, message: string) {
    super(message);
    this.name = 'VisionTrainError';
    this.code = code;
  }
  toJSON(): { code: VisionTrainErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isVisionTrainError(e: unknown): e is VisionTrainError {
  return e instanceof VisionTrainError;
}
