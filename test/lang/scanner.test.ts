import { describe, expect, test } from 'vitest';
import { scan, type Token } from '../../src/main/lang/scanner';

const kinds = (src: string): string[] => scan(src).tokens.map((t: Token) => (t.type === 'newline' ? 'NL' : t.type === 'eof' ? 'EOF' : t.text));

describe('scanner', () => {
  test('numbers take a dot or exponent only when digits follow', () => {
    expect(kinds('1.foo 123abc 1e5 1e 2E+3 4.5')).toEqual(['1', '.', 'foo', '123', 'abc', '1e5', '1', 'e', '2E+3', '4.5', 'EOF']);
    expect(scan('1e400').tokens[0].value).toBe(Infinity);
  });

  test('newlines are skipped inside ( and [, after operators, and at the start', () => {
    expect(kinds('\n\na\nb')).toEqual(['a', 'NL', 'b', 'EOF']);
    expect(kinds('f(1,\n2)\nx')).toEqual(['f', '(', '1', ',', '2', ')', 'NL', 'x', 'EOF']);
    expect(kinds('a +\nb')).toEqual(['a', '+', 'b', 'EOF']);
    expect(kinds('{\na\n}')).toEqual(['{', 'a', 'NL', '}', 'EOF']);
    expect(kinds('[{\na\n}]')).toEqual(['[', '{', 'a', 'NL', '}', ']', 'EOF']);
    expect(kinds('a and\nb or\nnot\nc')).toEqual(['a', 'and', 'b', 'or', 'not', 'c', 'EOF']);
  });

  test('positions count UTF-16 code units, tabs are one column, BOM is dropped', () => {
    const t = scan('\uFEFF"😀"\tx\r\ny').tokens;
    expect([t[1].line, t[1].col]).toEqual([1, 6]);
    expect([t[3].line, t[3].col]).toEqual([2, 1]);
    const eof = scan('a\n').tokens.at(-1) as Token;
    expect([eof.line, eof.col]).toEqual([2, 1]);
  });

  test('string escapes decode, including \\u{…} above FFFF', () => {
    expect(scan('"a\\n\\t\\r\\0\\"\\\\\\u{41}\\u{1F600}"').tokens[0].value).toBe('a\n\t\r\0"\\A😀');
  });

  test('lexical errors become error tokens at the right place', () => {
    const bad = (src: string): [string | undefined, number] => {
      const t = scan(src).tokens.find((x) => x.type === 'error') as Token;
      return [t.message, t.col];
    };
    expect(bad('x = "abc')).toEqual(['Unterminated string.', 5]);
    expect(bad('x = "a\\qb"')).toEqual(['Invalid escape sequence.', 7]);
    expect(bad('"\\u{110000}"')).toEqual(['Invalid escape sequence.', 2]);
    expect(bad('"\\u{}"')).toEqual(['Invalid escape sequence.', 2]);
    expect(bad('a ! b')).toEqual(["Unexpected character '!'.", 3]);
    expect(bad('a 😀 b')).toEqual(["Unexpected character '😀'.", 3]);
  });

  test('comments run to the end of the line and are kept for the formatter', () => {
    const r = scan('a # note\n# own\nb');
    expect(r.tokens.map((t) => t.text)).toEqual(['a', '\n', 'b', '']);
    expect(r.comments.map((c) => [c.text, c.ownLine])).toEqual([
      ['# note', false],
      ['# own', true],
    ]);
  });
});
