import { describe, expect, test } from 'vitest';
import { check } from '../../src/main/lang/index';

const summary = (src: string): string[] => check(src).map((d) => `${d.line}:${d.column} ${d.message}`);

describe('check (recovering diagnostics)', () => {
  test('reports every error, syntax and resolution, in source order', () => {
    expect(summary('let x = \nprint(y)\nfn f(a, a) {}\nlet q = 1 2\nreturn 3\n')).toEqual([
      "2:7 Undefined variable 'y'.",
      "3:9 'a' is already declared in this scope.",
      "4:11 Expected end of statement but found '2'.",
      '5:1 Cannot return from top-level code.',
    ]);
  });

  test('finds errors after a syntax error and inside blocks', () => {
    const d = summary('if x {\n  print(1 2)\n}\nprint(undefinedThing)\nclass A { fn m() { return super.m } }\n');
    expect(d).toEqual([
      "1:4 Undefined variable 'x'.",
      "2:11 Expected ')' but found '2'.",
      "4:7 Undefined variable 'undefinedThing'.",
      "5:27 Cannot use 'super' in a class with no superclass.",
    ]);
  });

  test('an unclosed bracket does not hide the following lines', () => {
    const d = summary('let a = (1 +\nlet b = 2\nprint(c)\n');
    expect(d[0]).toBe("2:1 Expected expression but found 'let'.");
    expect(d).toContain("3:7 Undefined variable 'c'.");
  });

  test('ranges cover the offending token; a clean program has no diagnostics', () => {
    expect(check('print(abc)')[0]).toMatchObject({ line: 1, column: 7, endLine: 1, endColumn: 10, severity: 'error' });
    expect(check('let a = 1\nprint(a)')).toEqual([]);
  });
});
