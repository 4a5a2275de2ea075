// The helpers compiled code calls: the slow paths of every value operation (the fast paths
// are inlined by the compiler), calls, properties, iteration, and the sandbox checks.
// Each keeps the spec's semantics and exact error text; `pos` is a position-table id.
import { ImportCompileError, LimitError, LoupeThrow, isHostStackOverflow } from './errors';
import { MAP_ENTRY_BYTES, MAX_ELEMENTS, MAX_MAP_ENTRIES, MAX_STRING_LENGTH, type Meter } from './limits';
import { ErrorClass, checkArity, makeError, newInstance, rtError } from './objects';
import { stringMethod } from './strings';
import { BoundMethod, Builtin, Instance, LClass, LFunction, LMethod, LModule, StringMethod, reprForMessage, typeName, type LoupeValue } from './values';

export const MAX_DEPTH = 10000;
const CHUNK = 10000;
export { MAX_ELEMENTS, MAX_MAP_ENTRIES } from './limits';

/** The mutable per-run counters compiled code touches on hot paths. */
/** d: call depth, f: fuel left in this chunk, m: estimated bytes grown, x: the memory cap (read by inlined push). */
export interface RunState {
  d: number;
  f: number;
  m: number;
  x: number;
}

/** Marks a module variable whose declaration has not run yet. */
export const UNINIT = Object.freeze({ uninitialized: true }) as unknown as LoupeValue;

export interface Position {
  line: number;
  col: number;
  module: number;
}

export interface SandboxOptions {
  budget: number;
  deadline: number;
  signal?: { aborted: boolean };
  maxMemory: number;
  /** Largest list (default MAX_ELEMENTS); only tests raise it. */
  maxElements?: number;
}

type V = LoupeValue;

export class Runtime implements Meter {
  readonly S: RunState = { d: 0, f: 0, m: 0, x: 0 };
  readonly positions: Position[] = [{ line: 1, col: 1, module: 0 }];
  private consumed = 0;
  private granted = 0;
  /** Set by the module loader; resolves and runs an import. */
  importer: (path: string, from: number, pos: number) => LModule = () => {
    throw new Error('no importer');
  };

  constructor(private sandbox: SandboxOptions) {
    this.S.x = sandbox.maxMemory;
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

  /**
   * The error that ends this run, once one did: a limit, or a host failure no script may
   * observe (a JS RangeError, the host stack running out). It is sticky: every `finally`
   * the error passes through re-throws it after its body, so neither `return`, `break`,
   * `continue` nor a new `throw` in a finally can turn it into a normal end (§9 lets those
   * replace ordinary errors only), and every later function entry or loop iteration raises it again.
   */
  lim: unknown = null;

  /** Raises a limit error and makes it the run's sticky end. */
  limit(message: string, pos: number): never {
    const e = new LimitError(message, pos);
    this.lim ??= e;
    this.S.f = 0;
    throw this.lim;
  }

  /** Called when the fuel of the current chunk runs out (function entry or back-edge). */
  tick(pos: number): void {
    if (this.lim !== null) {
      this.S.f = 0;
      throw this.lim;
    }
    this.consumed += this.granted;
    if (this.consumed >= this.sandbox.budget) this.limit('Instruction budget exceeded.', pos);
    if (this.sandbox.signal?.aborted) this.limit('Cancelled.', pos);
    if (Date.now() > this.sandbox.deadline) this.limit('Time limit exceeded.', pos);
    this.grant();
    this.S.f--;
  }

  /** Accounts for `bytes` of new list/map/string content against the memory cap. */
  grow(bytes: number, pos: number): void {
    this.S.m += bytes;
    if (this.S.m > this.sandbox.maxMemory) this.outOfMemory(pos);
  }

  /** No single list or map may exceed MAX_ELEMENTS, whatever the cumulative estimate says. */
  checkSize(size: number, pos: number): void {
    if (size > (this.sandbox.maxElements ?? MAX_ELEMENTS)) this.outOfMemory(pos);
  }

  /** No string may exceed MAX_STRING_LENGTH code units (V8 aborts or throws near 2^29). */
  checkLength(length: number, pos: number): void {
    if (length > MAX_STRING_LENGTH) this.outOfMemory(pos);
  }

  roomChars(): number {
    return Math.max(0, Math.min(MAX_STRING_LENGTH, Math.floor((this.sandbox.maxMemory - this.S.m) / 2)));
  }

  outOfMemory(pos: number): never {
    return this.limit('Memory limit exceeded.', pos);
  }

  /** Set when the program runs in deep-stack (generator) mode. */
  genMode = false;
  /** Set once a host function ran: the run can no longer be replayed in deep-stack mode. */
  hostCalled = false;

  ovf(pos: number): never {
    return rtError('Stack overflow.', pos);
  }
  err(message: string, pos: number): never {
    return rtError(message, pos);
  }
  uninit(name: string, pos: number): never {
    return rtError(`Cannot access '${name}' before initialization.`, pos);
  }

  // ---- exceptions ---------------------------------------------------------------------
  mkThrow(v: V, pos: number): LoupeThrow {
    return new LoupeThrow(v, pos);
  }

  /** The value a script `catch` sees; limits, host failures and import compile errors pass through. */
  caught(e: unknown): V {
    if (e instanceof LoupeThrow) return e.value as V;
    if (isHostStackOverflow(e) && (this.genMode || this.S.d >= MAX_DEPTH)) return makeError('Stack overflow.');
    throw this.pass(e);
  }

  /**
   * Classifies what passes through a `try` that has a `finally`: a script's own error goes
   * on as it is (the finally may replace it, §9); anything else becomes the run's sticky
   * end, which the finally re-throws whatever its body does.
   */
  pass(e: unknown): unknown {
    if (e instanceof LoupeThrow) return e;
    if (isHostStackOverflow(e)) {
      // Past the spec's depth the host overflow is the script's catchable Stack overflow.
      if (this.genMode || this.S.d >= MAX_DEPTH) return e;
      // Below it, the host stack ran out first: replay in deep-stack mode (index.ts).
      this.lim ??= new HostStackExhausted();
      return this.lim;
    }
    if (e instanceof RangeError) {
      // An over-long string or array that the estimate missed: the memory limit.
      this.lim ??= new LimitError('Memory limit exceeded.', 0);
      return this.lim;
    }
    if (!(e instanceof ImportCompileError)) this.lim ??= e;
    return e;
  }

  // ---- operators (slow paths) ---------------------------------------------------------
  add(a: V, b: V, pos: number): V {
    if (typeof a === 'number' && typeof b === 'number') return a + b;
    if (typeof a === 'string' && typeof b === 'string') {
      if (b.length > 64) {
        this.checkLength(a.length + b.length, pos);
        this.grow(b.length * 2, pos);
      }
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
  sub(a: V, b: V, pos: number): V {
    return typeof a === 'number' && typeof b === 'number' ? a - b : this.opError('-', a, b, pos);
  }
  mul(a: V, b: V, pos: number): V {
    return typeof a === 'number' && typeof b === 'number' ? a * b : this.opError('*', a, b, pos);
  }
  div(a: V, b: V, pos: number): V {
    if (typeof a !== 'number' || typeof b !== 'number') this.opError('/', a, b, pos);
    if (b === 0) rtError('Division by zero.', pos);
    return a / b;
  }
  mod(a: V, b: V, pos: number): V {
    if (typeof a !== 'number' || typeof b !== 'number') this.opError('%', a, b, pos);
    if (b === 0) rtError('Division by zero.', pos);
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r;
  }
  pow(a: V, b: V, pos: number): V {
    return typeof a === 'number' && typeof b === 'number' ? a ** b : this.opError('^', a, b, pos);
  }
  neg(a: V, pos: number): V {
    return typeof a === 'number' ? -a : rtError(`Cannot apply '-' to ${typeName(a)}.`, pos);
  }
  cmp(op: string, a: V, b: V, pos: number): boolean {
    if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')) {
      switch (op) {
        case '<':
          return a < b;
        case '<=':
          return a <= b;
        case '>':
          return a > b;
        default:
          return a >= b;
      }
    }
    return this.opError(op, a, b, pos);
  }

  // ---- literals -----------------------------------------------------------------------
  mkMap(kv: V[], pos: number): V {
    if (kv.length > 16) this.grow(kv.length * 8, pos);
    const m = new Map<V, V>();
    for (let i = 0; i < kv.length; i += 2) m.set(kv[i], kv[i + 1]);
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
      if (v === undefined) rtError(`Key not found: ${reprForMessage(i)}.`, pos);
      return v;
    }
    return rtError(`Value of type ${typeName(o)} is not indexable.`, pos);
  }
  setIdx(o: V, i: V, v: V, pos: number): V {
    if (Array.isArray(o)) {
      o[this.listIndex(o.length, i, pos)] = v;
      return v;
    }
    if (o instanceof Map) {
      if (!o.has(i)) {
        this.grow(MAP_ENTRY_BYTES, pos);
        if (o.size >= MAX_MAP_ENTRIES) this.outOfMemory(pos);
      }
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
    if (o instanceof Instance) {
      o['$' + name] = v;
      return v;
    }
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
      return m.impl(o, args, pos, this);
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
    const r = this.settle(m.fn(self, ...args));
    this.S.d--;
    return r;
  }

  /** In deep-stack mode a Loupe function returns a generator: run it to completion. */
  private settle(r: V): V {
    return this.genMode && isGenerator(r) ? this.runGen(r as unknown as Gen) : r;
  }

  // ---- deep-stack mode: a trampoline over generators ------------------------------------
  /** A call request yielded by generated code: kind 1 call, 2 method call, 3 super call. */
  rq(kind: number, target: V, args: V[], pos: number, name?: string, namePos?: number, self?: Instance): CallRequest {
    return { kind, target, args, pos, name: name ?? '', namePos: namePos ?? pos, self: self ?? null };
  }

  /**
   * Runs a generator and every call it requests with an explicit frame stack, so the host
   * stack does not grow with the Loupe call depth. Exceptions travel frame to frame through
   * generator.throw, which lets the scripts' own try/catch/finally see them as usual.
   */
  runGen(root: Gen): V {
    const frames: Gen[] = [root];
    let input: V = null;
    let error: unknown = null;
    let failing = false;
    while (true) {
      const top = frames[frames.length - 1];
      let step: IteratorResult<CallRequest, V>;
      try {
        step = failing ? top.throw(error) : top.next(input);
        failing = false;
      } catch (e) {
        frames.pop();
        if (frames.length === 0) throw e;
        this.S.d--;
        error = e;
        failing = true;
        continue;
      }
      if (step.done) {
        frames.pop();
        if (frames.length === 0) return step.value;
        this.S.d--;
        input = step.value;
        continue;
      }
      try {
        const r = this.dispatch(step.value);
        if (r instanceof PendingFrame) {
          frames.push(r.gen);
          input = null;
        } else input = r;
      } catch (e) {
        error = e;
        failing = true;
      }
    }
  }

  /** Carries out a call request: a value for built-ins, a PendingFrame for Loupe code. */
  private dispatch(q: CallRequest): V | PendingFrame {
    let f: V = q.target;
    let args = q.args;
    if (q.kind === 3) {
      const m = (q.target as unknown as LClass).findMethod(q.name);
      if (!m) rtError(`Undefined property '${q.name}'.`, q.namePos);
      return this.enter(m.arity, args.length, q.pos, () => m.fn(q.self as Instance, ...args));
    }
    if (q.kind === 2) {
      const o = q.target;
      if (o instanceof Instance) {
        const field = o['$' + q.name] as V | undefined;
        if (field === undefined) {
          const m = o['M$' + q.name] as LMethod | undefined;
          if (m === undefined) rtError(`Undefined property '${q.name}'.`, q.namePos);
          return this.enter(m.arity, args.length, q.pos, () => m.fn(o, ...args));
        }
        f = field;
      } else if (typeof o === 'string') {
        return this.invoke(o, q.name, args, q.namePos, q.pos);
      } else f = this.getp(o, q.name, q.namePos);
    }
    if (f instanceof LFunction) return this.enter(f.arity, args.length, q.pos, () => f.fn(...args));
    if (f instanceof BoundMethod && f.method instanceof LMethod) {
      const m = f.method;
      const recv = f.receiver as Instance;
      return this.enter(m.arity, args.length, q.pos, () => m.fn(recv, ...args));
    }
    if (f instanceof LClass) {
      const inst = newInstance(f);
      const init = f.init;
      if (!init) {
        checkArity(0, 0, args.length, q.pos);
        return inst as unknown as V;
      }
      args = [inst as unknown as V, ...args];
      return this.enter(init.arity, args.length - 1, q.pos, () => init.fn(inst, ...args.slice(1)));
    }
    return this.call(f, args, q.pos);
  }

  /** Arity, then depth; a generator becomes a new frame, anything else is the result. */
  private enter(arity: number, got: number, pos: number, start: () => V): V | PendingFrame {
    checkArity(arity, arity, got, pos);
    if (++this.S.d > MAX_DEPTH) this.ovf(pos);
    const r = start();
    if (isGenerator(r)) return new PendingFrame(r as unknown as Gen);
    this.S.d--;
    return r;
  }

  /** Calls any callable value (§8); used by slow call paths and by built-ins like sort. */
  call(f: V, args: V[], pos: number): V {
    if (f instanceof LFunction) {
      checkArity(f.arity, f.arity, args.length, pos);
      if (++this.S.d > MAX_DEPTH) this.ovf(pos);
      const r = this.settle(f.fn(...args));
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
        return m.impl(f.receiver as string, args, pos, this);
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
  imp(path: string, from: number, pos: number): LModule {
    return this.importer(path, from, pos);
  }
  exportOf(m: LModule, path: string, name: string, pos: number): V {
    const g = m.exports.get(name);
    if (!g) rtError(`Module "${path}" has no export '${name}'.`, pos);
    return g();
  }
}

export { ErrorClass };

type Gen = Generator<CallRequest, V, V>;

export interface CallRequest {
  kind: number;
  target: V;
  args: V[];
  pos: number;
  name: string;
  namePos: number;
  self: Instance | null;
}

class PendingFrame {
  constructor(readonly gen: Gen) {}
}

const GeneratorProto = Object.getPrototypeOf(
  function* () {
    /* probe */
  }.prototype,
) as object;
export function isGenerator(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(Object.getPrototypeOf(v)) === GeneratorProto;
}

/** The host stack ran out below the spec's depth limit; the run may be replayed in deep-stack mode. */
export class HostStackExhausted {}
