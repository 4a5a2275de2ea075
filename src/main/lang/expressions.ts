// The expression half of the parser (§3.1 `expression` and below): a Pratt loop for the
// left-associative binary levels, recursive descent for the rest. The statement parser
// (parser.ts) extends it and supplies function literals' bodies.
import type { Expr, FnNode, Ident, Pos } from './ast';
import { CompileError } from './errors';
import { describeToken, type Token } from './scanner';

const BINARY_PREC: Record<string, number> = {
  '==': 1,
  '!=': 1,
  '<': 2,
  '<=': 2,
  '>': 2,
  '>=': 2,
  '+': 3,
  '-': 3,
  '*': 4,
  '/': 4,
  '%': 4,
};

export abstract class ExpressionParser {
  protected i = 0;
  readonly errors: CompileError[] = [];
  constructor(
    protected tokens: Token[],
    protected recover: boolean,
  ) {}

  /** `fn (params) { body }` after the `fn` keyword; statements live in the subclass. */
  protected abstract fnRest(pos: Pos, name: Ident | null): FnNode;

  // ---- token helpers -------------------------------------------------------------------
  protected peek(): Token {
    const t = this.tokens[this.i];
    if (t.type === 'error') throw new CompileError(t.message as string, t.line, t.col, undefined, t.line, t.col + t.text.length);
    return t;
  }
  protected peekAt(k: number): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)];
  }
  protected advance(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.i++;
    return t;
  }
  protected is(text: string): boolean {
    const t = this.peek();
    return (t.type === 'punct' || t.type === 'keyword') && t.text === text;
  }
  protected isSep(): boolean {
    const t = this.peek();
    return t.type === 'newline' || (t.type === 'punct' && t.text === ';');
  }
  protected fail(expected: string, t: Token = this.peek()): never {
    throw new CompileError(
      `Expected ${expected} but found ${describeToken(t)}.`,
      t.line,
      t.col,
      undefined,
      t.line,
      t.col + Math.max(1, t.type === 'newline' ? 1 : t.end - t.start),
    );
  }
  protected expect(text: string): Token {
    if (this.is(text)) return this.advance();
    return this.fail(`'${text}'`);
  }
  protected ident(): Ident {
    const t = this.peek();
    if (t.type !== 'ident') this.fail('identifier');
    this.advance();
    return { name: t.text, line: t.line, col: t.col };
  }
  protected pos(t: Token): Pos {
    return { line: t.line, col: t.col };
  }

  // ---- expressions ----------------------------------------------------------------------
  expression(): Expr {
    let left = this.andExpr();
    while (this.is('or')) {
      const op = this.advance();
      left = { kind: 'logical', pos: this.pos(op), op: 'or', left, right: this.andExpr() };
    }
    return left;
  }

  protected andExpr(): Expr {
    let left = this.notExpr();
    while (this.is('and')) {
      const op = this.advance();
      left = { kind: 'logical', pos: this.pos(op), op: 'and', left, right: this.notExpr() };
    }
    return left;
  }

  protected notExpr(): Expr {
    if (this.is('not')) {
      const op = this.advance();
      return { kind: 'unary', pos: this.pos(op), op: 'not', operand: this.notExpr() };
    }
    return this.binary(1);
  }

  /** Pratt loop over the left-associative levels equality..factor. */
  protected binary(minPrec: number): Expr {
    let left = this.unary();
    while (true) {
      const t = this.peek();
      const prec = t.type === 'punct' ? BINARY_PREC[t.text] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      this.advance();
      const right = this.binary(prec + 1);
      left = { kind: 'binary', pos: left.pos, op: t.text, left, right, opPos: this.pos(t) };
    }
  }

  protected unary(): Expr {
    if (this.is('-')) {
      const op = this.advance();
      return { kind: 'unary', pos: this.pos(op), op: '-', operand: this.unary() };
    }
    return this.power();
  }

  protected power(): Expr {
    const base = this.postfix();
    if (!this.is('^')) return base;
    const op = this.advance();
    return { kind: 'binary', pos: base.pos, op: '^', left: base, right: this.unary(), opPos: this.pos(op) };
  }

  protected postfix(): Expr {
    let e = this.primary();
    while (true) {
      if (this.is('(')) {
        const paren = this.pos(this.advance());
        const args = this.items(')');
        e = { kind: 'call', pos: e.pos, callee: e, args, paren };
      } else if (this.is('.')) {
        this.advance();
        e = { kind: 'get', pos: e.pos, object: e, name: this.ident() };
      } else if (this.is('[')) {
        const bracket = this.pos(this.advance());
        const index = this.expression();
        this.expect(']');
        e = { kind: 'index', pos: e.pos, object: e, index, bracket };
      } else return e;
    }
  }

  /** Comma-separated expressions after the opener, trailing comma allowed, then the closer. */
  protected items(closer: string): Expr[] {
    const out: Expr[] = [];
    if (this.is(closer)) {
      this.advance();
      return out;
    }
    while (true) {
      out.push(this.expression());
      if (this.is(',')) {
        this.advance();
        if (this.is(closer)) break;
        continue;
      }
      if (!this.is(closer)) this.fail(`'${closer}'`);
      break;
    }
    this.advance();
    return out;
  }

  protected primary(): Expr {
    const t = this.peek();
    const pos = this.pos(t);
    switch (t.type) {
      case 'number':
        this.advance();
        return { kind: 'number', pos, value: t.value as number, text: t.text };
      case 'string':
        this.advance();
        return { kind: 'string', pos, value: t.value as string, text: t.text };
      case 'ident':
        this.advance();
        return { kind: 'var', pos, id: { name: t.text, line: t.line, col: t.col } };
      case 'keyword':
        switch (t.text) {
          case 'true':
          case 'false':
            this.advance();
            return { kind: 'bool', pos, value: t.text === 'true' };
          case 'nil':
            this.advance();
            return { kind: 'nil', pos };
          case 'self':
            this.advance();
            return { kind: 'self', pos };
          case 'super': {
            this.advance();
            this.expect('.');
            return { kind: 'super', pos, name: this.ident() };
          }
          case 'fn':
            this.advance();
            return { kind: 'fn', pos, fn: this.fnRest(pos, null) };
        }
        break;
      case 'punct':
        if (t.text === '(') {
          this.advance();
          const expr = this.expression();
          this.expect(')');
          return { kind: 'group', pos, expr };
        }
        if (t.text === '[') {
          this.advance();
          return { kind: 'list', pos, items: this.items(']') };
        }
        if (t.text === '{') return this.mapLiteral();
        break;
    }
    return this.fail('expression');
  }

  protected mapLiteral(): Expr {
    const pos = this.pos(this.advance());
    const entries: [Expr, Expr][] = [];
    // §3.1: "{" entries [ NEWLINE ] "}". The optional NEWLINE is taken before the closer is
    // checked, so a missing `,` between entries on two lines is reported at the next
    // entry's token (`Expected '}' but found '"b"'.`), as for every other bracketed list.
    const closeMap = (): Expr => {
      if (this.peek().type === 'newline') this.advance();
      this.expect('}');
      return { kind: 'map', pos, entries };
    };
    if (this.is('}')) {
      this.advance();
      return { kind: 'map', pos, entries };
    }
    while (true) {
      const key = this.expression();
      this.expect(':');
      entries.push([key, this.expression()]);
      if (this.is(',')) {
        this.advance();
        if (this.is('}')) {
          this.advance();
          return { kind: 'map', pos, entries };
        }
        continue;
      }
      return closeMap();
    }
  }
}
