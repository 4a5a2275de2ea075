// The built-in scope (§11): global functions, the Error class and the constants. Built once
// per run because print writes to that run's output and sort calls back into the runtime.
import { LimitError, LoupeThrow, isHostStackOverflow } from './errors';
import { TooLargeToConvert } from './interop';
import { MAP_ENTRY_BYTES, type Meter } from './limits';
import { ErrorClass, makeError, rtError } from './objects';
import { MAX_ELEMENTS, type Runtime } from './runtime';
import { argError } from './strings';
import { BoundMethod, Builtin, LClass, LFunction, isTruthy, reprForMessage, strWithin, typeName, type LoupeValue } from './values';

type V = LoupeValue;
const isInt = (v: V): v is number => typeof v === 'number' && Number.isInteger(v);
const NUM_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function list(v: V, n: number, name: string, pos: number): V[] {
  if (!Array.isArray(v)) argError(n, name, 'a list', pos);
  return v;
}
function map(v: V, n: number, name: string, pos: number): Map<V, V> {
  if (!(v instanceof Map)) argError(n, name, 'a map', pos);
  return v;
}
function num(v: V, n: number, name: string, pos: number): number {
  if (typeof v !== 'number') argError(n, name, 'a number', pos);
  return v;
}
function int(v: V, n: number, name: string, pos: number): number {
  if (!isInt(v)) argError(n, name, 'an integer', pos);
  return v;
}
function listIndex(len: number, i: number, pos: number): number {
  const k = i < 0 ? len + i : i;
  if (k < 0 || k >= len) rtError('Index out of range.', pos);
  return k;
}
const isCallable = (f: V): boolean => f instanceof LFunction || f instanceof Builtin || f instanceof BoundMethod || f instanceof LClass;

function clockSeconds(): number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return (perf ? perf.now() : Date.now()) / 1000;
}

function minMax(name: 'min' | 'max', args: V[], pos: number): number {
  let xs: V[] = args;
  if (args.length === 1 && Array.isArray(args[0])) {
    xs = args[0];
    if (xs.length === 0 || xs.some((x) => typeof x !== 'number')) argError(1, name, 'a non-empty list of numbers', pos);
  } else args.forEach((a, i) => num(a, i + 1, name, pos));
  // A loop, not Math.min(...xs): spreading a list of millions runs out of host stack.
  let r = name === 'min' ? Infinity : -Infinity;
  for (const x of xs as number[]) r = name === 'min' ? Math.min(r, x) : Math.max(r, x);
  return r;
}

/** Fast entry points the compiler calls directly when arity is right at compile time. */
export interface FastBuiltins {
  len(v: V, pos: number): V;
  push(l: V, v: V, pos: number): V;
  str(v: V, pos: number): V;
}

export function createBuiltins(rt: Runtime, write: (text: string) => void): { values: Map<string, V>; fast: FastBuiltins } {
  const values = new Map<string, V>();
  const def = (name: string, min: number, max: number, impl: (a: V[], pos: number) => V): void => {
    values.set(name, new Builtin(name, min, max, impl));
  };
  /**
   * str()/repr() within what the memory cap leaves: a list holding itself many times over
   * (not a cycle) would otherwise build a text exponentially long before anything counted it.
   */
  const text = (v: V, quoted: boolean, pos: number): string => {
    if (typeof v === 'string' && !quoted) return v;
    const t = strWithin(v, quoted, rt.roomChars());
    if (t === null) return rt.outOfMemory(pos);
    if (t.length > 64) rt.grow(t.length * 2, pos);
    return t;
  };
  const fast: FastBuiltins = {
    len(v, pos) {
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v instanceof Map) return v.size;
      return argError(1, 'len', 'a string, list or map', pos);
    },
    push(l, v, pos) {
      if (!Array.isArray(l)) argError(1, 'push', 'a list', pos);
      if (l.length >= MAX_ELEMENTS) rt.checkSize(l.length + 1, pos);
      l.push(v);
      rt.grow(8, pos);
      return null;
    },
    str(v, pos) {
      return text(v, false, pos);
    },
  };

  def('print', 0, Infinity, (a, p) => {
    write(a.map((v) => text(v, false, p)).join(' ') + '\n');
    return null;
  });
  def('str', 1, 1, (a, p) => text(a[0], false, p));
  def('repr', 1, 1, (a, p) => text(a[0], true, p));
  def('type', 1, 1, (a) => typeName(a[0]));
  def('num', 1, 1, (a, p) => {
    const v = a[0];
    if (typeof v === 'number') return v;
    if (typeof v !== 'string') return argError(1, 'num', 'a string or number', p);
    const t = v.trim();
    return NUM_RE.test(t) ? Number(t) : null;
  });
  def('len', 1, 1, (a, p) => fast.len(a[0], p));
  def('clock', 0, 0, () => clockSeconds());
  def('sqrt', 1, 1, (a, p) => Math.sqrt(num(a[0], 1, 'sqrt', p)));
  def('abs', 1, 1, (a, p) => Math.abs(num(a[0], 1, 'abs', p)));
  def('floor', 1, 1, (a, p) => Math.floor(num(a[0], 1, 'floor', p)));
  def('ceil', 1, 1, (a, p) => Math.ceil(num(a[0], 1, 'ceil', p)));
  def('round', 1, 1, (a, p) => {
    const x = num(a[0], 1, 'round', p);
    if (!Number.isFinite(x)) return x;
    return Math.sign(x) * Math.round(Math.abs(x));
  });
  def('min', 1, Infinity, (a, p) => minMax('min', a, p));
  def('max', 1, Infinity, (a, p) => minMax('max', a, p));
  def('range', 1, 3, (a, p) => {
    let start = 0;
    let stop = int(a[0], 1, 'range', p);
    let step = 1;
    if (a.length >= 2) {
      start = stop;
      stop = int(a[1], 2, 'range', p);
    }
    if (a.length === 3) {
      step = a[2] as number;
      if (!isInt(a[2]) || step === 0) argError(3, 'range', 'a non-zero integer', p);
    }
    const count = Math.max(0, Math.ceil((stop - start) / step));
    rt.checkSize(count, p);
    rt.grow(count * 8, p);
    const out: V[] = [];
    for (let i = 0, x = start; i < count; i++, x += step) out.push(x);
    return out;
  });
  def('push', 2, 2, (a, p) => fast.push(a[0], a[1], p));
  def('pop', 1, 1, (a, p) => {
    const l = list(a[0], 1, 'pop', p);
    if (l.length === 0) rtError('Cannot pop from an empty list.', p);
    return l.pop() as V;
  });
  def('insert', 3, 3, (a, p) => {
    const l = list(a[0], 1, 'insert', p);
    const i = int(a[1], 2, 'insert', p);
    const k = i < 0 ? l.length + i : i;
    if (k < 0 || k > l.length) rtError('Index out of range.', p);
    rt.checkSize(l.length + 1, p);
    rt.grow(8, p);
    l.splice(k, 0, a[2]);
    return null;
  });
  def('remove', 2, 2, (a, p) => {
    const c = a[0];
    if (Array.isArray(c)) {
      return c.splice(listIndex(c.length, int(a[1], 2, 'remove', p), p), 1)[0];
    }
    if (c instanceof Map) {
      const v = c.get(a[1]);
      if (v === undefined) rtError(`Key not found: ${reprForMessage(a[1])}.`, p);
      c.delete(a[1]);
      return v;
    }
    return argError(1, 'remove', 'a list or map', p);
  });
  def('keys', 1, 1, (a, p) => {
    const m = map(a[0], 1, 'keys', p);
    rt.grow(m.size * 8, p);
    return Array.from(m.keys());
  });
  def('values', 1, 1, (a, p) => {
    const m = map(a[0], 1, 'values', p);
    rt.grow(m.size * 8, p);
    return Array.from(m.values());
  });
  def('has', 2, 2, (a, p) => {
    const c = a[0];
    if (c instanceof Map) return c.has(a[1]);
    if (Array.isArray(c)) return c.some((x) => x === a[1]);
    if (typeof c === 'string') {
      if (typeof a[1] !== 'string') argError(2, 'has', 'a string', p);
      return c.includes(a[1]);
    }
    return argError(1, 'has', 'a string, list or map', p);
  });
  def('get', 2, 3, (a, p) => {
    const v = map(a[0], 1, 'get', p).get(a[1]);
    return v === undefined ? (a.length === 3 ? a[2] : null) : v;
  });
  def('copy', 1, 1, (a, p) => {
    const c = a[0];
    if (Array.isArray(c)) {
      rt.grow(c.length * 8, p);
      return c.slice();
    }
    if (c instanceof Map) {
      rt.grow(c.size * MAP_ENTRY_BYTES, p);
      return new Map(c);
    }
    return argError(1, 'copy', 'a list or map', p);
  });
  def('slice', 2, 3, (a, p) => {
    const s = a[0];
    if (typeof s !== 'string' && !Array.isArray(s)) argError(1, 'slice', 'a string or list', p);
    const len = s.length;
    const clamp = (x: number): number => Math.min(len, Math.max(0, x < 0 ? x + len : x));
    const start = clamp(int(a[1], 2, 'slice', p));
    const end = a.length === 3 ? clamp(int(a[2], 3, 'slice', p)) : len;
    if (end <= start) return typeof s === 'string' ? '' : [];
    rt.grow((end - start) * 8, p);
    return s.slice(start, end);
  });
  def('join', 2, 2, (a, p) => {
    const l = list(a[0], 1, 'join', p);
    if (typeof a[1] !== 'string') argError(2, 'join', 'a string', p);
    const sep = a[1];
    // The length of the result is known before joining: refuse it first (V8 aborts the
    // process on some over-long joins instead of throwing).
    let total = sep.length * Math.max(0, l.length - 1);
    if (total > rt.roomChars()) rt.outOfMemory(p);
    const parts: string[] = [];
    for (const x of l) {
      const t = typeof x === 'string' ? x : strWithin(x, false, rt.roomChars() - total);
      if (t === null || (total += t.length) > rt.roomChars()) return rt.outOfMemory(p);
      parts.push(t);
    }
    rt.checkLength(total, p);
    rt.grow(total * 2, p);
    return parts.join(sep);
  });
  def('sort', 1, 2, (a, p) => {
    const l = a[0];
    if (a.length === 1) {
      if (!Array.isArray(l) || !(l.every((x) => typeof x === 'number') || l.every((x) => typeof x === 'string'))) {
        return argError(1, 'sort', 'a list of numbers or a list of strings', p);
      }
      l.sort((x, y) => ((x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0));
      return null;
    }
    const xs = list(l, 1, 'sort', p);
    const less = a[1];
    if (!isCallable(less)) argError(2, 'sort', 'a function', p);
    xs.sort((x, y) => (isTruthy(rt.call(less, [x, y], p)) ? -1 : isTruthy(rt.call(less, [y, x], p)) ? 1 : 0));
    return null;
  });
  def('reverse', 1, 1, (a, p) => {
    list(a[0], 1, 'reverse', p).reverse();
    return null;
  });
  def('ord', 1, 1, (a, p) => {
    const s = a[0];
    if (typeof s !== 'string' || s.length === 0) argError(1, 'ord', 'a non-empty string', p);
    return s.charCodeAt(0);
  });
  def('chr', 1, 1, (a, p) => {
    const n = a[0];
    if (!isInt(n) || n < 0 || n > 0x10ffff) argError(1, 'chr', 'an integer from 0 to 1114111', p);
    return String.fromCodePoint(n);
  });
  def('assert', 1, 2, (a, p) => {
    if (isTruthy(a[0])) return null;
    throw new LoupeThrow(makeError(a.length === 2 ? (a[1] as string) : 'Assertion failed.'), p);
  });
  values.set('Error', ErrorClass);
  values.set('pi', Math.PI);
  values.set('inf', Infinity);
  values.set('nan', NaN);
  return { values, fast };
}

/** Wraps a host function so its JS errors become script errors at the call's '('. */
export function hostBuiltin(name: string, arity: number | [number, number], call: (...args: V[]) => V, onCall?: () => void, meter?: Meter): Builtin {
  const [min, max] = typeof arity === 'number' ? [arity, arity] : arity;
  return new Builtin(name, min, max, (args, pos) => {
    onCall?.();
    try {
      const r = call(...args);
      return r === undefined ? null : r;
    } catch (e) {
      if (e instanceof LoupeThrow || e instanceof LimitError) throw e;
      // Arguments too large to hand over, or an answer too large to build: the memory limit.
      if (meter && (e instanceof TooLargeToConvert || (e instanceof RangeError && !isHostStackOverflow(e)))) meter.outOfMemory(pos);
      return rtError(e instanceof Error ? e.message : String(e), pos);
    }
  });
}
