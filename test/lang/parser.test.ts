import { describe, expect, test } from 'vitest';
import { format } from '../../src/main/lang/index';
import { parse } from '../../src/main/lang/parser';
import { transcript } from './helpers';

const syntaxError = (src: string): string => {
  try {
    parse(src);
    return 'ok';
  } catch (e) {
    const c = e as { line: number; col: number; message: string };
    return `${c.line}:${c.col}: ${c.message}`;
  }
};

describe('parser', () => {
  test('precedence and associativity follow §3.1', () => {
    expect(transcript('print(-2^2, 2^-1, 2^3^2, 10 - 4 - 3, 2 * 3 + 4 * 5, not 1 == 2, 1 < 2 == true)')).toBe('-4 0.5 512 3 26 true true\n[0]');
    expect(transcript('print(nil or 1 and 2, false and x or 3)\nlet x = 1')).toBe('2 3\n[0]');
  });

  test('syntax errors name what was expected and what was found', () => {
    expect(syntaxError('f(1 2)')).toBe("1:5: Expected ')' but found '2'.");
    expect(syntaxError('let = 1')).toBe("1:5: Expected identifier but found '='.");
    expect(syntaxError('print(1 +)')).toBe("1:10: Expected expression but found ')'.");
    expect(syntaxError('if x {')).toBe("1:7: Expected '}' but found end of file.");
    expect(syntaxError('if x\n{}')).toBe("1:5: Expected '{' but found newline.");
    expect(syntaxError('a b')).toBe("1:3: Expected end of statement but found 'b'.");
    expect(syntaxError('a = b = c')).toBe("1:7: Expected end of statement but found '='.");
    expect(syntaxError('(a) = 1')).toBe('1:5: Invalid assignment target.');
    expect(syntaxError('f() = 1')).toBe('1:5: Invalid assignment target.');
    expect(syntaxError('try {}')).toBe("1:7: Expected 'catch' or 'finally' but found end of file.");
    expect(syntaxError('class A { x }')).toBe("1:11: Expected 'fn' but found 'x'.");
    expect(syntaxError('class A {')).toBe("1:10: Expected '}' but found end of file.");
    expect(syntaxError('import x')).toBe("1:8: Expected string but found 'x'.");
    expect(syntaxError('import "x" y')).toBe("1:12: Expected 'as' but found 'y'.");
    expect(syntaxError('from "x" import a,')).toBe('1:19: Expected identifier but found end of file.');
    expect(syntaxError('fn f(a,) {}')).toBe("1:8: Expected identifier but found ')'.");
    expect(syntaxError('print(super)')).toBe("1:12: Expected '.' but found ')'.");
    // A map split across lines: the optional NEWLINE before `}` is consumed first, and the
    // error names the token after it, at its position (§3.1, §3.3).
    expect(syntaxError('x = {1: 2\n, 3: 4}')).toBe("2:1: Expected '}' but found ','.");
    expect(syntaxError('x = {"a": 1\n"b": 2}')).toBe("2:1: Expected '}' but found '\"b\"'.");
    expect(syntaxError('x = {\n  "a": 1\n  "b": 2\n}')).toBe("3:3: Expected '}' but found '\"b\"'.");
    expect(syntaxError('x = {"a": 1\n')).toBe("2:1: Expected '}' but found end of file.");
    expect(syntaxError('x = {"a": 1\n}')).toBe('ok');
    expect(syntaxError('x = {\n  "a": 1,\n  "b": 2\n}')).toBe('ok');
    expect(syntaxError('x = {"a"\n: 1}')).toBe("1:9: Expected ':' but found newline.");
    // The same shape in a list and a call, for comparison: no NEWLINE inside ( and [.
    expect(syntaxError('x = [1\n2]')).toBe("2:1: Expected ']' but found '2'.");
    expect(syntaxError('for a b in c {}')).toBe("1:7: Expected 'in' but found 'b'.");
  });

  test('the first problem wins, lexical errors included', () => {
    expect(syntaxError('let x = "abc\nlet = 2')).toBe('1:9: Unterminated string.');
    expect(syntaxError('let = "abc')).toBe("1:5: Expected identifier but found '='.");
  });

  test('trailing commas, multi-line maps, else on the next line', () => {
    expect(transcript('fn f(a) { return a }\nprint([1, 2,], {"a": 1,\n "b": 2\n}, f(1,))')).toBe('[1, 2] {"a": 1, "b": 2} 1\n[0]');
    expect(transcript('if false {\n} \nelse {\n print(1) }\ntry { throw 1 }\ncatch e { print(e) }\nfinally { print(2) }')).toBe('1\n1\n2\n[0]');
  });

  test('a statement starting with { is a block, fn followed by ( is an expression', () => {
    expect(transcript('{ let a = 1; print(a) }\nfn (x) { print(x) }\n({"k": 1})')).toBe('1\n[0]');
  });

  test('returns take a value only when one follows on the same line', () => {
    expect(transcript('fn f() {\n return\n 5\n}\nprint(f())')).toBe('nil\n[0]');
  });

  test('parsing keeps groups so formatting round-trips the tree', () => {
    const src = 'print((1 + 2) * 3, -(2 ^ 2), (a))\nlet a = 1\n';
    expect(format(src)).toBe(src);
  });
});
