// The typed syntax tree. Every node keeps the position the spec names for its errors:
// operators at the operator token, calls at '(', properties at NAME, statements at their keyword.

export interface Pos {
  line: number;
  col: number;
}

/** A declaration slot filled by the resolver; the compiler names JS variables after it. */
export interface Decl {
  name: string;
  kind: 'module' | 'local' | 'builtin';
  id: number;
  /** Module declarations: index of the top-level statement that initializes it. */
  stmtIndex?: number;
  /** Declared by `fn NAME(...)`: its arity (the compiler may call it directly). */
  fnArity?: number;
  /** Some assignment targets this name, so it may hold another value later. */
  assigned?: boolean;
}

export interface Ident extends Pos {
  name: string;
  decl?: Decl;
  safe?: boolean;
}

export type Expr =
  | { kind: 'number'; pos: Pos; value: number; text: string }
  | { kind: 'string'; pos: Pos; value: string; text: string }
  | { kind: 'bool'; pos: Pos; value: boolean }
  | { kind: 'nil'; pos: Pos }
  | { kind: 'var'; pos: Pos; id: Ident }
  | { kind: 'self'; pos: Pos }
  | { kind: 'super'; pos: Pos; name: Ident }
  | { kind: 'group'; pos: Pos; expr: Expr }
  | { kind: 'list'; pos: Pos; items: Expr[] }
  | { kind: 'map'; pos: Pos; entries: [Expr, Expr][] }
  | { kind: 'fn'; pos: Pos; fn: FnNode }
  | { kind: 'call'; pos: Pos; callee: Expr; args: Expr[]; paren: Pos }
  | { kind: 'get'; pos: Pos; object: Expr; name: Ident }
  | { kind: 'index'; pos: Pos; object: Expr; index: Expr; bracket: Pos }
  | { kind: 'unary'; pos: Pos; op: '-' | 'not'; operand: Expr }
  | { kind: 'binary'; pos: Pos; op: string; left: Expr; right: Expr; opPos: Pos }
  | { kind: 'logical'; pos: Pos; op: 'and' | 'or'; left: Expr; right: Expr };

export interface FnNode {
  name: Ident | null;
  params: Ident[];
  body: Stmt[];
  pos: Pos;
  /** Set by the resolver for methods. */
  isMethod?: boolean;
  isInit?: boolean;
  endPos?: Pos;
}

export interface ImportName {
  name: Ident;
  alias: Ident | null;
}

export type Stmt =
  | { kind: 'expr'; pos: Pos; expr: Expr }
  | { kind: 'assign'; pos: Pos; op: string; opPos: Pos; target: Expr; value: Expr }
  | { kind: 'let'; pos: Pos; name: Ident; init: Expr | null }
  | { kind: 'fnDecl'; pos: Pos; fn: FnNode }
  | { kind: 'class'; pos: Pos; name: Ident; superclass: Ident | null; methods: FnNode[] }
  | { kind: 'import'; pos: Pos; path: string; pathText: string; alias: Ident }
  | { kind: 'from'; pos: Pos; path: string; pathText: string; names: ImportName[] }
  | { kind: 'if'; pos: Pos; cond: Expr; then: Stmt[]; otherwise: Stmt[] | null; elseIf: boolean }
  | { kind: 'while'; pos: Pos; cond: Expr; body: Stmt[] }
  | { kind: 'for'; pos: Pos; vars: Ident[]; iterable: Expr; inPos: Pos; body: Stmt[] }
  | { kind: 'try'; pos: Pos; body: Stmt[]; catchName: Ident | null; catchBody: Stmt[] | null; finallyBody: Stmt[] | null }
  | { kind: 'throw'; pos: Pos; value: Expr }
  | { kind: 'return'; pos: Pos; value: Expr | null }
  | { kind: 'break'; pos: Pos }
  | { kind: 'continue'; pos: Pos }
  | { kind: 'block'; pos: Pos; body: Stmt[] };

export interface Module {
  body: Stmt[];
}

/** Type-narrowing helpers for the compiler and formatter. */
export type ExprOf<K extends Expr['kind']> = Extract<Expr, { kind: K }>;
export type StmtOf<K extends Stmt['kind']> = Extract<Stmt, { kind: K }>;
