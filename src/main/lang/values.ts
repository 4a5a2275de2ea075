// Loupe values (§4) and their JS representation:
//   nil → null, bool/number/string → JS primitives, list → JS Array, map → JS Map (its
//   SameValueZero keys are exactly §4.1's key rule), and the classes below for the rest.
// Instances are plain JS objects whose prototype chain mirrors the class chain: fields are
// own properties named "$" + NAME and methods live on the class prototype as "M$" + NAME,
// so script names such as "constructor" or "__proto__" never reach a JS built-in slot.

export type LoupeValue =
  | null | boolean | number | string | LoupeValue[] | Map<LoupeValue, LoupeValue>
  | LFunction | Builtin | BoundMethod | LClass | Instance | LModule;

/** A user function or anonymous function; `fn` takes exactly `arity` JS arguments. */
export class LFunction {
  /** Same as arity, under a name no other value has: compiled call sites test `f?.$$arity === N`. */
  readonly $$arity: number;
  constructor(public fn: (...args: LoupeValue[]) => LoupeValue, public arity: number, public name: string | null) {
    this.$$arity = arity;
  }
}

/** Called with the evaluated arguments and the position id of the call's '('. */
export type BuiltinImpl = (args: LoupeValue[], pos: number) => LoupeValue;

export class Builtin {
  constructor(public name: string, public min: number, public max: number, public impl: BuiltinImpl) {}
}

/** A class method: `fn` takes the receiver first, then exactly `arity` arguments. */
export class LMethod {
  constructor(public fn: (self: Instance, ...args: LoupeValue[]) => LoupeValue, public arity: number, public name: string) {}
}

/** A method of a string (§11.3): `impl` gets the receiver and the arguments. */
export class StringMethod {
  constructor(public name: string, public min: number, public max: number,
    public impl: (s: string, args: LoupeValue[], pos: number) => LoupeValue) {}
}

/** `o.method` or `"s".method`: a new one per property read (§4.1). */
export class BoundMethod {
  constructor(public receiver: LoupeValue, public method: LMethod | StringMethod) {}
  get name(): string { return this.method.name; }
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
  constructor(public name: string, public superclass: LClass | null, methods: LMethod[]) {
    this.proto = Object.create(superclass ? superclass.proto : Instance.prototype) as Record<string, unknown>;
    Object.defineProperty(this.proto, '$$class', { value: this, enumerable: false });
    for (const m of methods) this.proto['M$' + m.name] = m;
    const make = function (this: Instance) { /* fields are added by init */ } as unknown as new () => Instance;
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
  constructor(public display: string, public exports: Map<string, () => LoupeValue>) {}
}

export function typeName(v: LoupeValue): string {
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': return 'number';
    case 'string': return 'string';
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

function escapeString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 92: out += '\\\\'; break;
      case 34: out += '\\"'; break;
      case 10: out += '\\n'; break;
      case 9: out += '\\t'; break;
      case 13: out += '\\r'; break;
      case 0: out += '\\0'; break;
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

function convert(v: LoupeValue, quoted: boolean, active: Set<unknown>): string {
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean': return v ? 'true' : 'false';
    case 'number': return formatNumber(v);
    case 'string': return quoted ? escapeString(v) : v;
  }
  if (Array.isArray(v)) {
    if (active.has(v)) return '[...]';
    active.add(v);
    const parts: string[] = [];
    for (const x of v) parts.push(convert(x, true, active));
    active.delete(v);
    return '[' + parts.join(', ') + ']';
  }
  if (v instanceof Map) {
    if (active.has(v)) return '{...}';
    active.add(v);
    const parts: string[] = [];
    for (const [k, x] of v) parts.push(convert(k, true, active) + ': ' + convert(x, true, active));
    active.delete(v);
    return '{' + parts.join(', ') + '}';
  }
  if (v instanceof LFunction || v instanceof Builtin || v instanceof BoundMethod) {
    const name = functionName(v);
    return name === null ? '<fn>' : `<fn ${name}>`;
  }
  if (v instanceof LClass) return `<class ${v.name}>`;
  if (v instanceof Instance) return `<${classOf(v).name} instance>`;
  if (v instanceof LModule) return `<module ${v.display}>`;
  return 'nil';
}

export function str(v: LoupeValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  return convert(v, false, new Set());
}

export function repr(v: LoupeValue): string {
  return convert(v, true, new Set());
}
