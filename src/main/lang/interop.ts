// Conversions between plain JS data and Loupe values, for host functions and modules.
import { BoundMethod, Builtin, Instance, LClass, LFunction, LModule, classOf, str, strWithin, type LoupeValue } from './values';

/** JS → Loupe: arrays become lists, plain objects and Maps become maps, undefined is nil. */
export function toLoupe(v: unknown): LoupeValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
    case 'number':
    case 'string':
      return v;
    case 'bigint':
      return Number(v);
    case 'function':
      return null;
  }
  if (Array.isArray(v)) return v.map(toLoupe);
  if (v instanceof Map) {
    const m = new Map<LoupeValue, LoupeValue>();
    for (const [k, x] of v) m.set(toLoupe(k), toLoupe(x));
    return m;
  }
  if (v instanceof LFunction || v instanceof Builtin || v instanceof BoundMethod || v instanceof LClass || v instanceof Instance || v instanceof LModule)
    return v as LoupeValue;
  if (v instanceof Date) return v.toISOString();
  const m = new Map<LoupeValue, LoupeValue>();
  for (const k of Object.keys(v as object)) m.set(k, toLoupe((v as Record<string, unknown>)[k]));
  return m;
}

export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

/** Thrown by fromLoupe when the plain copy would pass its budget. */
export class TooLargeToConvert extends Error {
  constructor() {
    super('Memory limit exceeded.');
  }
}

/**
 * Loupe → JS (JSON-shaped): lists become arrays, maps and instances plain objects keyed by
 * str(key), functions/classes/modules their str form. Cycles become the string "[...]".
 * `room` bounds the copy (about the bytes of its JSON): a list that holds itself many times
 * over (a DAG, not a cycle) copies exponentially, so past the budget it throws
 * TooLargeToConvert instead of exhausting the host.
 */
export function fromLoupe(v: LoupeValue, seen: Set<unknown> = new Set(), room: { left: number } = { left: Infinity }): PlainValue {
  if ((room.left -= typeof v === 'string' ? v.length + 2 : 8) < 0) throw new TooLargeToConvert();
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (seen.has(v)) return Array.isArray(v) ? '[...]' : '{...}';
  if (Array.isArray(v)) {
    seen.add(v);
    const out = v.map((x) => fromLoupe(x, seen, room));
    seen.delete(v);
    return out;
  }
  if (v instanceof Map || v instanceof Instance) {
    seen.add(v);
    const out: { [key: string]: PlainValue } = {};
    const entries: [string, LoupeValue][] =
      v instanceof Map
        ? [...v].map(([k, x]) => [strKey(k, room), x])
        : Object.keys(v)
            .filter((k) => k.startsWith('$'))
            .map((k) => [k.slice(1), v[k] as LoupeValue]);
    for (const [k, x] of entries) Object.defineProperty(out, k, { value: fromLoupe(x, seen, room), enumerable: true, writable: true, configurable: true });
    seen.delete(v);
    if (v instanceof Instance) Object.defineProperty(out, '__class', { value: classOf(v).name, enumerable: false });
    return out;
  }
  return str(v);
}

function strKey(k: LoupeValue, room: { left: number }): string {
  const t = strWithin(k, false, Math.max(0, Math.min(room.left, 2 ** 28)));
  if (t === null) throw new TooLargeToConvert();
  room.left -= t.length;
  return t;
}
