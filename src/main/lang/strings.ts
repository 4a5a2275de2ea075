// String methods (§11.3), called as s.NAME(args) or bound by s.NAME.
import { SLOT_BYTES, STRING_OVERHEAD, countOccurrences, type Meter } from './limits';
import { rtError } from './objects';
import { StringMethod, type LoupeValue } from './values';

export function argError(n: number, name: string, desc: string, pos: number): never {
  return rtError(`Argument ${n} of ${name}() must be ${desc}.`, pos);
}

function strArg(args: LoupeValue[], i: number, name: string, pos: number, nonEmpty = false): string {
  const v = args[i];
  if (typeof v !== 'string' || (nonEmpty && v.length === 0)) argError(i + 1, name, nonEmpty ? 'a non-empty string' : 'a string', pos);
  return v;
}

/** A split into more pieces than a list may hold is refused without counting further. */
const MAX_PIECES = 2 ** 25;

const methods = new Map<string, StringMethod>();
const def = (name: string, min: number, max: number, impl: StringMethod['impl']): void => {
  methods.set(name, new StringMethod(name, min, max, impl));
};

// Every method that builds something counts it first (limits.ts): the size of the result
// is known, or cheap to count, before a single character is copied.
const charged = (m: Meter, length: number, pos: number): void => {
  m.checkLength(length, pos);
  m.grow(length * 2, pos);
};

def('upper', 0, 0, (s, _a, p, m) => {
  charged(m, s.length * 3, p);
  return s.toUpperCase();
});
def('lower', 0, 0, (s, _a, p, m) => {
  charged(m, s.length * 2, p);
  return s.toLowerCase();
});
def('trim', 0, 0, (s) => s.trim());
def('split', 1, 1, (s, a, p, m) => {
  const sep = strArg(a, 0, 'split', p, true);
  // One list slot and one string object per piece, plus the characters copied.
  const pieces = countOccurrences(s, sep, MAX_PIECES) + 1;
  m.checkSize(pieces, p);
  m.grow(pieces * (SLOT_BYTES + STRING_OVERHEAD) + s.length * 2, p);
  return s.split(sep);
});
def('contains', 1, 1, (s, a, p) => s.includes(strArg(a, 0, 'contains', p)));
def('startsWith', 1, 1, (s, a, p) => s.startsWith(strArg(a, 0, 'startsWith', p)));
def('endsWith', 1, 1, (s, a, p) => s.endsWith(strArg(a, 0, 'endsWith', p)));
def('find', 1, 1, (s, a, p) => s.indexOf(strArg(a, 0, 'find', p)));
def('replace', 2, 2, (s, a, p, m) => {
  const from = strArg(a, 0, 'replace', p, true);
  const to = strArg(a, 1, 'replace', p);
  const n = countOccurrences(s, from);
  if (n === 0) return s;
  charged(m, s.length + n * (to.length - from.length), p);
  // V8 builds the result flat, with no intermediate list of pieces; a function replacer
  // keeps `$&` and friends in `to` literal.
  return s.replaceAll(from, () => to);
});
def('repeat', 1, 1, (s, a, p, m) => {
  const n = a[0];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) argError(1, 'repeat', 'a non-negative integer', p);
  charged(m, s.length * n, p);
  return s.repeat(n);
});

export function stringMethod(name: string): StringMethod | undefined {
  return methods.get(name);
}
