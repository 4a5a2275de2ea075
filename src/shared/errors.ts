import { z } from 'zod';

/**
 * Errors cross every boundary as values: a stable machine code and a sentence a person can
 * act on. No stack traces, no internals. `field` names the offending input path when the
 * error is about one field (validation).
 */
export const ErrorCode = z.enum([
  'validation',
  'not_found',
  'conflict',
  'unauthorized',
  'forbidden',
  'too_large',
  'unsupported_media_type',
  'bad_image',
  'cancelled',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const AppErrorShape = z.object({
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
});
export type AppErrorShape = z.infer<typeof AppErrorShape>;

/** The error every contract call rejects with, on both transports. */
export class LoupeError extends Error {
  readonly code: string;
  readonly field?: string;
  constructor(code: string, message: string, field?: string) {
    super(message);
    this.name = 'LoupeError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
  toJSON(): AppErrorShape {
    return this.field === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, field: this.field };
  }
}
