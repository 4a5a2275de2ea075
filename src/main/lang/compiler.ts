// Resolved AST → JavaScript source, evaluated with `new Function` ("JIT by proxy"): Loupe
// locals become JS locals, closures JS closures, loops JS loops, try/finally JS try/finally.
// Every value operation inlines its common case (two numbers, a list and an integer, an
// instance field) and falls back to a Runtime helper with the spec's exact semantics.
// Evaluation order is preserved by copying operands into temporaries ($tN) whenever a later
// operand could have side effects. Call depth is counted at call sites; fuel (the budget,
// timeout and cancellation check) is burnt at function entry and at every loop iteration.
import type { Decl, Expr, ExprOf, FnNode, Ident, Module, Pos, Stmt, StmtOf } from './ast';
import type { Runtime } from './runtime';
import { Builtin, type LoupeValue } from './values';

const FAST_BUILTINS: Record<string, number> = { len: 1, push: 2, str: 1 };
const COMPARE = new Set(['<', '<=', '>', '>=']);

interface FnState { top: number; max: number; usesV: boolean; init: boolean }

export interface CompileInput {
  module: Module;
  moduleIndex: number;
  moduleDecls: Decl[];
  exports: Decl[];
  isMain: boolean;
  builtins: Map<string, LoupeValue>;
}

const q = (s: string): string => JSON.stringify(s);
const jsName = (d: Decl): string => `${d.name}$${d.id}`;

export class Compiler {
  private fn: FnState = { top: 0, max: 0, usesV: false, init: false };
  private supers: string[] = [];
  private unique = 0;
  private usedBuiltins = new Set<string>();

  constructor(private rt: Runtime, private input: CompileInput) {}

  private p(pos: Pos): number { return this.rt.pos(pos.line, pos.col, this.input.moduleIndex); }
  private tmp(): string {
    const n = this.fn.top++;
    if (this.fn.top > this.fn.max) this.fn.max = this.fn.top;
    return `$t${n}`;
  }
  private uid(prefix: string): string { return `${prefix}${this.unique++}`; }
  private withTemps<T>(f: () => T): T {
    const mark = this.fn.top;
    try { return f(); } finally { this.fn.top = mark; }
  }

  // ---- module ---------------------------------------------------------------------------
  compileModule(): string {
    const { module, moduleDecls, exports, isMain } = this.input;
    const body = this.withTemps(() => module.body.map((s) => this.stmt(s, isMain)).join('\n'));
    const decls = moduleDecls.map((d) => (d.fnArity !== undefined ? `${jsName(d)} = $U, ${jsName(d)}$fn` : `${jsName(d)} = $U`));
    // The main module can never be imported (that would be a cycle), so its exports are
    // never read; leaving them out keeps its variables out of closures, in registers.
    const exp = isMain ? '' : exports.map((d) => `[${q(d.name)}, () => ${jsName(d)}]`).join(', ');
    const builtins = [...this.usedBuiltins].map((n) => `const $b_${n} = $B.get(${q(n)});`).join('\n');
    return `"use strict";\n${builtins}\nreturn function ($M) {\n` +
      (decls.length ? `let ${decls.join(', ')};\n` : '') +
      `let $last = null${this.tempDecls(this.fn, true)};\n` +
      `$M.exports = new Map([${exp}]);\n${body}\nreturn $last;\n};`;
  }

  private tempDecls(f: FnState, leadingComma: boolean): string {
    const names: string[] = [];
    if (f.usesV) names.push('$v');
    for (let i = 0; i < f.max; i++) names.push(`$t${i}`);
    if (!names.length) return '';
    return leadingComma ? ', ' + names.join(', ') : `let ${names.join(', ')};`;
  }

  // ---- statements -----------------------------------------------------------------------
  private block(body: Stmt[]): string {
    return '{\n' + body.map((s) => this.stmt(s, false)).join('\n') + '\n}';
  }

  private stmt(s: Stmt, mainTop = false): string {
    return this.withTemps(() => this.stmtInner(s, mainTop));
  }

  private declTarget(id: Ident): { pre: string; name: string } {
    const d = id.decl as Decl;
    return d.kind === 'module' ? { pre: '', name: jsName(d) } : { pre: 'let ', name: jsName(d) };
  }

  private stmtInner(s: Stmt, mainTop: boolean): string {
    switch (s.kind) {
      case 'expr': return mainTop ? `$last = ${this.expr(s.expr)};` : `${this.expr(s.expr)};`;
      case 'let': {
        const t = this.declTarget(s.name);
        return `${t.pre}${t.name} = ${s.init ? this.expr(s.init) : 'null'};`;
      }
      case 'fnDecl': {
        const id = s.fn.name as Ident;
        const t = this.declTarget(id);
        const raw = `${t.name}$fn`;
        const value = `${raw} = ${this.fnCode(s.fn, false)}; ${t.name} = new $LF(${raw}, ${s.fn.params.length}, ${q(id.name)});`;
        return t.pre ? `let ${t.name}, ${raw}; ${value}` : value;
      }
      case 'class': return this.classDecl(s);
      case 'assign': return this.assign(s) + ';';
      case 'if': {
        let out = `if (${this.cond(s.cond)}) ${this.block(s.then)}`;
        if (s.otherwise) out += ` else ${s.elseIf ? '{\n' + this.stmt(s.otherwise[0]) + '\n}' : this.block(s.otherwise)}`;
        return out;
      }
      case 'while':
        return `while (${this.cond(s.cond)}) {\n${this.fuel(s.pos)}\n${this.block(s.body)}\n}`;
      case 'for': return this.forStmt(s);
      case 'try': return this.tryStmt(s);
      case 'throw': return `throw $R.mkThrow(${this.expr(s.value)}, ${this.p(s.pos)});`;
      case 'return':
        if (this.fn.init) return 'return $self;';
        return `return ${s.value ? this.expr(s.value) : 'null'};`;
      case 'break': return 'break;';
      case 'continue': return 'continue;';
      case 'block': return this.block(s.body);
      case 'import': {
        const name = jsName(s.alias.decl as Decl);
        const pre = (s.alias.decl as Decl).kind === 'local' ? 'let ' : '';
        return `${pre}${name} = $R.imp(${q(s.path)}, ${this.input.moduleIndex}, ${this.p(s.pos)});`;
      }
      case 'from': {
        const m = this.uid('$m');
        const parts = [`const ${m} = $R.imp(${q(s.path)}, ${this.input.moduleIndex}, ${this.p(s.pos)});`];
        for (const n of s.names) {
          const target = (n.alias ?? n.name).decl as Decl;
          parts.push(`${jsName(target)} = $R.exportOf(${m}, ${q(s.path)}, ${q(n.name.name)}, ${this.p(n.name)});`);
        }
        const locals = s.names.map((n) => (n.alias ?? n.name).decl as Decl).filter((d) => d.kind === 'local');
        return (locals.length ? `let ${locals.map(jsName).join(', ')};\n` : '') + `{\n${parts.join('\n')}\n}`;
      }
    }
  }

  private fuel(pos: Pos): string { return `if (--$S.f < 0) $R.tick(${this.p(pos)});`; }

  private forStmt(s: StmtOf<'for'>): string {
    const c = this.uid('$c');
    const i = this.uid('$i');
    const vars = s.vars.map((v) => jsName(v.decl as Decl));
    const inPos = this.p(s.inPos);
    const body = this.block(s.body);
    if (vars.length === 1) {
      return `{\nconst ${c} = $R.iter1(${this.expr(s.iterable)}, ${inPos});\n` +
        `for (let ${i} = 0; ${i} < ${c}.length; ${i}++) {\n${this.fuel(s.pos)}\nlet ${vars[0]} = ${c}[${i}];\n${body}\n}\n}`;
    }
    const k = this.uid('$k');
    const vs = this.uid('$vs');
    return `{\nconst ${c} = ${this.expr(s.iterable)};\nconst ${k} = $R.iterKeys(${c}, ${inPos});\n` +
      `const ${vs} = $R.iterValues(${c}, ${k});\n` +
      `for (let ${i} = 0; ${i} < ${vs}.length; ${i}++) {\n${this.fuel(s.pos)}\n` +
      `let ${vars[0]} = ${k} === null ? ${i} : ${k}[${i}];\nlet ${vars[1]} = ${vs}[${i}];\n${body}\n}\n}`;
  }

  private tryStmt(s: StmtOf<'try'>): string {
    const d = this.uid('$d');
    let out = `{\nconst ${d} = $S.d;\ntry ${this.block(s.body)}`;
    if (s.catchBody) {
      const e = this.uid('$e');
      const name = jsName((s.catchName as Ident).decl as Decl);
      out += ` catch (${e}) {\n$S.d = ${d};\nlet ${name} = $R.caught(${e});\n${this.block(s.catchBody)}\n}`;
    }
    if (s.finallyBody) out += ` finally {\n$S.d = ${d};\n${this.block(s.finallyBody)}\n}`;
    return out + '\n}';
  }

  private classDecl(s: StmtOf<'class'>): string {
    const target = jsName(s.name.decl as Decl);
    const local = (s.name.decl as Decl).kind === 'local';
    const sup = this.uid('$sup');
    let out = local ? `let ${target};\n{\n` : '{\n';
    if (s.superclass) {
      out += `const ${sup} = ${this.varRef(s.superclass)};\n`;
      out += `if (!(${sup} instanceof $LC)) $R.err("Superclass must be a class.", ${this.p(s.superclass)});\n`;
    } else out += `const ${sup} = null;\n`;
    this.supers.push(sup);
    const methods = s.methods.map((m) => `new $LM(${this.fnCode(m, true)}, ${m.params.length}, ${q((m.name as Ident).name)})`);
    this.supers.pop();
    return out + `${target} = new $LC(${q(s.name.name)}, ${sup}, [${methods.join(', ')}]);\n}`;
  }

  // ---- assignment -----------------------------------------------------------------------
  private assign(s: StmtOf<'assign'>): string {
    const t = s.target;
    const op = s.op === '=' ? null : s.op[0];
    if (t.kind === 'var') {
      const d = t.id.decl as Decl;
      const name = jsName(d);
      const guard = d.kind === 'module' && !t.id.safe;
      if (op === null) {
        if (!guard) return `${name} = ${this.expr(s.value)}`;
        const v = this.tmp();
        return `(${v} = ${this.expr(s.value)}, ${name} === $U && $R.uninit(${q(d.name)}, ${this.p(t.id)}), ${name} = ${v})`;
      }
      return `${name} = ${this.binaryOn(op, t, s.value, s.opPos)}`;
    }
    if (t.kind === 'get') {
      const o = this.operand(t.object);
      const name = t.name.name;
      const np = this.p(t.name);
      if (op === null) {
        const v = this.tmp();
        return `(${o.pre}${v} = ${this.expr(s.value)}, ${o.ref}?.$$inst === true ? (${o.ref}.$${name} = ${v}) : $R.setp(${o.ref}, ${q(name)}, ${v}, ${np}))`;
      }
      const cur = this.tmp();
      const rhs = this.tmp();
      const read = `${cur} = (${o.ref}?.$$inst === true && ${o.ref}.$${name} !== undefined ? ${o.ref}.$${name} : $R.getp(${o.ref}, ${q(name)}, ${np}))`;
      const val = this.arith(op, cur, rhs, this.p(s.opPos), false, false);
      return `(${o.pre}${read}, ${rhs} = ${this.expr(s.value)}, ${o.ref}?.$$inst === true ? (${o.ref}.$${name} = ${val}) : $R.setp(${o.ref}, ${q(name)}, ${val}, ${np}))`;
    }
    if (t.kind === 'index') {
      const o = this.tmp();
      const i = this.tmp();
      const pre = `${o} = ${this.expr(t.object)}, ${i} = ${this.expr(t.index)}, `;
      const bp = this.p(t.bracket);
      const fast = `Array.isArray(${o}) && typeof ${i} === 'number' && (${i} >>> 0) === ${i} && ${i} < ${o}.length`;
      if (op === null) {
        const v = this.tmp();
        return `(${pre}${v} = ${this.expr(s.value)}, ${fast} ? (${o}[${i}] = ${v}) : $R.setIdx(${o}, ${i}, ${v}, ${bp}))`;
      }
      const cur = this.tmp();
      const rhs = this.tmp();
      const val = this.arith(op, cur, rhs, this.p(s.opPos), false, false);
      return `(${pre}${cur} = $R.idx(${o}, ${i}, ${bp}), ${rhs} = ${this.expr(s.value)}, $R.setIdx(${o}, ${i}, ${val}, ${bp}))`;
    }
    throw new Error('invalid assignment target');
  }

  /** Evaluates `e` once into something that can be read several times. */
  private operand(e: Expr): { pre: string; ref: string } {
    if (e.kind === 'number') return { pre: '', ref: `(${this.expr(e)})` };
    if (this.isAtom(e)) return { pre: '', ref: this.expr(e) };
    const code = this.expr(e);
    const t = this.tmp();
    return { pre: `${t} = ${code}, `, ref: t };
  }

  // ---- expressions ----------------------------------------------------------------------
  /** Side-effect-free reads: safe to inline and to duplicate. */
  private isAtom(e: Expr): boolean {
    switch (e.kind) {
      case 'number': case 'string': case 'bool': case 'nil': case 'self': return true;
      case 'var': return (e.id.decl as Decl).kind !== 'module' || !!e.id.safe;
      default: return false;
    }
  }
  /** Cannot change any variable (may still raise an error). */
  private isPure(e: Expr): boolean {
    switch (e.kind) {
      case 'var': return true;
      case 'group': return this.isPure(e.expr);
      case 'unary': return this.isPure(e.operand);
      case 'binary': return this.isPure(e.left) && this.isPure(e.right);
      default: return this.isAtom(e);
    }
  }
  private isBool(e: Expr): boolean {
    switch (e.kind) {
      case 'bool': return true;
      case 'group': return this.isBool(e.expr);
      case 'unary': return e.op === 'not';
      case 'binary': return e.op === '==' || e.op === '!=' || COMPARE.has(e.op);
      case 'logical': return this.isBool(e.left) && this.isBool(e.right);
      default: return false;
    }
  }

  /** A JS boolean expression for the truthiness of `e`. */
  cond(e: Expr): string {
    if (this.isBool(e)) return this.expr(e);
    if (this.isAtom(e)) { const x = this.expr(e); return `(${x} !== null && ${x} !== false)`; }
    const t = this.tmp();
    return `((${t} = ${this.expr(e)}) !== null && ${t} !== false)`;
  }

  private varRef(id: Ident): string {
    const d = id.decl as Decl;
    if (d.kind === 'builtin') { this.usedBuiltins.add(d.name); return `$b_${d.name}`; }
    const n = jsName(d);
    if (d.kind === 'local' || id.safe) return n;
    return `(${n} === $U ? $R.uninit(${q(d.name)}, ${this.p(id)}) : ${n})`;
  }

  private num(v: number): string {
    if (v === Infinity) return 'Infinity';
    return String(v);
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'number': return this.num(e.value);
      case 'string': return q(e.value);
      case 'bool': return e.value ? 'true' : 'false';
      case 'nil': return 'null';
      case 'var': return this.varRef(e.id);
      case 'self': return '$self';
      case 'super': return `$R.superGet(${this.currentSuper()}, ${q(e.name.name)}, $self, ${this.p(e.name)})`;
      case 'group': return `(${this.expr(e.expr)})`;
      case 'list': return `[${e.items.map((x) => this.expr(x)).join(', ')}]`;
      case 'map': return `$R.mkMap([${e.entries.map(([k, v]) => `${this.expr(k)}, ${this.expr(v)}`).join(', ')}], ${this.p(e.pos)})`;
      case 'fn': return this.fnValue(e.fn);
      case 'call': return this.call(e);
      case 'get': {
        const obj = this.expr(e.object);
        const o = this.tmp();
        const u = this.tmp();
        const n = e.name.name;
        return `((${o} = ${obj})?.$$inst === true && (${u} = ${o}.$${n}) !== undefined ? ${u} : $R.getp(${o}, ${q(n)}, ${this.p(e.name)}))`;
      }
      case 'index': {
        const obj = this.expr(e.object);
        const o = this.tmp();
        const idx = this.expr(e.index);
        const i = this.tmp();
        return `(${o} = ${obj}, ${i} = ${idx}, Array.isArray(${o}) && typeof ${i} === 'number' && (${i} >>> 0) === ${i} && ${i} < ${o}.length ? ${o}[${i}] : $R.idx(${o}, ${i}, ${this.p(e.bracket)}))`;
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

  private currentSuper(): string { return this.supers[this.supers.length - 1]; }

  /** `left OP right` for arithmetic and comparison operators, in evaluation order. */
  private binaryOn(op: string, left: Expr, right: Expr, opPos: Pos): string {
    const pos = this.p(opPos);
    let pre = '';
    let a: string;
    const literal = left.kind === 'number' || left.kind === 'string' || left.kind === 'bool' || left.kind === 'nil';
    if (literal || (this.isAtom(left) && this.isPure(right))) a = this.expr(left);
    else { const code = this.expr(left); a = this.tmp(); pre += `${a} = ${code}, `; }
    let b: string;
    if (this.isAtom(right)) b = this.expr(right);
    else { const code = this.expr(right); b = this.tmp(); pre += `${b} = ${code}, `; }
    let body: string;
    if (op === '+' && (left.kind === 'string' || right.kind === 'string')) {
      // A string literal operand: the other one is almost always a string too.
      const other = left.kind === 'string' ? b : a;
      body = `(typeof ${other} === 'string' ? ${a} + ${b} : $R.add(${a}, ${b}, ${pos}))`;
    } else body = this.arith(op, a, b, pos, left.kind === 'number', right.kind === 'number');
    return pre ? `(${pre}${body})` : body;
  }

  private arith(op: string, a: string, b: string, pos: number, aNum: boolean, bNum: boolean): string {
    const checks: string[] = [];
    if (!aNum) checks.push(`typeof ${a} === 'number'`);
    if (!bNum) checks.push(`typeof ${b} === 'number'`);
    const both = checks.length ? checks.join(' && ') : 'true';
    switch (op) {
      case '+': return `(${both} ? ${a} + ${b} : $R.add(${a}, ${b}, ${pos}))`;
      case '-': return `(${both} ? ${a} - ${b} : $R.sub(${a}, ${b}, ${pos}))`;
      case '*': return `(${both} ? ${a} * ${b} : $R.mul(${a}, ${b}, ${pos}))`;
      case '/': return `(${both} && ${b} !== 0 ? ${a} / ${b} : $R.div(${a}, ${b}, ${pos}))`;
      case '%':
        // Positive literal divisor: JS % already has the floored result unless it is negative.
        if (bNum && Number(b) > 0) {
          const r = this.tmp();
          return `(${aNum ? 'true' : `typeof ${a} === 'number'`} && (${r} = ${a} % ${b}) >= 0 ? ${r} : $R.mod(${a}, ${b}, ${pos}))`;
        }
        return `$R.mod(${a}, ${b}, ${pos})`;
      case '^': return `$R.pow(${a}, ${b}, ${pos})`;
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
  private args(args: Expr[]): { pre: string; list: string } {
    if (args.every((a) => this.isPure(a))) return { pre: '', list: args.map((a) => this.expr(a)).join(', ') };
    let pre = '';
    const refs: string[] = [];
    for (const a of args) {
      if (a.kind === 'number' || a.kind === 'string' || a.kind === 'bool' || a.kind === 'nil') { refs.push(this.expr(a)); continue; }
      const code = this.expr(a);
      const t = this.tmp();
      pre += `${t} = ${code}, `;
      refs.push(t);
    }
    return { pre, list: refs.join(', ') };
  }

  private call(e: ExprOf<'call'>): string {
    const pos = this.p(e.paren);
    const callee = e.callee;
    const n = e.args.length;
    this.fn.usesV = true;
    if (callee.kind === 'get') {
      const o = this.operand(callee.object);
      const a = this.args(e.args);
      const m = this.tmp();
      const name = callee.name.name;
      const argList = a.list ? `${o.ref}, ${a.list}` : o.ref;
      return `(${o.pre}${a.pre}${o.ref}?.$$inst === true && ${o.ref}.$${name} === undefined && (${m} = ${o.ref}.M$${name}) !== undefined && ${m}.arity === ${n}` +
        ` ? (++$S.d > 10000 && $R.ovf(${pos}), $v = ${m}.fn(${argList}), $S.d--, $v)` +
        ` : $R.invoke(${o.ref}, ${q(name)}, [${a.list}], ${this.p(callee.name)}, ${pos}))`;
    }
    if (callee.kind === 'super') {
      const a = this.args(e.args);
      return `(${a.pre}$R.superInvoke(${this.currentSuper()}, ${q(callee.name.name)}, $self, [${a.list}], ${this.p(callee.name)}, ${pos}))`;
    }
    if (callee.kind === 'var' && (callee.id.decl as Decl).kind === 'builtin') {
      const b = this.input.builtins.get(callee.id.name);
      if (b instanceof Builtin && n >= b.min && n <= b.max) {
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
    const c = this.operand(callee);
    const a = this.args(e.args);
    return `(${c.pre}${a.pre}${c.ref}?.$$arity === ${n}` +
      ` ? (++$S.d > 10000 && $R.ovf(${pos}), $v = ${c.ref}.fn(${a.list}), $S.d--, $v)` +
      ` : ${c.ref}?.$$initArity === ${n} ? (${c.ref}.init === null ? new ${c.ref}.make()` +
      ` : (++$S.d > 10000 && $R.ovf(${pos}), $v = ${c.ref}.init.fn(${[`new ${c.ref}.make()`, ...(a.list ? [a.list] : [])].join(', ')}), $S.d--, $v))` +
      ` : $R.call(${c.ref}, [${a.list}], ${pos}))`;
  }

  // ---- functions ------------------------------------------------------------------------
  private fnValue(f: FnNode): string {
    return `new $LF(${this.fnCode(f, false)}, ${f.params.length}, ${f.name ? q(f.name.name) : 'null'})`;
  }

  private fnCode(f: FnNode, method: boolean): string {
    const outer = this.fn;
    this.fn = { top: 0, max: 0, usesV: false, init: !!f.isInit };
    const params = f.params.map((p) => jsName(p.decl as Decl));
    if (method) params.unshift('$self');
    const body = f.body.map((s) => this.stmt(s)).join('\n');
    const temps = this.tempDecls(this.fn, false);
    const end = f.isInit ? 'return $self;' : 'return null;';
    const code = `function (${params.join(', ')}) {\n${temps}\n${this.fuel(f.pos)}\n${body}\n${end}\n}`;
    this.fn = outer;
    return code;
  }
}

export function compileModule(rt: Runtime, input: CompileInput): string {
  return new Compiler(rt, input).compileModule();
}
