// The built-in class `Error` and the raising of runtime errors (§9): every error the
// implementation raises is a fresh Error instance carrying the exact message text.
import { LoupeThrow } from './errors';
import { Instance, LClass, LMethod, type LoupeValue } from './values';

export const ErrorClass = new LClass('Error', null, [
  new LMethod(
    (self: Instance, message: LoupeValue) => {
      self.$message = message;
      return self as unknown as LoupeValue;
    },
    1,
    'init',
  ),
]);

export function newInstance(cls: LClass): Instance {
  return new cls.make();
}

export function makeError(message: string): Instance {
  const e = newInstance(ErrorClass);
  e.$message = message;
  return e;
}

/** Raises a runtime error at position id `pos`. */
export function rtError(message: string, pos: number): never {
  throw new LoupeThrow(makeError(message), pos);
}

const plural = (n: number): string => (n === 1 ? 'argument' : 'arguments');

export function arityMessage(min: number, max: number, got: number): string {
  if (min === max) return `Expected ${min} ${plural(min)} but got ${got}.`;
  if (max === Infinity) return `Expected at least ${min} ${plural(min)} but got ${got}.`;
  return `Expected ${min} to ${max} arguments but got ${got}.`;
}

export function checkArity(min: number, max: number, got: number, pos: number): void {
  if (got < min || got > max) rtError(arityMessage(min, max, got), pos);
}
