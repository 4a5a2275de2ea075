// Random and mutated Loupe programs for the fuzz and differential tests (seeded, reproducible).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SEEDS = [
  ...readdirSync(join(import.meta.dirname, '..', '..', 'bench', 'lang', 'programs'))
    .filter((f) => f.endsWith('.loupe'))
    .map((f) => readFileSync(join(import.meta.dirname, '..', '..', 'bench', 'lang', 'programs', f), 'utf8')),
  'let m = {"a": [1, 2], "b": nil}\nfor k, v in m { print(k, v) }\ntry { m["c"] } catch e { print(e.message) } finally { print("done") }',
  'class A { fn init(x) { self.x = x } fn get() { return self.x } }\nclass B < A { fn get() { return super.get() * 2 } }\nprint(B(3).get(), "s".upper().split(""))',
  'fn f(n) { if n <= 0 { return [] }; let l = f(n - 1); push(l, n); return l }\nprint(f(5), slice(f(9), -3), join(f(3), ","))',
  'let s = ""\nfor i in range(10) { s += str(i % 3) }\nprint(s, len(s), s[2], has(s, "12"), sort([3, 1, 2]))',
  'let x = 1\nwhile x < 100 { x *= 2; if x == 16 { continue }; if x > 50 { break } }\nprint(x, -x ^ 2, 7 % -3, not x, x and nil or "d")',
];

const VOCAB = [
  'let',
  'fn',
  'class',
  'if',
  'else',
  'while',
  'for',
  'in',
  'return',
  'break',
  'continue',
  'try',
  'catch',
  'finally',
  'throw',
  'import',
  'from',
  'as',
  'self',
  'super',
  'nil',
  'true',
  'false',
  'and',
  'or',
  'not',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '.',
  ':',
  ';',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '=',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '+=',
  '\n',
  '\n',
  'x',
  'y',
  'f',
  'print',
  'len',
  'push',
  '0',
  '1',
  '2.5',
  '1e400',
  '"s"',
  '"\\u{1F600}"',
  '"\\q"',
  '"open',
  '#c\n',
  '!',
  '@',
  'range',
  'str',
];

export function mutate(src: string, r: () => number): string {
  let s = src;
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * (s.length + 1));
    const op = Math.floor(r() * 5);
    if (op === 0) s = s.slice(0, i) + s.slice(i + 1 + Math.floor(r() * 8));
    else if (op === 1) s = s.slice(0, i) + ' ' + VOCAB[Math.floor(r() * VOCAB.length)] + ' ' + s.slice(i);
    else if (op === 2) {
      const j = Math.floor(r() * s.length);
      s = s.slice(0, i) + s.slice(j, j + Math.floor(r() * 20)) + s.slice(i);
    } else if (op === 3) {
      const lines = s.split('\n');
      const a = Math.floor(r() * lines.length);
      const b = Math.floor(r() * lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
      s = lines.join('\n');
    } else s = s.slice(0, i) + String.fromCharCode(32 + Math.floor(r() * 95)) + s.slice(i + 1);
  }
  return s;
}

/** Grammar-directed random programs: mostly well-formed, exercising the runtime's error paths. */
export function generate(r: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const names = ['a', 'b', 'c'];
  const expr = (d: number): string => {
    if (d <= 0 || r() < 0.3)
      return pick(['0', '1', '-1', '2.5', '"s"', '""', 'nil', 'true', 'false', '[]', '{}', '[1, "x"]', '{"k": 1}', ...names, 'f', 'C', 'inf', 'nan']);
    switch (Math.floor(r() * 9)) {
      case 0:
        return `${expr(d - 1)} ${pick(['+', '-', '*', '/', '%', '^', '==', '!=', '<', '<=', '>', '>=', 'and', 'or'])} ${expr(d - 1)}`;
      case 1:
        return `${pick(['-', 'not '])}${expr(d - 1)}`;
      case 2:
        return `(${expr(d - 1)})`;
      case 3:
        return `${pick(['f', 'C', 'len', 'str', 'push', 'range', 'sort', 'slice', 'keys', 'num', 'repr'])}(${expr(d - 1)}${r() < 0.5 ? ', ' + expr(d - 1) : ''})`;
      case 4:
        return `${expr(d - 1)}[${expr(d - 1)}]`;
      case 5:
        return `${expr(d - 1)}.${pick(['x', 'm', 'upper', 'split', 'get'])}${r() < 0.6 ? `(${r() < 0.5 ? expr(d - 1) : ''})` : ''}`;
      case 6:
        return `[${expr(d - 1)}, ${expr(d - 1)}]`;
      case 7:
        return `{${expr(d - 1)}: ${expr(d - 1)}}`;
      default:
        return `fn(p) { return ${expr(d - 1)} }`;
    }
  };
  const stmt = (d: number): string => {
    switch (Math.floor(r() * 10)) {
      case 0:
        return `${pick(names)} = ${expr(2)}`;
      case 1:
        return `print(${expr(3)})`;
      case 2:
        return d > 0 ? `if ${expr(2)} {\n${stmt(d - 1)}\n} else {\n${stmt(d - 1)}\n}` : 'print(1)';
      case 3:
        return d > 0 ? `for i in ${expr(2)} {\n${stmt(d - 1)}\n}` : 'print(2)';
      case 4:
        return d > 0 ? `try {\n${stmt(d - 1)}\n} catch e {\nprint(e)\n} finally {\n${stmt(d - 1)}\n}` : 'print(3)';
      case 5:
        return `throw ${expr(1)}`;
      case 6:
        return `${pick(names)} += ${expr(2)}`;
      case 7:
        return d > 0 ? `while ${expr(1)} {\n${stmt(d - 1)}\nbreak\n}` : 'print(4)';
      case 8:
        return `${expr(1)}.x = ${expr(1)}`;
      default:
        return `${expr(3)}`;
    }
  };
  const body = Array.from({ length: 1 + Math.floor(r() * 6) }, () => stmt(2)).join('\n');
  return `let a = 1\nlet b = "s"\nlet c = [1, 2]\nfn f(x) { return f(x) }\nclass C { fn init() { self.x = 1 } fn m(y) { return self.x } }\n${r() < 0.5 ? 'fn f2() {}\n' : ''}${body}`;
}
