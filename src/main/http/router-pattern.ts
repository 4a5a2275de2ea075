/**
 * Parses route patterns (`/users/:id(\\d+)/files/*rest`) into tokens the radix tree
 * inserts. Kept apart from the tree so pattern errors are reported with the whole
 * pattern in the message, at registration time rather than on the first request.
 */
export type PatternToken = { kind: 'static'; text: string } | { kind: 'param'; name: string; regex: RegExp | null } | { kind: 'wildcard'; name: string };

const NAME_CHAR = /[A-Za-z0-9_$]/;

export function parsePattern(pattern: string): PatternToken[] {
  if (!pattern.startsWith('/')) throw new Error(`Route "${pattern}" must start with "/".`);
  const tokens: PatternToken[] = [];
  let text = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === ':' && pattern[i - 1] === '/') {
      if (text) tokens.push({ kind: 'static', text });
      text = '';
      let j = i + 1;
      while (j < pattern.length && NAME_CHAR.test(pattern[j])) j++;
      const name = pattern.slice(i + 1, j);
      if (!name) throw new Error(`Route "${pattern}": a parameter needs a name after ":".`);
      let regex: RegExp | null = null;
      if (pattern[j] === '(') {
        const close = findClosingParen(pattern, j);
        regex = new RegExp(`^(?:${pattern.slice(j + 1, close)})$`);
        j = close + 1;
      }
      if (j < pattern.length && pattern[j] !== '/') {
        throw new Error(`Route "${pattern}": a parameter must fill its whole path segment.`);
      }
      tokens.push({ kind: 'param', name, regex });
      i = j;
      continue;
    }
    if (ch === '*' && pattern[i - 1] === '/') {
      if (text) tokens.push({ kind: 'static', text });
      text = '';
      const name = pattern.slice(i + 1) || '*';
      if (!/^[A-Za-z0-9_$*]+$/.test(name)) throw new Error(`Route "${pattern}": a wildcard must end the pattern.`);
      tokens.push({ kind: 'wildcard', name });
      return tokens;
    }
    text += ch;
    i++;
  }
  if (text) tokens.push({ kind: 'static', text });
  return tokens;
}

function findClosingParen(pattern: string, open: number): number {
  let depth = 0;
  for (let k = open; k < pattern.length; k++) {
    const c = pattern[k];
    if (c === '\\') {
      k++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return k;
  }
  throw new Error(`Route "${pattern}": unclosed "(" in a parameter pattern.`);
}

/** Joins a prefix and a path without doubling or losing the slash between them. */
export function joinPaths(prefix: string, path: string): string {
  if (!prefix || prefix === '/') return path;
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (path === '/' || path === '') return p || '/';
  return p + (path.startsWith('/') ? path : `/${path}`);
}
