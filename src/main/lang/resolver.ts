// Name resolution (§5): binds every identifier to its declaration and reports every
// resolution error. The compiler relies on the bindings; callers pick the error to show.
import type { Decl, Expr, FnNode, Ident, Module, Stmt } from './ast';
import { CompileError } from './errors';

type FnType = 'top' | 'function' | 'method' | 'init';

interface Scope {
  names: Map<string, Decl>;
  module: boolean;
}
interface FnCtx {
  type: FnType;
  loops: number;
}
interface ClassCtx {
  hasSuper: boolean;
}

export interface Resolution {
  errors: CompileError[];
  /** Names declared by top-level let/fn/class, in order: the module's exports. */
  exports: Decl[];
  /** Every module-scope declaration (exports and imported names). */
  moduleDecls: Decl[];
}

export class Resolver {
  private scopes: Scope[] = [];
  private fn: FnCtx = { type: 'top', loops: 0 };
  private cls: ClassCtx | null = null;
  private errors: CompileError[] = [];
  private builtins = new Map<string, Decl>();
  private nextId: number;
  /** Index of the top-level statement being resolved, or -1 inside a function body. */
  private topIndex = -1;

  constructor(builtinNames: Iterable<string>, firstId = 1) {
    this.nextId = firstId;
    for (const name of builtinNames) this.builtins.set(name, { name, kind: 'builtin', id: 0 });
  }

  private error(message: string, at: { line: number; col: number }, length = 1): void {
    this.errors.push(new CompileError(message, at.line, at.col, undefined, at.line, at.col + length));
  }

  private declare(id: Ident, kind: 'module' | 'local', stmtIndex?: number): Decl {
    const scope = this.scopes[this.scopes.length - 1];
    const existing = scope.names.get(id.name);
    if (existing) {
      this.error(`'${id.name}' is already declared in this scope.`, id, id.name.length);
      id.decl = existing;
      return existing;
    }
    const decl: Decl = { name: id.name, kind, id: this.nextId++, stmtIndex };
    scope.names.set(id.name, decl);
    id.decl = decl;
    return decl;
  }

  private lookup(id: Ident): Decl | null {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const d = this.scopes[i].names.get(id.name);
      if (d) return d;
    }
    return this.builtins.get(id.name) ?? null;
  }

  private reference(id: Ident, assign: boolean): void {
    const d = this.lookup(id);
    if (!d) {
      this.error(`Undefined variable '${id.name}'.`, id, id.name.length);
      return;
    }
    id.decl = d;
    if (assign) d.assigned = true;
    if (assign && d.kind === 'builtin') this.error(`Cannot assign to built-in '${id.name}'.`, id, id.name.length);
    // A module variable read by top-level code after its declaring statement ran is
    // always initialized, so the compiler may skip the check.
    if (d.kind === 'module' && this.topIndex >= 0 && d.stmtIndex !== undefined && this.topIndex > d.stmtIndex) id.safe = true;
    if (d.kind === 'local') id.safe = true;
  }

  private withScope<T>(f: () => T): T {
    this.scopes.push({ names: new Map(), module: false });
    try {
      return f();
    } finally {
      this.scopes.pop();
    }
  }

  resolveModule(module: Module): Resolution {
    const scope: Scope = { names: new Map(), module: true };
    this.scopes.push(scope);
    const exports: Decl[] = [];
    const moduleDecls: Decl[] = [];
    module.body.forEach((s, index) => {
      const add = (id: Ident, exported: boolean): void => {
        const before = scope.names.get(id.name);
        const d = this.declare(id, 'module', index);
        if (d !== before) {
          moduleDecls.push(d);
          if (exported) exports.push(d);
        }
      };
      if (s.kind === 'let') add(s.name, true);
      else if (s.kind === 'fnDecl' && s.fn.name) {
        add(s.fn.name, true);
        (s.fn.name.decl as Decl).fnArity ??= s.fn.params.length;
      } else if (s.kind === 'class') add(s.name, true);
      else if (s.kind === 'import') add(s.alias, false);
      else if (s.kind === 'from') for (const n of s.names) add(n.alias ?? n.name, false);
    });
    module.body.forEach((s, index) => {
      this.topIndex = index;
      this.stmt(s, true);
    });
    this.scopes.pop();
    return { errors: this.errors, exports, moduleDecls };
  }

  private block(body: Stmt[]): void {
    this.withScope(() => {
      for (const s of body) this.stmt(s, false);
    });
  }

  private stmt(s: Stmt, top: boolean): void {
    switch (s.kind) {
      case 'expr':
        this.expr(s.expr);
        break;
      case 'assign':
        if (s.target.kind === 'var') {
          this.expr(s.value);
          this.reference(s.target.id, true);
        } else {
          this.expr(s.target);
          this.expr(s.value);
        }
        break;
      case 'let':
        if (s.init) this.expr(s.init);
        if (!top) this.declare(s.name, 'local');
        break;
      case 'fnDecl':
        if (!top) this.declare(s.fn.name as Ident, 'local').fnArity ??= s.fn.params.length;
        this.function(s.fn, 'function');
        break;
      case 'class': {
        if (!top) this.declare(s.name, 'local');
        if (s.superclass) {
          if (s.superclass.name === s.name.name) this.error('A class cannot inherit from itself.', s.superclass, s.superclass.name.length);
          else this.reference(s.superclass, false);
        }
        const outer = this.cls;
        this.cls = { hasSuper: s.superclass !== null };
        const seen = new Set<string>();
        for (const m of s.methods) {
          const name = (m.name as Ident).name;
          if (seen.has(name)) this.error(`Duplicate method '${name}'.`, m.name as Ident, name.length);
          seen.add(name);
          m.isMethod = true;
          m.isInit = name === 'init';
          this.function(m, m.isInit ? 'init' : 'method');
        }
        this.cls = outer;
        break;
      }
      case 'import':
      case 'from':
        if (!top) {
          this.error('Imports are only allowed at the top level.', s.pos, s.kind.length);
          if (s.kind === 'import') this.declare(s.alias, 'local');
          else for (const n of s.names) this.declare(n.alias ?? n.name, 'local');
        }
        break;
      case 'if':
        this.expr(s.cond);
        this.block(s.then);
        if (s.otherwise) {
          if (s.elseIf) this.stmt(s.otherwise[0], false);
          else this.block(s.otherwise);
        }
        break;
      case 'while':
        this.expr(s.cond);
        this.fn.loops++;
        this.block(s.body);
        this.fn.loops--;
        break;
      case 'for':
        this.expr(s.iterable);
        this.withScope(() => {
          for (const v of s.vars) this.declare(v, 'local');
          this.fn.loops++;
          this.block(s.body);
          this.fn.loops--;
        });
        break;
      case 'try':
        this.block(s.body);
        if (s.catchBody) {
          this.withScope(() => {
            this.declare(s.catchName as Ident, 'local');
            this.block(s.catchBody as Stmt[]);
          });
        }
        if (s.finallyBody) this.block(s.finallyBody);
        break;
      case 'throw':
        this.expr(s.value);
        break;
      case 'return':
        if (this.fn.type === 'top') this.error('Cannot return from top-level code.', s.pos, 6);
        else if (s.value && this.fn.type === 'init') this.error("Cannot return a value from 'init'.", s.pos, 6);
        if (s.value) this.expr(s.value);
        break;
      case 'break':
      case 'continue':
        if (this.fn.loops === 0) this.error(`Cannot use '${s.kind}' outside of a loop.`, s.pos, s.kind.length);
        break;
      case 'block':
        this.block(s.body);
        break;
    }
  }

  private function(f: FnNode, type: FnType): void {
    const outerFn = this.fn;
    const outerTop = this.topIndex;
    this.fn = { type, loops: 0 };
    this.topIndex = -1;
    this.withScope(() => {
      for (const p of f.params) this.declare(p, 'local');
      this.block(f.body);
    });
    this.fn = outerFn;
    this.topIndex = outerTop;
  }

  private expr(e: Expr): void {
    switch (e.kind) {
      case 'number':
      case 'string':
      case 'bool':
      case 'nil':
        break;
      case 'var':
        this.reference(e.id, false);
        break;
      case 'self':
        if (!this.inMethod()) this.error("Cannot use 'self' outside of a method.", e.pos, 4);
        break;
      case 'super':
        if (!this.inMethod()) this.error("Cannot use 'super' outside of a method.", e.pos, 5);
        else if (!this.cls?.hasSuper) this.error("Cannot use 'super' in a class with no superclass.", e.pos, 5);
        break;
      case 'group':
        this.expr(e.expr);
        break;
      case 'list':
        for (const x of e.items) this.expr(x);
        break;
      case 'map':
        for (const [k, v] of e.entries) {
          this.expr(k);
          this.expr(v);
        }
        break;
      case 'fn':
        this.function(e.fn, 'function');
        break;
      case 'call':
        this.expr(e.callee);
        for (const a of e.args) this.expr(a);
        break;
      case 'get':
        this.expr(e.object);
        break;
      case 'index':
        this.expr(e.object);
        this.expr(e.index);
        break;
      case 'unary':
        this.expr(e.operand);
        break;
      case 'binary':
      case 'logical':
        this.expr(e.left);
        this.expr(e.right);
        break;
    }
  }

  /** Inside a method body, or a function nested in one (self is captured). */
  private inMethod(): boolean {
    return this.cls !== null;
  }
}

export function resolve(module: Module, builtinNames: Iterable<string>): Resolution {
  return new Resolver(builtinNames).resolveModule(module);
}

export function firstError(errors: CompileError[]): CompileError | null {
  let best: CompileError | null = null;
  for (const e of errors) if (!best || e.line < best.line || (e.line === best.line && e.col < best.col)) best = e;
  return best;
}
