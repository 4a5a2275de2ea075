// Editor support for Loupe's language: a stream tokenizer for highlighting, completion of
// keywords, built-ins, `loupe.` members and the names the script declares, and lint
// diagnostics from the real parser and resolver (the contract's scripts.check).
import { StreamLanguage, type StreamParser } from '@codemirror/language';
import type { CompletionContext, CompletionResult, Completion } from '@codemirror/autocomplete';
import type { Diagnostic } from '@codemirror/lint';
import type { EditorView } from '@codemirror/view';
import { LOUPE_MODULE_MEMBERS, type ScriptDiagnostic } from '../../shared/contract';

// A copy of the language's keywords and built-ins (the renderer may import only shared/);
// test/renderer/language-names.test.ts holds it equal to src/main/lang.
export const KEYWORDS = [
  'and',
  'as',
  'break',
  'catch',
  'class',
  'continue',
  'else',
  'false',
  'finally',
  'fn',
  'for',
  'from',
  'if',
  'import',
  'in',
  'let',
  'nil',
  'not',
  'or',
  'return',
  'self',
  'super',
  'throw',
  'true',
  'try',
  'while',
];
const ATOMS = new Set(['true', 'false', 'nil']);
/** The built-in scope (LANGUAGE.md §11). */
export const BUILTINS = [
  'print',
  'str',
  'repr',
  'type',
  'num',
  'len',
  'clock',
  'sqrt',
  'abs',
  'floor',
  'ceil',
  'round',
  'min',
  'max',
  'range',
  'push',
  'pop',
  'insert',
  'remove',
  'keys',
  'values',
  'has',
  'get',
  'copy',
  'slice',
  'join',
  'sort',
  'reverse',
  'ord',
  'chr',
  'assert',
  'Error',
  'pi',
  'inf',
  'nan',
];
const KEYWORD_SET = new Set(KEYWORDS);
const BUILTIN_SET = new Set(BUILTINS);

interface State {
  /** The previous significant token was `fn` or `class`: the next name is a definition. */
  defining: boolean;
  /** Open brackets ({, (, [) before this point: the indentation of the next line. */
  depth: number;
}

const parser: StreamParser<State> = {
  name: 'loupe',
  startState: () => ({ defining: false, depth: 0 }),
  token(stream, state) {
    if (stream.eatSpace()) return null;
    if (stream.match('#')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return 'string';
    if (stream.match(/^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/)) return 'number';
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
    if (word) {
      const w = word[0];
      if (state.defining) {
        state.defining = false;
        return 'def';
      }
      if (ATOMS.has(w)) return 'atom';
      if (KEYWORD_SET.has(w)) {
        state.defining = w === 'fn' || w === 'class';
        return 'keyword';
      }
      if (BUILTIN_SET.has(w)) return 'builtin';
      return stream.peek() === '(' ? 'variableName.function' : 'variableName';
    }
    if (stream.match(/^(?:==|!=|<=|>=|\+=|-=|\*=|\/=|%=|[-+*/%^<>=])/)) return 'operator';
    const ch = stream.next();
    if (ch === '{' || ch === '(' || ch === '[') state.depth++;
    else if ((ch === '}' || ch === ')' || ch === ']') && state.depth > 0) state.depth--;
    return 'punctuation';
  },
  // Enter after `{` indents one level; a line that starts with a closer goes back one.
  indent(state, textAfter, cx) {
    const closes = /^\s*[}\])]/.test(textAfter) ? 1 : 0;
    return Math.max(0, state.depth - closes) * cx.unit;
  },
  languageData: { commentTokens: { line: '#' }, closeBrackets: { brackets: ['(', '[', '{', '"'] }, indentOnInput: /^\s*[}\])]$/ },
};

export const loupeLanguage = StreamLanguage.define(parser);

/** Names declared in the script (let, fn, class, for variables, catch, parameters). */
export function localNames(text: string): string[] {
  const names = new Set<string>();
  const re =
    /\b(?:let|fn|class|catch)\s+([A-Za-z_]\w*)|\bfor\s+([A-Za-z_]\w*)(?:\s*,\s*([A-Za-z_]\w*))?|\bimport\s+"[^"]*"\s+as\s+([A-Za-z_]\w*)|\bfn\s*[A-Za-z_]*\s*\(([^)]*)\)/g;
  for (const m of text.matchAll(re)) {
    for (const g of [m[1], m[2], m[3], m[4]]) if (g) names.add(g);
    if (m[5]) for (const p of m[5].split(',')) if (p.trim()) names.add(p.trim());
  }
  return [...names].filter((n) => !KEYWORD_SET.has(n));
}

const keywordOptions: Completion[] = KEYWORDS.map((k) => ({ label: k, type: 'keyword' }));
const builtinOptions: Completion[] = BUILTINS.map((b) => ({ label: b, type: /^[A-Z]/.test(b) ? 'class' : /^(pi|inf|nan)$/.test(b) ? 'constant' : 'function' }));
const loupeOptions: Completion[] = LOUPE_MODULE_MEMBERS.map((m) => ({ label: m.name, type: 'function', detail: 'loupe', info: m.detail }));

export function loupeCompletions(ctx: CompletionContext): CompletionResult | null {
  const member = ctx.matchBefore(/[A-Za-z_]\w*\.\w*/);
  if (member) {
    const [obj] = member.text.split('.');
    const source = ctx.state.doc.toString();
    // Any name bound by `import "loupe" as NAME` offers the module's members.
    const isLoupe = new RegExp(`import\\s+"loupe"\\s+as\\s+${obj}\\b`).test(source);
    if (!isLoupe) return null;
    return { from: member.from + obj.length + 1, options: loupeOptions, validFor: /^\w*$/ };
  }
  const word = ctx.matchBefore(/[A-Za-z_]\w*/);
  if (!word && !ctx.explicit) return null;
  const locals: Completion[] = localNames(ctx.state.doc.toString())
    .filter((n) => !BUILTIN_SET.has(n))
    .map((n) => ({ label: n, type: 'variable', boost: 1 }));
  return { from: word ? word.from : ctx.pos, options: [...locals, ...builtinOptions, ...keywordOptions], validFor: /^\w*$/ };
}

/** Converts the contract's 1-based line/column diagnostics to editor offsets. */
export function toEditorDiagnostics(view: EditorView, diagnostics: ScriptDiagnostic[]): Diagnostic[] {
  const doc = view.state.doc;
  const offset = (line: number, column: number) => {
    if (line > doc.lines) return doc.length;
    const l = doc.line(Math.max(1, line));
    return Math.min(l.to, l.from + Math.max(0, column - 1));
  };
  return diagnostics.map((d) => {
    const from = offset(d.line, d.column);
    let to = offset(d.endLine, d.endColumn);
    if (to <= from) to = Math.min(doc.length, from + 1);
    return { from, to, severity: d.severity, message: d.message, source: 'loupe' };
  });
}
