// Errors of the vision engine are values with a stable code and a message a person can act on.
// One type for both halves: the pure half refuses data with the codes of training-refusals.ts.
import type { TrainingRefusalCode } from './training-refusals';

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
  /** A named pipe, device, socket or folder where a picture file was expected. */
  | 'image_not_a_file'
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
