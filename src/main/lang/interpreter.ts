// The reference engine: a plain tree-walker over the resolved AST. It shares the Runtime's
// value operations (so error texts cannot drift) but none of the compiler's code generation,
// inline fast paths or temporaries; the tests run both engines on the same programs and
// require identical output. Not used in production: it is several times slower.
import type { Decl, Expr, FnNode, Ident, Module, Stmt } from './ast';
import { LoupeThrow } from './errors';
import { checkArity } from './objects';
import type { Runtime } from './runtime';
import { MAX_DEPTH, UNINIT } from './runtime';
import { Instance, LClass, LFunction, LMethod, isTruthy, type LoupeValue } from './values';

type V = LoupeValue;

class Env {
  vars = new Map<number, V>();
  constructor(readonly parent: Env | null) {}
  define(d: Decl, v: V): void {
    this.vars.set(d.id, v);
  }
  find(d: Decl): Env | null {
    if (this.vars.has(d.id)) return this;
    return this.parent ? this.parent.find(d) : null;
  }
}

class BreakSignal {}
class ContinueSignal {}
class ReturnSignal {
  constructor(readonly value: V) {}
}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

interface Ctx {
  self: Instance | null;
  sup: LClass | null;
  init: boolean;
}

export class Interpreter {
  constructor(
    private rt: Runtime,
    private moduleIndex: number,
    private builtins: Map<string, V>,
  ) {}

  private p(pos: { line: number; col: number }): number {
    return this.rt.pos(pos.line, pos.col, this.moduleIndex);
  }
  private fuel(pos: { line: number; col: number }): void {
    if (--this.rt.S.f < 0) this.rt.tick(this.p(pos));
  }

  runModule(module: Module, moduleDecls: Decl[], exports: Decl[], isMain: boolean, target: { exports: Map<string, () => V> }): V {
    const env = new Env(null);
    for (const d of moduleDecls) env.define(d, UNINIT);
    target.exports = new Map(exports.map((d) => [d.name, () => env.vars.get(d.id) as V]));
    let last: V = null;
    const ctx: Ctx = { self: null, sup: null, init: false };
    for (const s of module.body) {
      if (isMain && s.kind === 'expr') last = this.expr(s.expr, env, ctx);
      else this.stmt(s, env, ctx);
    }
    return last;
  }

  private block(body: Stmt[], env: Env, ctx: Ctx): void {
    const inner = new Env(env);
    for (const s of body) this.stmt(s, inner, ctx);
  }

  private declare(id: Ident, env: Env, v: V): void {
    const d = id.decl as Decl;
    if (d.kind === 'module') (env.find(d) as Env).vars.set(d.id, v);
    else env.define(d, v);
  }

  private stmt(s: Stmt, env: Env, ctx: Ctx): void {
    switch (s.kind) {
      case 'expr':
        this.expr(s.expr, env, ctx);
        return;
      case 'let':
        this.declare(s.name, env, s.init ? this.expr(s.init, env, ctx) : null);
        return;
      case 'fnDecl': {
        const d = (s.fn.name as Ident).decl as Decl;
        if (d.kind === 'local') env.define(d, null);
        this.declare(s.fn.name as Ident, env, this.closure(s.fn, env, ctx));
        return;
      }
      case 'class':
        return this.classDecl(s, env);
      case 'assign':
        this.assign(s, env, ctx);
        return;
      case 'if':
        if (isTruthy(this.expr(s.cond, env, ctx))) this.block(s.then, env, ctx);
        else if (s.otherwise) this.block(s.otherwise, env, ctx);
        return;
      case 'while':
        while (isTruthy(this.expr(s.cond, env, ctx))) {
          this.fuel(s.pos);
          if (this.loopBody(s.body, env, ctx)) break;
        }
        return;
      case 'for': {
        const c = this.expr(s.iterable, env, ctx);
        const inPos = this.p(s.inPos);
        if (s.vars.length === 1) {
          const items = this.rt.iter1(c, inPos);
          for (let i = 0; i < items.length; i++) {
            this.fuel(s.pos);
            const scope = new Env(env);
            scope.define(s.vars[0].decl as Decl, items[i]);
            if (this.loopBody(s.body, scope, ctx)) break;
          }
        } else {
          const keys = this.rt.iterKeys(c, inPos);
          const vals = this.rt.iterValues(c, keys);
          for (let i = 0; i < vals.length; i++) {
            this.fuel(s.pos);
            const scope = new Env(env);
            scope.define(s.vars[0].decl as Decl, keys === null ? i : keys[i]);
            scope.define(s.vars[1].decl as Decl, vals[i]);
            if (this.loopBody(s.body, scope, ctx)) break;
          }
        }
        return;
      }
      case 'try': {
        const depth = this.rt.S.d;
        try {
          this.block(s.body, env, ctx);
        } catch (e) {
          if (e instanceof BreakSignal || e instanceof ContinueSignal || e instanceof ReturnSignal) throw e;
          if (!s.catchBody) throw this.rt.pass(e);
          this.rt.S.d = depth;
          const scope = new Env(env);
          scope.define((s.catchName as Ident).decl as Decl, this.rt.caught(e));
          this.block(s.catchBody, scope, ctx);
        } finally {
          this.rt.S.d = depth;
          // As in the compiler: a limit in flight outlives whatever the finally's body does.
          if (s.finallyBody) {
            try {
              this.block(s.finallyBody, env, ctx);
            } finally {
              if (this.rt.lim !== null) throw this.rt.lim; // eslint-disable-line no-unsafe-finally
            }
          }
        }
        return;
      }
      case 'throw':
        throw new LoupeThrow(this.expr(s.value, env, ctx), this.p(s.pos));
      case 'return':
        throw new ReturnSignal(ctx.init ? (ctx.self as unknown as V) : s.value ? this.expr(s.value, env, ctx) : null);
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'block':
        this.block(s.body, env, ctx);
        return;
      case 'import':
        this.declare(s.alias, env, this.rt.imp(s.path, this.moduleIndex, this.p(s.pos)));
        return;
      case 'from': {
        const m = this.rt.imp(s.path, this.moduleIndex, this.p(s.pos));
        for (const n of s.names) this.declare(n.alias ?? n.name, env, this.rt.exportOf(m, s.path, n.name.name, this.p(n.name)));
        return;
      }
    }
  }

  /** Runs one iteration; true when the loop must stop (break). */
  private loopBody(body: Stmt[], env: Env, ctx: Ctx): boolean {
    try {
      this.block(body, env, ctx);
    } catch (e) {
      if (e === BREAK) return true;
      if (e === CONTINUE) return false;
      throw e;
    }
    return false;
  }

  private classDecl(s: Extract<Stmt, { kind: 'class' }>, env: Env): void {
    const d = s.name.decl as Decl;
    if (d.kind === 'local') env.define(d, null);
    let sup: LClass | null = null;
    if (s.superclass) {
      const v = this.variable(s.superclass, env);
      if (!(v instanceof LClass)) this.rt.err('Superclass must be a class.', this.p(s.superclass));
      sup = v;
    }
    const methods = s.methods.map(
      (m) =>
        new LMethod((self: Instance, ...args: V[]) => this.invokeBody(m, env, { self, sup, init: !!m.isInit }, args), m.params.length, (m.name as Ident).name),
    );
    this.declare(s.name, env, new LClass(s.name.name, sup, methods));
  }

  private closure(f: FnNode, env: Env, ctx: Ctx): LFunction {
    return new LFunction((...args: V[]) => this.invokeBody(f, env, { ...ctx, init: false }, args), f.params.length, f.name ? f.name.name : null);
  }

  private invokeBody(f: FnNode, env: Env, ctx: Ctx, args: V[]): V {
    this.fuel(f.pos);
    const params = new Env(env);
    f.params.forEach((p, i) => params.define(p.decl as Decl, args[i]));
    try {
      this.block(f.body, params, ctx);
    } catch (e) {
      if (e instanceof ReturnSignal) return e.value;
      throw e;
    }
    return ctx.init ? (ctx.self as unknown as V) : null;
  }

  private variable(id: Ident, env: Env): V {
    const d = id.decl as Decl;
    if (d.kind === 'builtin') return this.builtins.get(d.name) as V;
    const v = (env.find(d) as Env).vars.get(d.id) as V;
    if (v === UNINIT) this.rt.uninit(d.name, this.p(id));
    return v;
  }

  private assign(s: Extract<Stmt, { kind: 'assign' }>, env: Env, ctx: Ctx): void {
    const t = s.target;
    const apply = (cur: V, rhs: V): V => (s.op === '=' ? rhs : this.binary(s.op[0], cur, rhs, this.p(s.opPos)));
    if (t.kind === 'var') {
      const d = t.id.decl as Decl;
      const cur = s.op === '=' ? null : this.variable(t.id, env);
      const v = apply(cur, this.expr(s.value, env, ctx));
      const home = env.find(d) as Env;
      if (home.vars.get(d.id) === UNINIT) this.rt.uninit(d.name, this.p(t.id));
      home.vars.set(d.id, v);
    } else if (t.kind === 'get') {
      const o = this.expr(t.object, env, ctx);
      const np = this.p(t.name);
      const cur = s.op === '=' ? null : this.rt.getp(o, t.name.name, np);
      this.rt.setp(o, t.name.name, apply(cur, this.expr(s.value, env, ctx)), np);
    } else if (t.kind === 'index') {
      const o = this.expr(t.object, env, ctx);
      const i = this.expr(t.index, env, ctx);
      const bp = this.p(t.bracket);
      const cur = s.op === '=' ? null : this.rt.idx(o, i, bp);
      this.rt.setIdx(o, i, apply(cur, this.expr(s.value, env, ctx)), bp);
    }
  }

  private binary(op: string, a: V, b: V, pos: number): V {
    switch (op) {
      case '+':
        return this.rt.add(a, b, pos);
      case '-':
        return this.rt.sub(a, b, pos);
      case '*':
        return this.rt.mul(a, b, pos);
      case '/':
        return this.rt.div(a, b, pos);
      case '%':
        return this.rt.mod(a, b, pos);
      case '^':
        return this.rt.pow(a, b, pos);
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      default:
        return this.rt.cmp(op, a, b, pos);
    }
  }

  expr(e: Expr, env: Env, ctx: Ctx): V {
    switch (e.kind) {
      case 'number':
      case 'string':
      case 'bool':
        return e.value;
      case 'nil':
        return null;
      case 'var':
        return this.variable(e.id, env);
      case 'self':
        return ctx.self as unknown as V;
      case 'super':
        return this.rt.superGet(ctx.sup as LClass, e.name.name, ctx.self as Instance, this.p(e.name));
      case 'group':
        return this.expr(e.expr, env, ctx);
      case 'list':
        return e.items.map((x) => this.expr(x, env, ctx));
      case 'map':
        return this.rt.mkMap(
          e.entries.flatMap(([k, v]) => [this.expr(k, env, ctx), this.expr(v, env, ctx)]),
          this.p(e.pos),
        );
      case 'fn':
        return this.closure(e.fn, env, ctx);
      case 'get':
        return this.rt.getp(this.expr(e.object, env, ctx), e.name.name, this.p(e.name));
      case 'index': {
        const o = this.expr(e.object, env, ctx);
        return this.rt.idx(o, this.expr(e.index, env, ctx), this.p(e.bracket));
      }
      case 'unary': {
        const v = this.expr(e.operand, env, ctx);
        return e.op === 'not' ? !isTruthy(v) : this.rt.neg(v, this.p(e.pos));
      }
      case 'binary': {
        const a = this.expr(e.left, env, ctx);
        return this.binary(e.op, a, this.expr(e.right, env, ctx), this.p(e.opPos));
      }
      case 'logical': {
        const a = this.expr(e.left, env, ctx);
        if (e.op === 'and') return isTruthy(a) ? this.expr(e.right, env, ctx) : a;
        return isTruthy(a) ? a : this.expr(e.right, env, ctx);
      }
      case 'call': {
        const pos = this.p(e.paren);
        const c = e.callee;
        if (c.kind === 'get') {
          const o = this.expr(c.object, env, ctx);
          const args = e.args.map((a) => this.expr(a, env, ctx));
          return this.rt.invoke(o, c.name.name, args, this.p(c.name), pos);
        }
        if (c.kind === 'super') {
          const args = e.args.map((a) => this.expr(a, env, ctx));
          return this.rt.superInvoke(ctx.sup as LClass, c.name.name, ctx.self as Instance, args, this.p(c.name), pos);
        }
        const f = this.expr(c, env, ctx);
        const args = e.args.map((a) => this.expr(a, env, ctx));
        if (f instanceof LFunction) {
          checkArity(f.arity, f.arity, args.length, pos);
          if (this.rt.S.d + 1 > MAX_DEPTH) this.rt.ovf(pos);
        }
        return this.rt.call(f, args, pos);
      }
    }
  }
}
