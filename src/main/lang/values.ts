// Loupe values (§4) and their JS representation:
//   nil → null, bool/number/string → JS primitives, list → JS Array, map → JS Map (its
//   SameValueZero keys are exactly §4.1's key rule), and the classes below for the rest.
// Instances are plain JS objects whose prototype chain mirrors the class chain: fields are
// own properties named "$" + NAME and methods live on the class prototype as "M$" + NAME,
// so script names such as "constructor" or "__proto__" never reach a JS built-in slot.

import type { Meter } from './limits';

export type LoupeValue =
  null | boolean | number | string | LoupeValue[] | Map<LoupeValue, LoupeValue> | LFunction | Builtin | BoundMethod | LClass | Instance | LModule;

/** A user function or anonymous function; `fn` takes exactly `arity` JS arguments. */
export class LFunction {
  /** Same as arity, under a name no other value has: compiled call sites test `f?.$$arity === N`. */
  readonly $$arity: number;
  constructor(
    public fn: (...args: LoupeValue[]) => LoupeValue,
    public arity: number,
    public name: string | null,
  ) {
    this.$$arity = arity;
  }
}

/** Called with the evaluated arguments and the position id of the call's '('. */
export type BuiltinImpl = (args: LoupeValue[], pos: number) => LoupeValue;

export class Builtin {
  constructor(
    public name: string,
    public min: number,
    public max: number,
    public impl: BuiltinImpl,
  ) {}
}

/** A class method: `fn` takes the receiver first, then exactly `arity` arguments. */
export class LMethod {
  constructor(
    public fn: (self: Instance, ...args: LoupeValue[]) => LoupeValue,
    public arity: number,
    public name: string,
  ) {}
}

/** A method of a string (§11.3): `impl` gets the receiver and the arguments. */
export class StringMethod {
  constructor(
    public name: string,
    public min: number,
    public max: number,
    public impl: (s: string, args: LoupeValue[], pos: number, meter: Meter) => LoupeValue,
  ) {}
}

/** `o.method` or `"s".method`: a new one per property read (§4.1). */
export class BoundMethod {
  constructor(
    public receiver: LoupeValue,
    public method: LMethod | StringMethod,
  ) {}
  get name(): string {
    return this.method.name;
  }
}

/**
 * Marker base of every instance's prototype chain. Compiled code tests `o?.$$inst === true`
 * rather than `instanceof`, which V8 cannot fold when the class arrives as a closure variable.
 */
export class Instance {
  [field: string]: unknown;
}
Object.defineProperty(Instance.prototype, '$$inst', { value: true, enumerable: false });

export class LClass {
  /** JS prototype of its instances: own "M$NAME" methods, inheriting the superclass's. */
  proto: Record<string, unknown>;
  /** `new make()` allocates an instance; a constructor per class lets V8 keep fields in-object. */
  make: new () => Instance;
  /** The init found by method lookup, cached because classes never change after creation. */
  init: LMethod | null;
  initArity: number;
  /** initArity under a name only classes have, for compiled call sites. */
  $$initArity: number;
  constructor(
    public name: string,
    public superclass: LClass | null,
    methods: LMethod[],
  ) {
    this.proto = Object.create(superclass ? superclass.proto : Instance.prototype) as Record<string, unknown>;
    Object.defineProperty(this.proto, '$$class', { value: this, enumerable: false });
    for (const m of methods) this.proto['M$' + m.name] = m;
    const make = function (this: Instance) {
      /* fields are added by init */
    } as unknown as new () => Instance;
    make.prototype = this.proto;
    this.make = make;
    this.init = this.findMethod('init') ?? null;
    this.initArity = this.init ? this.init.arity : 0;
    this.$$initArity = this.initArity;
  }
  findMethod(name: string): LMethod | undefined {
    return this.proto['M$' + name] as LMethod | undefined;
  }
}

export function classOf(o: Instance): LClass {
  return (o as unknown as { $$class: LClass }).$$class;
}

export class LModule {
  constructor(
    public display: string,
    public exports: Map<string, () => LoupeValue>,
  ) {}
}

export function typeName(v: LoupeValue): string {
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
  }
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'map';
  if (v instanceof LFunction || v instanceof Builtin || v instanceof BoundMethod) return 'function';
  if (v instanceof LClass) return 'class';
  if (v instanceof Instance) return 'instance';
  if (v instanceof LModule) return 'module';
  return 'nil';
}

export const isTruthy = (v: LoupeValue): boolean => v !== null && v !== false;

/** §4.3: ECMAScript Number::toString except for the non-finite values. */
export function formatNumber(n: number): string {
  if (n !== n) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

// Control characters are exactly what repr() escapes.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\\"\u0000-\u001f\u007f]/;

function escapeString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 92:
        out += '\\\\';
        break;
      case 34:
        out += '\\"';
        break;
      case 10:
        out += '\\n';
        break;
      case 9:
        out += '\\t';
        break;
      case 13:
        out += '\\r';
        break;
      case 0:
        out += '\\0';
        break;
      default:
        out += c < 0x20 || c === 0x7f ? `\\u{${c.toString(16)}}` : s[i];
    }
  }
  return out + '"';
}

function functionName(v: LFunction | Builtin | BoundMethod): string | null {
  if (v instanceof LFunction) return v.name;
  if (v instanceof Builtin) return v.name;
  return v.name;
}

/** Thrown by the writer when the text would pass its budget. */
class TooLong {}
const TOO_LONG = new TooLong();

/**
 * Collects the pieces of a str()/repr() text in one flat buffer (joined every few thousand
 * pieces), so the cost is linear in the text: nested joins per list level would copy the
 * text once per level. Every piece is charged against `left` before it is kept, so a list
 * repeated into itself many times (a DAG, not a cycle) stops at the budget instead of
 * building an exponentially long text first.
 */
class Writer {
  private chunks: string[] = [];
  private buf: string[] = [];
  constructor(private left: number) {}
  put(s: string): void {
    if ((this.left -= s.length) < 0) throw TOO_LONG;
    this.buf.push(s);
    if (this.buf.length >= 4096) {
      this.chunks.push(this.buf.join(''));
      this.buf = [];
    }
  }
  /** Refuses early a piece about to be built that cannot fit (escaping a long string). */
  room(): number {
    return this.left;
  }
  text(): string {
    this.chunks.push(this.buf.join(''));
    return this.chunks.length === 1 ? this.chunks[0] : this.chunks.join('');
  }
}

function convert(v: LoupeValue, quoted: boolean, active: Set<unknown>, w: Writer): void {
  if (v === null) return w.put('nil');
  switch (typeof v) {
    case 'boolean':
      return w.put(v ? 'true' : 'false');
    case 'number':
      return w.put(formatNumber(v));
    case 'string':
      if (!quoted) return w.put(v);
      // Escaping grows a string; refuse before copying one that cannot fit.
      if (v.length + 2 > w.room()) throw TOO_LONG;
      return w.put(escapeString(v));
  }
  if (Array.isArray(v)) {
    if (active.has(v)) return w.put('[...]');
    active.add(v);
    w.put('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) w.put(', ');
      convert(v[i], true, active, w);
    }
    active.delete(v);
    return w.put(']');
  }
  if (v instanceof Map) {
    if (active.has(v)) return w.put('{...}');
    active.add(v);
    w.put('{');
    let first = true;
    for (const [k, x] of v) {
      if (!first) w.put(', ');
      first = false;
      convert(k, true, active, w);
      w.put(': ');
      convert(x, true, active, w);
    }
    active.delete(v);
    return w.put('}');
  }
  if (v instanceof LFunction || v instanceof Builtin || v instanceof BoundMethod) {
    const name = functionName(v);
    return w.put(name === null ? '<fn>' : `<fn ${name}>`);
  }
  if (v instanceof LClass) return w.put(`<class ${v.name}>`);
  if (v instanceof Instance) return w.put(`<${classOf(v).name} instance>`);
  if (v instanceof LModule) return w.put(`<module ${v.display}>`);
  return w.put('nil');
}

/**
 * The length of str()/repr() of `v` without building it, or Infinity past `limit`. Lists and
 * maps whose text does not depend on their ancestors (no cycle cut inside) are measured
 * once and remembered, so a list repeated into itself 60 times costs 60 steps, not 2^60.
 */
function measure(v: LoupeValue, quoted: boolean, active: Set<unknown>, memo: Map<unknown, number>, cut: { seen: boolean }, limit: number): number {
  if (typeof v === 'string') {
    if (!quoted) return v.length;
    if (v.length + 2 > limit) return Infinity;
    return NEEDS_ESCAPE.test(v) ? escapeString(v).length : v.length + 2;
  }
  if (!Array.isArray(v) && !(v instanceof Map)) return convertWithin(v, quoted, Infinity).length;
  const known = memo.get(v);
  if (known !== undefined) return known;
  if (active.has(v)) {
    cut.seen = true;
    return 5;
  }
  const outerCut = cut.seen;
  cut.seen = false;
  active.add(v);
  let n = 2;
  if (Array.isArray(v)) {
    n += Math.max(0, v.length - 1) * 2;
    for (let i = 0; i < v.length && n <= limit; i++) n += measure(v[i], true, active, memo, cut, limit - n);
  } else {
    n += Math.max(0, v.size - 1) * 2 + v.size * 2;
    for (const [k, x] of v) {
      if (n > limit) break;
      n += measure(k, true, active, memo, cut, limit - n);
      n += measure(x, true, active, memo, cut, limit - n);
    }
  }
  active.delete(v);
  if (n > limit) n = Infinity;
  if (!cut.seen && n !== Infinity) memo.set(v, n);
  cut.seen = outerCut || cut.seen;
  return n;
}

function convertWithin(v: LoupeValue, quoted: boolean, room: number): string {
  if (room !== Infinity && (Array.isArray(v) || v instanceof Map) && measure(v, quoted, new Set(), new Map(), { seen: false }, room) > room) throw TOO_LONG;
  const w = new Writer(room);
  convert(v, quoted, new Set(), w);
  return w.text();
}

/** str() or repr() of `v` if it fits in `room` code units, else null. */
export function strWithin(v: LoupeValue, quoted: boolean, room: number): string | null {
  if (typeof v === 'string' && !quoted) return v;
  if (typeof v === 'number') return formatNumber(v);
  try {
    return convertWithin(v, quoted, room);
  } catch (e) {
    if (e === TOO_LONG) return null;
    throw e;
  }
}

export function str(v: LoupeValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  return convertWithin(v, false, Infinity);
}

export function repr(v: LoupeValue): string {
  return convertWithin(v, true, Infinity);
}

/** repr() for an error message: bounded, so a huge key cannot stall or exhaust the host. */
export function reprForMessage(v: LoupeValue): string {
  return strWithin(v, true, 1 << 20) ?? '<value too large to show>';
}
