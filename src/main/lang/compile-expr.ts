// The expression half of the code generator: every Loupe expression becomes one JS
// expression. Each value operation inlines its common case (two numbers, a list and an
// in-range integer, an instance field, a call to an LFunction of the right arity) and falls
// back to a Runtime helper ($R.*) with the spec's exact semantics and messages. Evaluation
// order is kept by copying operands into temporaries ($tN) whenever a later operand could
// have side effects; temporaries are allocated stack-wise and declared per JS function.
import type { Decl, Expr, ExprOf, FnNode, Ident, Module, Pos } from './ast';
import type { Runtime } from './runtime';
import { MAX_ELEMENTS } from './limits';
import { Builtin, type LoupeValue } from './values';

const FAST_BUILTINS: Record<string, number> = { len: 1, push: 2, str: 1 };
const COMPARE = new Set(['<', '<=', '>', '>=']);

export interface FnState {
  top: number;
  max: number;
  usesV: boolean;
  init: boolean;
}

export interface CompileInput {
  module: Module;
  moduleIndex: number;
  moduleDecls: Decl[];
  exports: Decl[];
  isMain: boolean;
  builtins: Map<string, LoupeValue>;
  /**
   * Deep-stack mode: functions become generators and every call to Loupe code yields a
   * request to the Runtime's trampoline, so the host stack stays shallow at any depth.
   */
  gen?: boolean;
}

export const q = (s: string): string => JSON.stringify(s);
export const jsName = (d: Decl): string => `${d.name}$${d.id}`;

export abstract class ExpressionCompiler {
  protected fn: FnState = { top: 0, max: 0, usesV: false, init: false };
  protected supers: string[] = [];
  protected unique = 0;
  protected usedBuiltins = new Set<string>();

  constructor(
    protected rt: Runtime,
    protected input: CompileInput,
  ) {}

  protected p(pos: Pos): number {
    return this.rt.pos(pos.line, pos.col, this.input.moduleIndex);
  }
  protected tmp(): string {
    const n = this.fn.top++;
    if (this.fn.top > this.fn.max) this.fn.max = this.fn.top;
    return `$t${n}`;
  }
  protected uid(prefix: string): string {
    return `${prefix}${this.unique++}`;
  }
  protected withTemps<T>(f: () => T): T {
    const mark = this.fn.top;
    try {
      return f();
    } finally {
      this.fn.top = mark;
    }
  }

  /** A complete JS `function (...) {...}` for a Loupe function or method body. */
  protected abstract fnCode(f: FnNode, method: boolean): string;

  /** Evaluates `e` once into something that can be read several times. */
  /**
   * Evaluates `e` once into something that can be read several times. A variable is read
   * in place only when everything evaluated after it (`later`) cannot reassign it.
   */
  protected operand(e: Expr, later: Expr[] = []): { pre: string; ref: string } {
    if (e.kind === 'number') return { pre: '', ref: `(${this.expr(e)})` };
    const literal = e.kind === 'string' || e.kind === 'bool' || e.kind === 'nil' || e.kind === 'self';
    if (literal || (this.isAtom(e) && later.every((x) => this.isPure(x)))) return { pre: '', ref: this.expr(e) };
    const code = this.expr(e);
    const t = this.tmp();
    return { pre: `${t} = ${code}, `, ref: t };
  }

  // ---- expressions ----------------------------------------------------------------------
  /** Side-effect-free reads: safe to inline and to duplicate. */
  protected isAtom(e: Expr): boolean {
    switch (e.kind) {
      case 'number':
      case 'string':
      case 'bool':
      case 'nil':
      case 'self':
        return true;
      case 'var':
        return (e.id.decl as Decl).kind !== 'module' || !!e.id.safe;
      default:
        return false;
    }
  }
  /** Cannot change any variable (may still raise an error). */
  protected isPure(e: Expr): boolean {
    switch (e.kind) {
      case 'var':
        return true;
      case 'group':
        return this.isPure(e.expr);
      case 'unary':
        return this.isPure(e.operand);
      case 'binary':
        return this.isPure(e.left) && this.isPure(e.right);
      default:
        return this.isAtom(e);
    }
  }
  protected isBool(e: Expr): boolean {
    switch (e.kind) {
      case 'bool':
        return true;
      case 'group':
        return this.isBool(e.expr);
      case 'unary':
        return e.op === 'not';
      case 'binary':
        return e.op === '==' || e.op === '!=' || COMPARE.has(e.op);
      case 'logical':
        return this.isBool(e.left) && this.isBool(e.right);
      default:
        return false;
    }
  }

  /** A JS boolean expression for the truthiness of `e`. */
  cond(e: Expr): string {
    if (this.isBool(e)) return this.expr(e);
    if (this.isAtom(e)) {
      const x = this.expr(e);
      return `(${x} !== null && ${x} !== false)`;
    }
    const t = this.tmp();
    return `((${t} = ${this.expr(e)}) !== null && ${t} !== false)`;
  }

  protected varRef(id: Ident): string {
    const d = id.decl as Decl;
    if (d.kind === 'builtin') {
      this.usedBuiltins.add(d.name);
      return `$b_${d.name}`;
    }
    const n = jsName(d);
    if (d.kind === 'local' || id.safe) return n;
    return `(${n} === $U ? $R.uninit(${q(d.name)}, ${this.p(id)}) : ${n})`;
  }

  protected num(v: number): string {
    if (v === Infinity) return 'Infinity';
    return String(v);
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'number':
        return this.num(e.value);
      case 'string':
        return q(e.value);
      case 'bool':
        return e.value ? 'true' : 'false';
      case 'nil':
        return 'null';
      case 'var':
        return this.varRef(e.id);
      case 'self':
        return '$self';
      case 'super':
        return `$R.superGet(${this.currentSuper()}, ${q(e.name.name)}, $self, ${this.p(e.name)})`;
      case 'group':
        return `(${this.expr(e.expr)})`;
      case 'list':
        return `[${e.items.map((x) => this.expr(x)).join(', ')}]`;
      case 'map':
        return `$R.mkMap([${e.entries.map(([k, v]) => `${this.expr(k)}, ${this.expr(v)}`).join(', ')}], ${this.p(e.pos)})`;
      case 'fn':
        return this.fnValue(e.fn);
      case 'call':
        return this.call(e);
      case 'get': {
        const obj = this.expr(e.object);
        const o = this.tmp();
        const u = this.tmp();
        const n = e.name.name;
        return `((${o} = ${obj})?.$$inst === true && (${u} = ${o}.$${n}) !== undefined ? ${u} : $R.getp(${o}, ${q(n)}, ${this.p(e.name)}))`;
      }
      case 'index': {
        const bp = this.p(e.bracket);
        if (this.isAtom(e.object) && e.object.kind !== 'number' && this.isAtom(e.index)) {
          // Both side-effect-free reads (the common `xs[i]`): no temporaries needed.
          const o = this.expr(e.object);
          const i = this.expr(e.index);
          return `(Array.isArray(${o}) && typeof ${i} === 'number' && (${i} >>> 0) === ${i} && ${i} < ${o}.length ? ${o}[${i}] : $R.idx(${o}, ${i}, ${bp}))`;
        }
        const obj = this.expr(e.object);
        const o = this.tmp();
        const idx = this.expr(e.index);
        const i = this.tmp();
        return `(${o} = ${obj}, ${i} = ${idx}, Array.isArray(${o}) && typeof ${i} === 'number' && (${i} >>> 0) === ${i} && ${i} < ${o}.length ? ${o}[${i}] : $R.idx(${o}, ${i}, ${bp}))`;
      }
      case 'unary': {
        if (e.op === 'not') return `!${this.cond(e.operand)}`;
        const o = this.operand(e.operand);
        return `(${o.pre}typeof ${o.ref} === 'number' ? -${o.ref} : $R.neg(${o.ref}, ${this.p(e.pos)}))`;
      }
      case 'binary':
        if (e.op === '==') return `(${this.expr(e.left)} === ${this.expr(e.right)})`;
        if (e.op === '!=') return `(${this.expr(e.left)} !== ${this.expr(e.right)})`;
        return this.binaryOn(e.op, e.left, e.right, e.opPos);
      case 'logical': {
        if (this.isBool(e.left) && this.isBool(e.right)) {
          return `(${this.expr(e.left)} ${e.op === 'and' ? '&&' : '||'} ${this.expr(e.right)})`;
        }
        const t = this.tmp();
        const left = this.expr(e.left);
        const right = this.expr(e.right);
        return e.op === 'and'
          ? `((${t} = ${left}) === null || ${t} === false ? ${t} : ${right})`
          : `((${t} = ${left}) !== null && ${t} !== false ? ${t} : ${right})`;
      }
    }
  }

  protected currentSuper(): string {
    return this.supers[this.supers.length - 1];
  }

  /** `left OP right` for arithmetic and comparison operators, in evaluation order. */
  protected binaryOn(op: string, left: Expr, right: Expr, opPos: Pos): string {
    const pos = this.p(opPos);
    let pre = '';
    let a: string;
    const literal = left.kind === 'number' || left.kind === 'string' || left.kind === 'bool' || left.kind === 'nil';
    if (literal || (this.isAtom(left) && this.isPure(right))) a = this.expr(left);
    else {
      const code = this.expr(left);
      a = this.tmp();
      pre += `${a} = ${code}, `;
    }
    let b: string;
    if (this.isAtom(right)) b = this.expr(right);
    else {
      const code = this.expr(right);
      b = this.tmp();
      pre += `${b} = ${code}, `;
    }
    let body: string;
    if (op === '+' && (left.kind === 'string' || right.kind === 'string')) {
      // A string literal operand: the other one is almost always a string too.
      const other = left.kind === 'string' ? b : a;
      body = `(typeof ${other} === 'string' ? ${a} + ${b} : $R.add(${a}, ${b}, ${pos}))`;
    } else body = this.arith(op, a, b, pos, left.kind === 'number', right.kind === 'number');
    return pre ? `(${pre}${body})` : body;
  }

  protected arith(op: string, a: string, b: string, pos: number, aNum: boolean, bNum: boolean): string {
    const checks: string[] = [];
    if (!aNum) checks.push(`typeof ${a} === 'number'`);
    if (!bNum) checks.push(`typeof ${b} === 'number'`);
    const both = checks.length ? checks.join(' && ') : 'true';
    switch (op) {
      case '+':
        return `(${both} ? ${a} + ${b} : $R.add(${a}, ${b}, ${pos}))`;
      case '-':
        return `(${both} ? ${a} - ${b} : $R.sub(${a}, ${b}, ${pos}))`;
      case '*':
        return `(${both} ? ${a} * ${b} : $R.mul(${a}, ${b}, ${pos}))`;
      case '/':
        return `(${both} && ${b} !== 0 ? ${a} / ${b} : $R.div(${a}, ${b}, ${pos}))`;
      case '%':
        // Positive literal divisor: JS % already has the floored result unless it is negative.
        if (bNum && Number(b) > 0) {
          const r = this.tmp();
          return `(${aNum ? 'true' : `typeof ${a} === 'number'`} && (${r} = ${a} % ${b}) >= 0 ? ${r} : $R.mod(${a}, ${b}, ${pos}))`;
        }
        return `$R.mod(${a}, ${b}, ${pos})`;
      case '^':
        return `$R.pow(${a}, ${b}, ${pos})`;
      default:
        if (COMPARE.has(op)) {
          if (aNum || bNum) return `(${both} ? ${a} ${op} ${b} : $R.cmp(${q(op)}, ${a}, ${b}, ${pos}))`;
          return `((typeof ${a} === 'number' && typeof ${b} === 'number') || (typeof ${a} === 'string' && typeof ${b} === 'string') ? ${a} ${op} ${b} : $R.cmp(${q(op)}, ${a}, ${b}, ${pos}))`;
        }
        throw new Error(`unknown operator ${op}`);
    }
  }

  // ---- calls ----------------------------------------------------------------------------
  /** Arguments either inline (all pure) or copied into temporaries, in order. */
  protected args(args: Expr[]): { pre: string; list: string } {
    if (args.every((a) => this.isPure(a))) return { pre: '', list: args.map((a) => this.expr(a)).join(', ') };
    let pre = '';
    const refs: string[] = [];
    for (const a of args) {
      if (a.kind === 'number' || a.kind === 'string' || a.kind === 'bool' || a.kind === 'nil') {
        refs.push(this.expr(a));
        continue;
      }
      const code = this.expr(a);
      const t = this.tmp();
      pre += `${t} = ${code}, `;
      refs.push(t);
    }
    return { pre, list: refs.join(', ') };
  }

  protected call(e: ExprOf<'call'>): string {
    const pos = this.p(e.paren);
    const callee = e.callee;
    const n = e.args.length;
    this.fn.usesV = true;
    if (this.input.gen) return this.genCall(e, pos);
    if (callee.kind === 'get') {
      const o = this.operand(callee.object, e.args);
      const a = this.args(e.args);
      const m = this.tmp();
      const name = callee.name.name;
      const argList = a.list ? `${o.ref}, ${a.list}` : o.ref;
      return (
        `(${o.pre}${a.pre}${o.ref}?.$$inst === true && ${o.ref}.$${name} === undefined && (${m} = ${o.ref}.M$${name}) !== undefined && ${m}.arity === ${n}` +
        ` ? (++$S.d > 10000 && $R.ovf(${pos}), $v = ${m}.fn(${argList}), $S.d--, $v)` +
        ` : $R.invoke(${o.ref}, ${q(name)}, [${a.list}], ${this.p(callee.name)}, ${pos}))`
      );
    }
    if (callee.kind === 'super') {
      const a = this.args(e.args);
      return `(${a.pre}$R.superInvoke(${this.currentSuper()}, ${q(callee.name.name)}, $self, [${a.list}], ${this.p(callee.name)}, ${pos}))`;
    }
    if (callee.kind === 'var' && (callee.id.decl as Decl).kind === 'builtin') {
      const b = this.input.builtins.get(callee.id.name);
      if (b instanceof Builtin && n >= b.min && n <= b.max) {
        if (b.name === 'len' && n === 1) return this.lenCall(e.args[0], pos);
        if (b.name === 'push' && n === 2) return this.pushCall(e.args[0], e.args[1], pos);
        const a = this.args(e.args);
        if (FAST_BUILTINS[b.name] === n) return `(${a.pre}$F.${b.name}(${a.list}, ${pos}))`;
        this.varRef(callee.id);
        return `(${a.pre}$b_${b.name}.impl([${a.list}], ${pos}))`;
      }
    }
    if (callee.kind === 'var') {
      const d = callee.id.decl as Decl;
      if (d.fnArity === n && !d.assigned && d.kind !== 'builtin') {
        // A `fn` declaration nothing reassigns: call its JS function directly (V8 can inline it).
        const guard = d.kind === 'module' && !callee.id.safe ? `${jsName(d)} === $U && $R.uninit(${q(d.name)}, ${this.p(callee.id)}), ` : '';
        const a = this.args(e.args);
        return `(${guard}${a.pre}++$S.d > 10000 && $R.ovf(${pos}), $v = ${jsName(d)}$fn(${a.list}), $S.d--, $v)`;
      }
    }
    const c = this.operand(callee, e.args);
    const a = this.args(e.args);
    return (
      `(${c.pre}${a.pre}${c.ref}?.$$arity === ${n}` +
      ` ? (++$S.d > 10000 && $R.ovf(${pos}), $v = ${c.ref}.fn(${a.list}), $S.d--, $v)` +
      ` : ${c.ref}?.$$initArity === ${n} ? (${c.ref}.init === null ? new ${c.ref}.make()` +
      ` : (++$S.d > 10000 && $R.ovf(${pos}), $v = ${c.ref}.init.fn(${[`new ${c.ref}.make()`, ...(a.list ? [a.list] : [])].join(', ')}), $S.d--, $v))` +
      ` : $R.call(${c.ref}, [${a.list}], ${pos}))`
    );
  }

  /**
   * `len(x)` inline for a list or string; anything else (a map, an error) goes to the
   * built-in. Inlined because a call in a hot loop costs more than the length read.
   */
  private lenCall(arg: Expr, pos: number): string {
    const o = this.operand(arg);
    return `(${o.pre}Array.isArray(${o.ref}) || typeof ${o.ref} === 'string' ? ${o.ref}.length : $F.len(${o.ref}, ${pos}))`;
  }

  /**
   * `push(list, v)` inline while the list is under MAX_ELEMENTS; the memory estimate grows
   * by the built-in's 8 bytes and `$R.grow(0, …)` raises the limit error once it is over.
   * Every other case (not a list, at the element limit) goes to the built-in.
   */
  private pushCall(list: Expr, value: Expr, pos: number): string {
    const l = this.operand(list, [value]);
    let pre = l.pre;
    let v: string;
    if (this.isAtom(value)) v = this.expr(value);
    else {
      const code = this.expr(value);
      v = this.tmp();
      pre += `${v} = ${code}, `;
    }
    return `(${pre}Array.isArray(${l.ref}) && ${l.ref}.length < ${MAX_ELEMENTS} ? (${l.ref}.push(${v}), ($S.m += 8) > $S.x && $R.grow(0, ${pos}), null) : $F.push(${l.ref}, ${v}, ${pos}))`;
  }

  /** Deep-stack mode: the call becomes `yield` of a request the trampoline carries out. */
  private genCall(e: ExprOf<'call'>, pos: number): string {
    const callee = e.callee;
    if (callee.kind === 'get') {
      const o = this.operand(callee.object, e.args);
      const a = this.args(e.args);
      return `(${o.pre}${a.pre}yield $R.rq(2, ${o.ref}, [${a.list}], ${pos}, ${q(callee.name.name)}, ${this.p(callee.name)}))`;
    }
    if (callee.kind === 'super') {
      const a = this.args(e.args);
      return `(${a.pre}yield $R.rq(3, ${this.currentSuper()}, [${a.list}], ${pos}, ${q(callee.name.name)}, ${this.p(callee.name)}, $self))`;
    }
    if (callee.kind === 'var' && (callee.id.decl as Decl).kind === 'builtin') {
      const b = this.input.builtins.get(callee.id.name);
      if (b instanceof Builtin && e.args.length >= b.min && e.args.length <= b.max) {
        const a = this.args(e.args);
        this.varRef(callee.id);
        return `(${a.pre}$b_${b.name}.impl([${a.list}], ${pos}))`;
      }
    }
    const c = this.operand(callee, e.args);
    const a = this.args(e.args);
    return `(${c.pre}${a.pre}yield $R.rq(1, ${c.ref}, [${a.list}], ${pos}))`;
  }

  protected fnValue(f: FnNode): string {
    return `new $LF(${this.fnCode(f, false)}, ${f.params.length}, ${f.name ? q(f.name.name) : 'null'})`;
  }
}
