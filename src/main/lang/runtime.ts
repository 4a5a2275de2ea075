// The helpers compiled code calls: the slow paths of every value operation (the fast paths
// are inlined by the compiler), calls, properties, iteration, and the sandbox checks.
// Each keeps the spec's semantics and exact error text; `pos` is a position-table id.
import { ImportCompileError, LimitError, LoupeThrow, isHostStackOverflow } from './errors';
import { ErrorClass, checkArity, makeError, newInstance, rtError } from './objects';
import { stringMethod } from './strings';
import {
  BoundMethod, Builtin, Instance, LClass, LFunction, LMethod, LModule, StringMethod,
  repr, typeName, type LoupeValue,
} from './values';

export const MAX_DEPTH = 10000;
const CHUNK = 10000;
/** Largest list or map a script may build (2^25 elements, 256 MiB of slots). */
export const MAX_ELEMENTS = 2 ** 25;
/** Largest map (V8's own limit is 2^24 entries). */
export const MAX_MAP_ENTRIES = 2 ** 23;

/** The mutable per-run counters compiled code touches on hot paths. */
export interface RunState { d: number; f: number; m: number }

/** Marks a module variable whose declaration has not run yet. */
export const UNINIT = Object.freeze({ uninitialized: true }) as unknown as LoupeValue;

export interface Position { line: number; col: number; module: number }

export interface SandboxOptions {
  budget: number;
  deadline: number;
  signal?: { aborted: boolean };
  maxMemory: number;
}

type V = LoupeValue;

export class Runtime {
  readonly S: RunState = { d: 0, f: 0, m: 0 };
  readonly positions: Position[] = [{ line: 1, col: 1, module: 0 }];
  private consumed = 0;
  private granted = 0;
  /** Set by the module loader; resolves and runs an import. */
  importer: (path: string, from: number, pos: number) => LModule = () => { throw new Error('no importer'); };

  constructor(private sandbox: SandboxOptions) {
    this.grant();
  }

  pos(line: number, col: number, module: number): number {
    this.positions.push({ line, col, module });
    return this.positions.length - 1;
  }

  // ---- sandbox ------------------------------------------------------------------------
  private grant(): void {
    const left = this.sandbox.budget - this.consumed;
    this.granted = Math.min(CHUNK, Math.max(0, left));
    this.S.f = this.granted;
  }

  /** Called when the fuel of the current chunk runs out (function entry or back-edge). */
  tick(pos: number): void {
    this.consumed += this.granted;
    if (this.consumed >= this.sandbox.budget) { this.S.f = 0; throw new LimitError('Instruction budget exceeded.', pos); }
    if (this.sandbox.signal?.aborted) { this.S.f = 0; throw new LimitError('Cancelled.', pos); }
    if (Date.now() > this.sandbox.deadline) { this.S.f = 0; throw new LimitError('Time limit exceeded.', pos); }
    this.grant();
    this.S.f--;
  }

  /** Accounts for `bytes` of new list/map/string content against the memory cap. */
  grow(bytes: number, pos: number): void {
    this.S.m += bytes;
    if (this.S.m > this.sandbox.maxMemory) throw new LimitError('Memory limit exceeded.', pos);
  }

  /** No single list or map may exceed MAX_ELEMENTS, whatever the cumulative estimate says. */
  checkSize(size: number, pos: number): void {
    if (size > MAX_ELEMENTS) throw new LimitError('Memory limit exceeded.', pos);
  }

  ovf(pos: number): never { return rtError('Stack overflow.', pos); }
  err(message: string, pos: number): never { return rtError(message, pos); }
  uninit(name: string, pos: number): never { return rtError(`Cannot access '${name}' before initialization.`, pos); }

  // ---- exceptions ---------------------------------------------------------------------
  mkThrow(v: V, pos: number): LoupeThrow { return new LoupeThrow(v, pos); }

  /** The value a script `catch` sees; limits and import compile errors pass through. */
  caught(e: unknown): V {
    if (e instanceof LoupeThrow) return e.value as V;
    if (e instanceof LimitError || e instanceof ImportCompileError) throw e;
    if (isHostStackOverflow(e)) return makeError('Stack overflow.');
    throw e;
  }

  // ---- operators (slow paths) ---------------------------------------------------------
  add(a: V, b: V, pos: number): V {
    if (typeof a === 'number' && typeof b === 'number') return a + b;
    if (typeof a === 'string' && typeof b === 'string') {
      if (b.length > 64) this.grow(b.length * 2, pos);
      return a + b;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      this.checkSize(a.length + b.length, pos);
      this.grow((a.length + b.length) * 8, pos);
      return a.concat(b);
    }
    return this.opError('+', a, b, pos);
  }
  opError(op: string, a: V, b: V, pos: number): never {
    return rtError(`Cannot apply '${op}' to ${typeName(a)} and ${typeName(b)}.`, pos);
  }
  sub(a: V, b: V, pos: number): V { return typeof a === 'number' && typeof b === 'number' ? a - b : this.opError('-', a, b, pos); }
  mul(a: V, b: V, pos: number): V { return typeof a === 'number' && typeof b === 'number' ? a * b : this.opError('*', a, b, pos); }
  div(a: V, b: V, pos: number): V {
    if (typeof a !== 'number' || typeof b !== 'number') this.opError('/', a, b, pos);
    if (b === 0) rtError('Division by zero.', pos);
    return a / b;
  }
  mod(a: V, b: V, pos: number): V {
    if (typeof a !== 'number' || typeof b !== 'number') this.opError('%', a, b, pos);
    if (b === 0) rtError('Division by zero.', pos);
    const r = a % b;
    return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
  }
  pow(a: V, b: V, pos: number): V { return typeof a === 'number' && typeof b === 'number' ? a ** b : this.opError('^', a, b, pos); }
  neg(a: V, pos: number): V { return typeof a === 'number' ? -a : rtError(`Cannot apply '-' to ${typeName(a)}.`, pos); }
  cmp(op: string, a: V, b: V, pos: number): boolean {
    if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')) {
      switch (op) { case '<': return a < b; case '<=': return a <= b; case '>': return a > b; default: return a >= b; }
    }
    return this.opError(op, a, b, pos);
  }

  // ---- literals -----------------------------------------------------------------------
  mkMap(kv: V[], pos: number): V {
    const m = new Map<V, V>();
    for (let i = 0; i < kv.length; i += 2) m.set(kv[i], kv[i + 1]);
    if (kv.length > 16) this.grow(kv.length * 8, pos);
    return m;
  }

  // ---- indexing -----------------------------------------------------------------------
  private listIndex(len: number, i: V, pos: number): number {
    if (typeof i !== 'number' || !Number.isInteger(i)) rtError('Index must be an integer.', pos);
    const k = i < 0 ? len + i : i;
    if (k < 0 || k >= len) rtError('Index out of range.', pos);
    return k;
  }
  idx(o: V, i: V, pos: number): V {
    if (Array.isArray(o)) return o[this.listIndex(o.length, i, pos)];
    if (typeof o === 'string') return o[this.listIndex(o.length, i, pos)];
    if (o instanceof Map) {
      const v = o.get(i);
      if (v === undefined) rtError(`Key not found: ${repr(i)}.`, pos);
      return v;
    }
    return rtError(`Value of type ${typeName(o)} is not indexable.`, pos);
  }
  setIdx(o: V, i: V, v: V, pos: number): V {
    if (Array.isArray(o)) { o[this.listIndex(o.length, i, pos)] = v; return v; }
    if (o instanceof Map) {
      if (!o.has(i)) { this.grow(16, pos); if (o.size >= MAX_MAP_ENTRIES) this.checkSize(MAX_ELEMENTS + 1, pos); }
      o.set(i, v);
      return v;
    }
    return rtError(`Value of type ${typeName(o)} does not support index assignment.`, pos);
  }

  // ---- properties ---------------------------------------------------------------------
  getp(o: V, name: string, pos: number): V {
    if (o instanceof Instance) {
      const f = o['$' + name] as V | undefined;
      if (f !== undefined) return f;
      const m = o['M$' + name] as LMethod | undefined;
      if (m !== undefined) return new BoundMethod(o, m);
      return rtError(`Undefined property '${name}'.`, pos);
    }
    if (typeof o === 'string') {
      const m = stringMethod(name);
      if (m) return new BoundMethod(o, m);
      return rtError(`Undefined property '${name}'.`, pos);
    }
    if (o instanceof LModule) {
      const g = o.exports.get(name);
      if (g) return g();
      return rtError(`Undefined property '${name}'.`, pos);
    }
    return rtError(`Value of type ${typeName(o)} has no properties.`, pos);
  }
  setp(o: V, name: string, v: V, pos: number): V {
    if (o instanceof Instance) { o['$' + name] = v; return v; }
    return rtError(`Cannot set property on value of type ${typeName(o)}.`, pos);
  }
  superGet(sup: LClass, name: string, self: Instance, pos: number): V {
    const m = sup.findMethod(name);
    if (!m) rtError(`Undefined property '${name}'.`, pos);
    return new BoundMethod(self, m);
  }

  // ---- calls --------------------------------------------------------------------------
  /** Method call `o.NAME(args)` when the inline fast path did not apply. */
  invoke(o: V, name: string, args: V[], namePos: number, pos: number): V {
    if (o instanceof Instance) {
      const f = o['$' + name] as V | undefined;
      if (f !== undefined) return this.call(f, args, pos);
      const m = o['M$' + name] as LMethod | undefined;
      if (m === undefined) rtError(`Undefined property '${name}'.`, namePos);
      return this.callMethod(m, o, args, pos);
    }
    if (typeof o === 'string') {
      const m = stringMethod(name);
      if (!m) rtError(`Undefined property '${name}'.`, namePos);
      checkArity(m.min, m.max, args.length, pos);
      return m.impl(o, args, pos);
    }
    return this.call(this.getp(o, name, namePos), args, pos);
  }
  superInvoke(sup: LClass, name: string, self: Instance, args: V[], namePos: number, pos: number): V {
    const m = sup.findMethod(name);
    if (!m) rtError(`Undefined property '${name}'.`, namePos);
    return this.callMethod(m, self, args, pos);
  }
  callMethod(m: LMethod, self: Instance, args: V[], pos: number): V {
    checkArity(m.arity, m.arity, args.length, pos);
    if (++this.S.d > MAX_DEPTH) this.ovf(pos);
    const r = m.fn(self, ...args);
    this.S.d--;
    return r;
  }

  /** Calls any callable value (§8); used by slow call paths and by built-ins like sort. */
  call(f: V, args: V[], pos: number): V {
    if (f instanceof LFunction) {
      checkArity(f.arity, f.arity, args.length, pos);
      if (++this.S.d > MAX_DEPTH) this.ovf(pos);
      const r = f.fn(...args);
      this.S.d--;
      return r;
    }
    if (f instanceof Builtin) {
      checkArity(f.min, f.max, args.length, pos);
      return f.impl(args, pos);
    }
    if (f instanceof BoundMethod) {
      const m = f.method;
      if (m instanceof StringMethod) {
        checkArity(m.min, m.max, args.length, pos);
        return m.impl(f.receiver as string, args, pos);
      }
      return this.callMethod(m, f.receiver as Instance, args, pos);
    }
    if (f instanceof LClass) {
      const inst = newInstance(f);
      const init = f.findMethod('init');
      if (init) this.callMethod(init, inst, args, pos);
      else checkArity(0, 0, args.length, pos);
      return inst as unknown as V;
    }
    return rtError(`Value of type ${typeName(f)} is not callable.`, pos);
  }

  // ---- iteration ----------------------------------------------------------------------
  /** One loop variable: a list (live), a map's key snapshot, or a string. */
  iter1(c: V, pos: number): V[] | string {
    if (Array.isArray(c) || typeof c === 'string') return c;
    if (c instanceof Map) return Array.from(c.keys());
    return rtError(`Value of type ${typeName(c)} is not iterable.`, pos);
  }
  /** Keys for two-variable loops over maps (null: use the index). */
  iterKeys(c: V, pos: number): V[] | null {
    if (Array.isArray(c) || typeof c === 'string') return null;
    if (c instanceof Map) return Array.from(c.keys());
    return rtError(`Value of type ${typeName(c)} is not iterable.`, pos);
  }
  iterValues(c: V, keys: V[] | null): V[] | string {
    if (keys === null) return c as V[] | string;
    return Array.from((c as Map<V, V>).values());
  }

  // ---- modules ------------------------------------------------------------------------
  imp(path: string, from: number, pos: number): LModule { return this.importer(path, from, pos); }
  exportOf(m: LModule, path: string, name: string, pos: number): V {
    const g = m.exports.get(name);
    if (!g) rtError(`Module "${path}" has no export '${name}'.`, pos);
    return g();
  }
}

export { ErrorClass };
