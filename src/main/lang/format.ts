// The pretty printer: one statement per line, 4-space indentation, spaces around binary
// operators, single blank lines kept where the source had them, comments kept in place.
// Parentheses are printed exactly where the source had them (the AST keeps groups), so the
// output parses to the same tree; formatting is idempotent. Source that does not parse is
// returned unchanged.
import type { Expr, FnNode, Stmt } from './ast';
import { CompileError } from './errors';
import { parse } from './parser';
import type { Comment } from './scanner';

const INDENT = '    ';

class Printer {
  private out: string[] = [];
  private comments: Comment[];
  private sourceLines: string[];

  constructor(source: string, comments: Comment[]) {
    this.comments = [...comments];
    this.sourceLines = source.split('\n');
  }

  result(): string {
    while (this.out.length && this.out[this.out.length - 1] === '') this.out.pop();
    return this.out.length ? this.out.join('\n') + '\n' : '';
  }

  private blankBefore(line: number): boolean {
    const prev = this.sourceLines[line - 2];
    return prev !== undefined && prev.trim() === '';
  }

  private emitLine(depth: number, text: string): void {
    this.out.push(INDENT.repeat(depth) + text);
  }

  /** Comments on their own lines before `line`, at the given depth. */
  private flushComments(line: number, depth: number): void {
    while (this.comments.length && this.comments[0].line < line) {
      const c = this.comments.shift() as Comment;
      if (this.blankBefore(c.line) && this.out.length && this.out[this.out.length - 1] !== '' && !this.out[this.out.length - 1].endsWith('{'))
        this.out.push('');
      this.emitLine(depth, c.text);
    }
  }

  statements(body: Stmt[], depth: number): void {
    body.forEach((s, i) => {
      const hadComment = this.comments.length > 0 && this.comments[0].line < s.pos.line;
      if (i > 0 && !hadComment && this.blankBefore(s.pos.line)) this.out.push('');
      this.flushComments(s.pos.line, depth);
      const last = this.out[this.out.length - 1];
      if (hadComment && this.blankBefore(s.pos.line) && last !== undefined && last !== '' && !last.endsWith('{')) this.out.push('');
      const first = this.out.length;
      this.stmt(s, depth);
      if (this.comments.length && this.comments[0].line === s.pos.line && !this.comments[0].ownLine) {
        this.out[first] += ' ' + (this.comments.shift() as Comment).text;
      }
    });
  }

  private block(body: Stmt[], depth: number, head: string): void {
    const open = head ? `${head} {` : '{';
    if (body.length === 0) {
      this.emitLine(depth, `${open}}`);
      return;
    }
    this.emitLine(depth, open);
    this.statements(body, depth + 1);
    this.emitLine(depth, '}');
  }

  /** Comments after the last statement. */
  flushRest(): void {
    for (const c of this.comments.splice(0)) {
      if (this.blankBefore(c.line) && this.out.length && this.out[this.out.length - 1] !== '') this.out.push('');
      this.out.push(c.text);
    }
  }

  private stmt(s: Stmt, depth: number): void {
    switch (s.kind) {
      case 'expr':
        this.emitLine(depth, this.expr(s.expr, depth));
        break;
      case 'assign':
        this.emitLine(depth, `${this.expr(s.target, depth)} ${s.op} ${this.expr(s.value, depth)}`);
        break;
      case 'let':
        this.emitLine(depth, `let ${s.name.name}${s.init ? ' = ' + this.expr(s.init, depth) : ''}`);
        break;
      case 'fnDecl':
        this.fn(s.fn, depth, `fn ${s.fn.name?.name}`);
        break;
      case 'class': {
        const head = `class ${s.name.name}${s.superclass ? ' < ' + s.superclass.name : ''}`;
        if (!s.methods.length) {
          this.emitLine(depth, `${head} {}`);
          break;
        }
        this.emitLine(depth, `${head} {`);
        s.methods.forEach((m, i) => {
          if (i > 0 && this.blankBefore(m.pos.line)) this.out.push('');
          this.flushComments(m.pos.line, depth + 1);
          this.fn(m, depth + 1, `fn ${m.name?.name}`);
        });
        this.emitLine(depth, '}');
        break;
      }
      case 'import':
        this.emitLine(depth, `import ${s.pathText} as ${s.alias.name}`);
        break;
      case 'from':
        this.emitLine(depth, `from ${s.pathText} import ${s.names.map((n) => n.name.name + (n.alias ? ' as ' + n.alias.name : '')).join(', ')}`);
        break;
      case 'if':
        this.ifChain(s, depth, 'if');
        break;
      case 'while':
        this.block(s.body, depth, `while ${this.expr(s.cond, depth)}`);
        break;
      case 'for':
        this.block(s.body, depth, `for ${s.vars.map((v) => v.name).join(', ')} in ${this.expr(s.iterable, depth)}`);
        break;
      case 'try': {
        const parts: [string, Stmt[]][] = [['try', s.body]];
        if (s.catchBody) parts.push([`catch ${s.catchName?.name}`, s.catchBody]);
        if (s.finallyBody) parts.push(['finally', s.finallyBody]);
        this.chain(parts, depth);
        break;
      }
      case 'throw':
        this.emitLine(depth, `throw ${this.expr(s.value, depth)}`);
        break;
      case 'return':
        this.emitLine(depth, s.value ? `return ${this.expr(s.value, depth)}` : 'return');
        break;
      case 'break':
      case 'continue':
        this.emitLine(depth, s.kind);
        break;
      case 'block':
        this.block(s.body, depth, '');
        break;
    }
  }

  private ifChain(s: Extract<Stmt, { kind: 'if' }>, depth: number, keyword: string): void {
    const parts: [string, Stmt[]][] = [];
    let cur: Extract<Stmt, { kind: 'if' }> | null = s;
    let head = keyword;
    while (cur) {
      parts.push([`${head} ${this.expr(cur.cond, depth)}`, cur.then]);
      if (!cur.otherwise) {
        cur = null;
        break;
      }
      if (cur.elseIf) {
        cur = cur.otherwise[0] as Extract<Stmt, { kind: 'if' }>;
        head = 'else if';
        continue;
      }
      parts.push(['else', cur.otherwise]);
      cur = null;
    }
    this.chain(parts, depth);
  }

  /** `head { … } head2 { … }` with each `}` joined to the next head on one line. */
  private chain(parts: [string, Stmt[]][], depth: number): void {
    parts.forEach(([head, body], i) => {
      const joined = i > 0 ? '} ' + head : head;
      if (i > 0) this.out.pop();
      this.emitLine(depth, `${joined} {`);
      this.statements(body, depth + 1);
      this.emitLine(depth, '}');
    });
  }

  private fn(f: FnNode, depth: number, head: string): void {
    this.block(f.body, depth, `${head}(${f.params.map((p) => p.name).join(', ')})`);
  }

  /** An anonymous function inside an expression: its body lines go to a nested printer. */
  private fnExpr(f: FnNode, depth: number): string {
    const saved = this.out;
    this.out = [];
    this.fn(f, depth, 'fn');
    const lines = this.out;
    this.out = saved;
    return lines.map((l, i) => (i === 0 ? l.trimStart() : l)).join('\n');
  }

  expr(e: Expr, depth: number): string {
    switch (e.kind) {
      case 'number':
      case 'string':
        return e.text;
      case 'bool':
        return e.value ? 'true' : 'false';
      case 'nil':
        return 'nil';
      case 'var':
        return e.id.name;
      case 'self':
        return 'self';
      case 'super':
        return `super.${e.name.name}`;
      case 'group':
        return `(${this.expr(e.expr, depth)})`;
      case 'list':
        return `[${e.items.map((x) => this.expr(x, depth)).join(', ')}]`;
      case 'map':
        return `{${e.entries.map(([k, v]) => `${this.expr(k, depth)}: ${this.expr(v, depth)}`).join(', ')}}`;
      case 'fn':
        return this.fnExpr(e.fn, depth);
      case 'call':
        return `${this.expr(e.callee, depth)}(${e.args.map((x) => this.expr(x, depth)).join(', ')})`;
      case 'get':
        return `${this.expr(e.object, depth)}.${e.name.name}`;
      case 'index':
        return `${this.expr(e.object, depth)}[${this.expr(e.index, depth)}]`;
      case 'unary':
        return e.op === 'not' ? `not ${this.expr(e.operand, depth)}` : `-${this.expr(e.operand, depth)}`;
      case 'binary':
        return `${this.expr(e.left, depth)} ${e.op} ${this.expr(e.right, depth)}`;
      case 'logical':
        return `${this.expr(e.left, depth)} ${e.op} ${this.expr(e.right, depth)}`;
    }
  }
}

export function format(source: string): string {
  let parsed;
  try {
    parsed = parse(source);
  } catch (e) {
    if (e instanceof CompileError) return source;
    throw e;
  }
  const p = new Printer(source.charCodeAt(0) === 0xfeff ? source.slice(1) : source, parsed.comments);
  p.statements(parsed.module.body, 0);
  p.flushRest();
  return p.result();
}
