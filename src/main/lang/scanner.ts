// The lexer of LANGUAGE.md §2: UTF-16 positions, NEWLINE tokens governed by a bracket stack,
// and lexical errors turned into error tokens so the parser reports the first one it reaches.

export type TokenType = 'ident' | 'number' | 'string' | 'newline' | 'eof' | 'error' | 'keyword' | 'punct';

export interface Token {
  type: TokenType;
  /** Exact source text (for keywords and punctuation, the keyword/operator itself). */
  text: string;
  line: number;
  col: number;
  /** Offset of the first code unit, and one past the last. */
  start: number;
  end: number;
  /** Decoded value for numbers and strings. */
  value?: number | string;
  /** For error tokens: the message of the lexical error. */
  message?: string;
}

export interface Comment {
  text: string;
  line: number;
  col: number;
  ownLine: boolean;
}

export const KEYWORDS = new Set([
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
]);

/** Tokens after which a line break does not end the statement (§2 rule 3). */
const CONTINUES = new Set([
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  ',',
  '.',
  ':',
  '{',
  'and',
  'or',
  'not',
]);

const TWO_CHAR = new Set(['==', '!=', '<=', '>=', '+=', '-=', '*=', '/=', '%=']);
const ONE_CHAR = new Set(['(', ')', '[', ']', '{', '}', ',', '.', ':', ';', '+', '-', '*', '/', '%', '^', '=', '<', '>']);

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

export interface ScanResult {
  tokens: Token[];
  comments: Comment[];
}

export function scan(input: string): ScanResult {
  const src = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const brackets: string[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;

  const push = (t: Token): void => {
    tokens.push(t);
  };
  const make = (type: TokenType, start: number, end: number, text: string): Token => ({ type, text, line, col: start - lineStart + 1, start, end });

  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (c === 10) {
      const prev = tokens.length ? tokens[tokens.length - 1] : null;
      const top = brackets.length ? brackets[brackets.length - 1] : null;
      const skip =
        top === '(' ||
        top === '[' ||
        prev === null ||
        prev.type === 'newline' ||
        ((prev.type === 'punct' || prev.type === 'keyword') && CONTINUES.has(prev.text));
      if (!skip) push(make('newline', i, i + 1, '\n'));
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === 35) {
      // '#'
      const start = i;
      while (i < src.length && src.charCodeAt(i) !== 10) i++;
      const before = src.slice(lineStart, start);
      comments.push({ text: src.slice(start, i), line, col: start - lineStart + 1, ownLine: before.trim() === '' });
      continue;
    }
    const start = i;
    if (isDigit(c)) {
      while (i < src.length && isDigit(src.charCodeAt(i))) i++;
      if (src.charCodeAt(i) === 46 && isDigit(src.charCodeAt(i + 1))) {
        i++;
        while (i < src.length && isDigit(src.charCodeAt(i))) i++;
      }
      const e = src.charCodeAt(i);
      if (e === 101 || e === 69) {
        const s = src.charCodeAt(i + 1);
        if (isDigit(s)) i += 1;
        else if ((s === 43 || s === 45) && isDigit(src.charCodeAt(i + 2))) i += 2;
        else {
          const text = src.slice(start, i);
          const t = make('number', start, i, text);
          t.value = Number(text);
          push(t);
          continue;
        }
        while (i < src.length && isDigit(src.charCodeAt(i))) i++;
      }
      const text = src.slice(start, i);
      const t = make('number', start, i, text);
      t.value = Number(text);
      push(t);
      continue;
    }
    if (isIdentStart(c)) {
      while (i < src.length && isIdentPart(src.charCodeAt(i))) i++;
      const text = src.slice(start, i);
      push(make(KEYWORDS.has(text) ? 'keyword' : 'ident', start, i, text));
      continue;
    }
    if (c === 34) {
      // '"'
      const r = scanString(src, i);
      const t = make(r.error ? 'error' : 'string', start, r.end, src.slice(start, r.end));
      if (r.error) {
        t.message = r.error;
        t.col = r.errorAt - lineStart + 1;
      } else t.value = r.value;
      push(t);
      i = r.end;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (TWO_CHAR.has(two)) {
      push(make('punct', i, i + 2, two));
      i += 2;
      continue;
    }
    const one = src[i];
    if (ONE_CHAR.has(one)) {
      if (one === '(' || one === '[' || one === '{') brackets.push(one);
      else if ((one === ')' || one === ']' || one === '}') && brackets.length) brackets.pop();
      push(make('punct', i, i + 1, one));
      i++;
      continue;
    }
    const cp = src.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    const t = make('error', i, i + ch.length, ch);
    t.message = `Unexpected character '${ch}'.`;
    push(t);
    i += ch.length;
  }
  tokens.push(make('eof', src.length, src.length, ''));
  return { tokens, comments };
}

interface StringScan {
  end: number;
  value: string;
  error?: string;
  errorAt: number;
}

/** Scans a string literal starting at the opening quote; on error, `end` skips the rest of it. */
function scanString(src: string, open: number): StringScan {
  let i = open + 1;
  let out = '';
  let error: string | undefined;
  let errorAt = open;
  while (true) {
    if (i >= src.length || src.charCodeAt(i) === 10) {
      return { end: i, value: out, error: error ?? 'Unterminated string.', errorAt: error ? errorAt : open };
    }
    const c = src[i];
    if (c === '"') return { end: i + 1, value: out, error, errorAt };
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const n = src[i + 1];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '"': '"', '\\': '\\' };
    if (n !== undefined && Object.prototype.hasOwnProperty.call(simple, n)) {
      out += simple[n];
      i += 2;
      continue;
    }
    if (n === 'u' && src[i + 2] === '{') {
      let j = i + 3;
      while (j < src.length && isHex(src.charCodeAt(j)) && j - (i + 3) < 7) j++;
      const digits = src.slice(i + 3, j);
      if (src[j] === '}' && digits.length >= 1 && digits.length <= 6 && parseInt(digits, 16) <= 0x10ffff) {
        out += String.fromCodePoint(parseInt(digits, 16));
        i = j + 1;
        continue;
      }
    }
    if (!error) {
      error = 'Invalid escape sequence.';
      errorAt = i;
    }
    // Skip the backslash and the next code unit (unless it ends the line) and keep looking
    // for the closing quote, so an unterminated string is still found after a bad escape.
    i += n === undefined || n === '\n' ? 1 : 2;
  }
}

/** How a token is named in "Expected X but found D." (§3.3). */
export function describeToken(t: Token): string {
  if (t.type === 'newline') return 'newline';
  if (t.type === 'eof') return 'end of file';
  return `'${t.text}'`;
}
