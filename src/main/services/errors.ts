import { LoupeError } from '../../shared/errors';

/** Errors the services raise; both transports render them as `{code, message}`. */
export const fail = {
  notFound: (message: string) => new LoupeError('not_found', message),
  validation: (message: string, field?: string) => new LoupeError('validation', message, field),
  conflict: (message: string) => new LoupeError('conflict', message),
  unavailable: (message: string) => new LoupeError('unavailable', message),
  tooLarge: (message: string) => new LoupeError('too_large', message),
};

export { LoupeError };
