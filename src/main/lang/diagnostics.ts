// Recovering analysis for the editor and `loupe check`: every syntax error the parser can
// recover from, then every resolution error of what parsed, in source order.
import { parse } from './parser';
import { resolve } from './resolver';
import { BUILTIN_NAMES } from './names';

export interface Diagnostic {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  message: string;
  severity: 'error' | 'warning';
}

export function check(source: string, options: { mainPath?: string; globals?: string[] } = {}): Diagnostic[] {
  const parsed = parse(source, true);
  const errors = [...parsed.errors];
  try {
    errors.push(...resolve(parsed.module, [...BUILTIN_NAMES, ...(options.globals ?? [])]).errors);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  const out = errors.map((e): Diagnostic => {
    const d: Diagnostic = { line: e.line, column: e.col, message: e.message, severity: 'error' };
    if (e.endLine !== undefined) {
      d.endLine = e.endLine;
      d.endColumn = e.endCol;
    }
    return d;
  });
  out.sort((a, b) => a.line - b.line || a.column - b.column);
  return out;
}
