/**
 * Parser for the template language: `{{ path }}` (escaped), `{{{ path }}}` (raw),
 * `{{#if path}}…{{else}}…{{/if}}`, `{{#unless path}}`, `{{#each path}}…{{else}}…{{/each}}`,
 * `{{> partial}}`, `{{! comment }}` and, on the first line, `{{!< layout}}`.
 * Expressions are dotted paths (`user.name`, `this`, `@index`, `../title`), optionally
 * negated with `!`; a template cannot run code.
 */
export type TNode =
  | { t: 'text'; v: string }
  | { t: 'out'; path: Path; raw: boolean }
  | { t: 'if'; path: Path; negate: boolean; then: TNode[]; else: TNode[] }
  | { t: 'each'; path: Path; body: TNode[]; else: TNode[] }
  | { t: 'partial'; name: string };

export interface Path {
  up: number;
  parts: string[];
  /** Original text, for error messages. */
  src: string;
}

export interface ParsedTemplate {
  nodes: TNode[];
  layout: string | null;
}

export class TemplateError extends Error {
  constructor(name: string, message: string, line: number) {
    super(`Template "${name}", line ${line}: ${message}`);
    this.name = 'TemplateError';
  }
}

const PATH_RE = /^(?:(?:\.\.\/)*)(?:this|@index|@first|@last|@key|[A-Za-z_$][\w$]*)(?:\.[A-Za-z_$][\w$]*|\.\d+)*$/;

export function parsePath(src: string, name: string, line: number): Path {
  const s = src.trim();
  if (!PATH_RE.test(s)) throw new TemplateError(name, `"${s}" is not a variable path.`, line);
  let rest = s;
  let up = 0;
  while (rest.startsWith('../')) {
    up++;
    rest = rest.slice(3);
  }
  const parts = rest === 'this' ? [] : rest.split('.').filter((p, i) => !(i === 0 && p === 'this'));
  return { up, parts, src: s };
}

interface Frame {
  kind: 'root' | 'if' | 'each';
  nodes: TNode[];
  node?: Extract<TNode, { t: 'if' } | { t: 'each' }>;
  inElse: boolean;
  line: number;
}

export function parseTemplate(source: string, name: string): ParsedTemplate {
  let layout: string | null = null;
  let src = source;
  const lm = /^\{\{!<\s*([\w./-]+)\s*\}\}\r?\n?/.exec(src);
  if (lm) {
    layout = lm[1];
    src = src.slice(lm[0].length);
  }
  const root: Frame = { kind: 'root', nodes: [], inElse: false, line: 1 };
  const stack: Frame[] = [root];
  const re = /\{\{(\{?)([\s\S]*?)\}?\}\}/g;
  let last = 0;
  let m: RegExpExecArray | null;
  const lineAt = (i: number) => src.slice(0, i).split('\n').length;
  const target = () => {
    const f = stack[stack.length - 1];
    if (f.node === undefined) return f.nodes;
    if (f.node.t === 'if') return f.inElse ? f.node.else : f.node.then;
    return f.inElse ? f.node.else : f.node.body;
  };
  while ((m = re.exec(src)) !== null) {
    if (m.index > last) target().push({ t: 'text', v: src.slice(last, m.index) });
    last = re.lastIndex;
    const line = lineAt(m.index);
    const triple = m[1] === '{';
    const body = m[2].trim();
    if (triple) {
      if (!m[0].endsWith('}}}')) throw new TemplateError(name, 'a "{{{" needs a closing "}}}".', line);
      target().push({ t: 'out', path: parsePath(body, name, line), raw: true });
      continue;
    }
    if (body.startsWith('!')) continue;
    if (body.startsWith('>')) {
      const pname = body.slice(1).trim();
      if (!/^[\w./-]+$/.test(pname)) throw new TemplateError(name, `bad partial name "${pname}".`, line);
      target().push({ t: 'partial', name: pname });
      continue;
    }
    if (body.startsWith('#')) {
      const [kw, ...rest] = body.slice(1).split(/\s+/);
      let arg = rest.join(' ');
      if (kw === 'if' || kw === 'unless') {
        let negate = kw === 'unless';
        if (arg.startsWith('!')) {
          negate = !negate;
          arg = arg.slice(1);
        }
        const node = { t: 'if' as const, path: parsePath(arg, name, line), negate, then: [], else: [] };
        target().push(node);
        stack.push({ kind: 'if', nodes: [], node, inElse: false, line });
      } else if (kw === 'each') {
        const node = { t: 'each' as const, path: parsePath(arg, name, line), body: [], else: [] };
        target().push(node);
        stack.push({ kind: 'each', nodes: [], node, inElse: false, line });
      } else throw new TemplateError(name, `unknown block "#${kw}"; use #if, #unless or #each.`, line);
      continue;
    }
    if (body === 'else') {
      const f = stack[stack.length - 1];
      if (f.kind === 'root' || f.inElse) throw new TemplateError(name, '"{{else}}" outside an #if or #each.', line);
      f.inElse = true;
      continue;
    }
    if (body.startsWith('/')) {
      const kw = body.slice(1).trim();
      const f = stack.pop() as Frame;
      const expected = f.kind === 'if' ? ['if', 'unless'] : [f.kind];
      if (f.kind === 'root' || !expected.includes(kw)) {
        throw new TemplateError(name, `"{{/${kw}}}" does not close an open block.`, line);
      }
      continue;
    }
    target().push({ t: 'out', path: parsePath(body, name, line), raw: false });
  }
  if (last < src.length) target().push({ t: 'text', v: src.slice(last) });
  if (stack.length > 1) {
    const f = stack[stack.length - 1];
    throw new TemplateError(name, `"{{#${f.kind}}}" is never closed.`, f.line);
  }
  return { nodes: root.nodes, layout };
}
