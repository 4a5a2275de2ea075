import type { z } from 'zod';
import { LoupeError } from '../../shared/errors';

/**
 * Turns the first zod issue into a `validation` error that names the field, in words a
 * person (or the renderer showing a form error) can act on: `"name": A dataset needs a
 * name.` The field path is dotted (`paths.3`); the whole input is the empty path.
 */
export function validationError(error: z.ZodError, what = 'input'): LoupeError {
  const issue = error.issues[0];
  if (!issue) return new LoupeError('validation', `The ${what} is not valid.`);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const field = [...issue.path.map(String), key].join('.');
    return new LoupeError('validation', `Unknown field "${field}".`, field);
  }
  const field = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'invalid_type') {
    message = /received undefined$/.test(issue.message) ? 'is required' : `should be ${article(issue.expected)}`;
  }
  if (!field) return new LoupeError('validation', `The ${what} ${issue.code === 'invalid_type' ? message : `is not valid: ${message}`}.`);
  const sentence = issue.code === 'invalid_type' ? `"${field}" ${message}.` : `"${field}": ${message}`;
  return new LoupeError('validation', sentence, field);
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
