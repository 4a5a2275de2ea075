// String methods (§11.3), called as s.NAME(args) or bound by s.NAME.
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

const methods = new Map<string, StringMethod>();
const def = (name: string, min: number, max: number, impl: StringMethod['impl']): void => {
  methods.set(name, new StringMethod(name, min, max, impl));
};

def('upper', 0, 0, (s) => s.toUpperCase());
def('lower', 0, 0, (s) => s.toLowerCase());
def('trim', 0, 0, (s) => s.trim());
def('split', 1, 1, (s, a, p) => s.split(strArg(a, 0, 'split', p, true)));
def('contains', 1, 1, (s, a, p) => s.includes(strArg(a, 0, 'contains', p)));
def('startsWith', 1, 1, (s, a, p) => s.startsWith(strArg(a, 0, 'startsWith', p)));
def('endsWith', 1, 1, (s, a, p) => s.endsWith(strArg(a, 0, 'endsWith', p)));
def('find', 1, 1, (s, a, p) => s.indexOf(strArg(a, 0, 'find', p)));
def('replace', 2, 2, (s, a, p) => {
  const from = strArg(a, 0, 'replace', p, true);
  const to = strArg(a, 1, 'replace', p);
  return s.split(from).join(to);
});
def('repeat', 1, 1, (s, a, p) => {
  const n = a[0];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) argError(1, 'repeat', 'a non-negative integer', p);
  if (s.length * n > 1 << 29) rtError('Memory limit exceeded.', p);
  return s.repeat(n);
});

export function stringMethod(name: string): StringMethod | undefined {
  return methods.get(name);
}
