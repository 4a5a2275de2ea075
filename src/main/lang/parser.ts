// Recursive descent for statements (§3): strict mode throws the first problem; recovering
// mode (editor, `loupe check`) records each problem and skips to the next statement
// boundary. Expressions are parsed by the base class in expressions.ts.
import type { Expr, FnNode, Ident, ImportName, Module, Pos, Stmt } from './ast';
import { CompileError } from './errors';
import { ExpressionParser } from './expressions';
import { scan, type Comment, type Token } from './scanner';

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=']);
const STATEMENT_KEYWORDS = new Set(['let', 'fn', 'class', 'if', 'while', 'for', 'try', 'throw', 'return', 'import', 'from', 'break', 'continue']);

export interface ParseResult {
  module: Module;
  errors: CompileError[];
  comments: Comment[];
}

class Parser extends ExpressionParser {
  constructor(tokens: Token[], recover: boolean) {
    super(tokens, recover);
  }

  // ---- statements -----------------------------------------------------------------------
  parseModule(): Module {
    return { body: this.stmtList(null) };
  }

  /** §3.2: `closer` is '}' for blocks, null for the module (EOF). */
  private stmtList(closer: '}' | null): Stmt[] {
    const out: Stmt[] = [];
    while (true) {
      try {
        while (this.isSep()) this.advance();
        if (closer === null ? this.peek().type === 'eof' : this.is('}')) return out;
        if (closer && this.peek().type === 'eof') this.fail("'}'");
        out.push(this.statement());
        if (this.isSep()) continue;
        // Recovering: an unclosed '(' upstream swallows NEWLINE tokens, so accept line starts.
        if (this.recover && this.peek().line > this.tokens[this.i - 1].line) continue;
        if (closer === null ? this.peek().type === 'eof' : this.is('}')) continue;
        if (closer && this.peek().type === 'eof') this.fail("'}'");
        this.fail('end of statement');
      } catch (e) {
        if (!this.recover || !(e instanceof CompileError)) throw e;
        this.record(e);
        if (!this.synchronize(closer)) return out;
      }
    }
  }

  /**
   * Skips to the next statement boundary: a separator at bracket depth 0, the closing '}' of
   * the current block, or a statement keyword at the start of a line (an unclosed '(' keeps
   * the lexer from producing NEWLINE tokens, so line starts are the only clue left).
   * Returns false at end of file inside a block.
   */
  private synchronize(closer: '}' | null): boolean {
    let depth = 0;
    const start = this.i;
    let prevLine = this.tokens[Math.max(0, this.i - 1)].line;
    while (true) {
      const t = this.tokens[this.i];
      if (t.type === 'eof') return closer === null;
      if (this.i > start && depth === 0 && t.line > prevLine && ((t.type === 'keyword' && STATEMENT_KEYWORDS.has(t.text)) || t.type === 'ident')) return true;
      if (t.type === 'punct' && (t.text === '(' || t.text === '[' || t.text === '{')) depth++;
      else if (t.type === 'punct' && (t.text === ')' || t.text === ']' || t.text === '}')) {
        if (depth > 0) depth--;
        else if (t.text === '}' && closer === '}') return true;
      } else if (depth === 0 && (t.type === 'newline' || (t.type === 'punct' && t.text === ';'))) {
        this.i++;
        return true;
      }
      prevLine = t.line;
      this.i++;
    }
  }

  private record(e: CompileError): void {
    const last = this.errors[this.errors.length - 1];
    if (!last || last.line !== e.line || last.col !== e.col || last.message !== e.message) this.errors.push(e);
  }

  private block(): Stmt[] {
    this.expect('{');
    const body = this.stmtList('}');
    this.expect('}');
    return body;
  }

  private statement(): Stmt {
    const t = this.peek();
    const pos = this.pos(t);
    if (t.type === 'keyword') {
      switch (t.text) {
        case 'let': {
          this.advance();
          const name = this.ident();
          let init: Expr | null = null;
          if (this.is('=')) {
            this.advance();
            init = this.expression();
          }
          return { kind: 'let', pos, name, init };
        }
        case 'fn':
          if (this.peekAt(1).type === 'ident') {
            this.advance();
            return { kind: 'fnDecl', pos, fn: this.fnRest(pos, this.ident()) };
          }
          break;
        case 'class':
          return this.classDecl();
        case 'import': {
          this.advance();
          const p = this.stringTok();
          this.expect('as');
          return { kind: 'import', pos, path: p.value as string, pathText: p.text, alias: this.ident() };
        }
        case 'from': {
          this.advance();
          const p = this.stringTok();
          this.expect('import');
          const names: ImportName[] = [];
          do {
            const name = this.ident();
            let alias: Ident | null = null;
            if (this.is('as')) {
              this.advance();
              alias = this.ident();
            }
            names.push({ name, alias });
          } while (this.is(',') && this.advance());
          return { kind: 'from', pos, path: p.value as string, pathText: p.text, names };
        }
        case 'if':
          return this.ifStmt();
        case 'while': {
          this.advance();
          const cond = this.expression();
          return { kind: 'while', pos, cond, body: this.block() };
        }
        case 'for': {
          this.advance();
          const vars = [this.ident()];
          if (this.is(',')) {
            this.advance();
            vars.push(this.ident());
          }
          const inTok = this.expect('in');
          const iterable = this.expression();
          return { kind: 'for', pos, vars, iterable, inPos: this.pos(inTok), body: this.block() };
        }
        case 'try':
          return this.tryStmt();
        case 'throw':
          this.advance();
          return { kind: 'throw', pos, value: this.expression() };
        case 'return': {
          this.advance();
          const n = this.peek();
          const none = this.isSep() || n.type === 'eof' || (n.type === 'punct' && n.text === '}');
          return { kind: 'return', pos, value: none ? null : this.expression() };
        }
        case 'break':
          this.advance();
          return { kind: 'break', pos };
        case 'continue':
          this.advance();
          return { kind: 'continue', pos };
      }
    }
    if (t.type === 'punct' && t.text === '{') return { kind: 'block', pos, body: this.block() };
    const expr = this.expression();
    const op = this.peek();
    if (op.type === 'punct' && ASSIGN_OPS.has(op.text)) {
      if (!(expr.kind === 'var' || expr.kind === 'get' || expr.kind === 'index')) {
        throw new CompileError('Invalid assignment target.', op.line, op.col, undefined, op.line, op.col + op.text.length);
      }
      this.advance();
      const value = this.expression();
      return { kind: 'assign', pos, op: op.text, opPos: this.pos(op), target: expr, value };
    }
    return { kind: 'expr', pos, expr };
  }

  private stringTok(): Token {
    const t = this.peek();
    if (t.type !== 'string') this.fail('string');
    return this.advance();
  }

  protected fnRest(pos: Pos, name: Ident | null): FnNode {
    this.expect('(');
    const params: Ident[] = [];
    if (!this.is(')')) {
      params.push(this.ident());
      while (this.is(',')) {
        this.advance();
        params.push(this.ident());
      }
    }
    this.expect(')');
    const body = this.block();
    const close = this.tokens[this.i - 1];
    return { name, params, body, pos, endPos: { line: close.line, col: close.col } };
  }

  private classDecl(): Stmt {
    const pos = this.pos(this.advance());
    const name = this.ident();
    let superclass: Ident | null = null;
    if (this.is('<')) {
      this.advance();
      superclass = this.ident();
    }
    this.expect('{');
    const methods: FnNode[] = [];
    while (true) {
      if (this.isSep()) {
        this.advance();
        continue;
      }
      if (this.is('}')) {
        this.advance();
        break;
      }
      if (this.peek().type === 'eof') this.fail("'}'");
      if (!this.is('fn')) this.fail("'fn'");
      const fnTok = this.advance();
      methods.push(this.fnRest(this.pos(fnTok), this.ident()));
    }
    return { kind: 'class', pos, name, superclass, methods };
  }

  /** The NEWLINE before else/catch/finally is consumed only if that keyword follows. */
  private optNewlineBefore(keyword: string): void {
    const n = this.tokens[this.i];
    const k = this.peekAt(1);
    if (n.type === 'newline' && k.type === 'keyword' && k.text === keyword) this.i++;
  }

  private ifStmt(): Stmt {
    const pos = this.pos(this.advance());
    const cond = this.expression();
    const then = this.block();
    this.optNewlineBefore('else');
    if (!this.is('else')) return { kind: 'if', pos, cond, then, otherwise: null, elseIf: false };
    this.advance();
    if (this.is('if')) return { kind: 'if', pos, cond, then, otherwise: [this.ifStmt()], elseIf: true };
    return { kind: 'if', pos, cond, then, otherwise: this.block(), elseIf: false };
  }

  private tryStmt(): Stmt {
    const pos = this.pos(this.advance());
    const body = this.block();
    let catchName: Ident | null = null;
    let catchBody: Stmt[] | null = null;
    let finallyBody: Stmt[] | null = null;
    this.optNewlineBefore('catch');
    if (this.is('catch')) {
      this.advance();
      catchName = this.ident();
      catchBody = this.block();
      this.optNewlineBefore('finally');
      if (this.is('finally')) {
        this.advance();
        finallyBody = this.block();
      }
    } else {
      this.optNewlineBefore('finally');
      if (!this.is('finally')) this.fail("'catch' or 'finally'");
      this.advance();
      finallyBody = this.block();
    }
    return { kind: 'try', pos, body, catchName, catchBody, finallyBody };
  }
}

/** Parses a whole module. Strict mode throws the first CompileError; recovering mode lists all. */
export function parse(source: string, recover = false): ParseResult {
  const { tokens, comments } = scan(source);
  const p = new Parser(tokens, recover);
  try {
    return { module: p.parseModule(), errors: p.errors, comments };
  } catch (e) {
    if (recover && e instanceof CompileError) return { module: { body: [] }, errors: [...p.errors, e], comments };
    if (e instanceof RangeError) {
      const err = new CompileError('Program is nested too deeply.', 1, 1);
      if (recover) return { module: { body: [] }, errors: [...p.errors, err], comments };
      throw err;
    }
    throw e;
  }
}

export function parseExpression(source: string): Expr {
  const p = new Parser(scan(source).tokens, false);
  return p.expression();
}
