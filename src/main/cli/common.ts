// What the data commands share: flag parsing that turns node:util's messages into usage
// errors, where the data folder is, and plain output helpers.
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultDataDir } from '../data-dir';
import { usageError } from './exit';

export { CliError, EXIT, usageError } from './exit';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, with `--help` always known and its errors as usage errors. */
export function parseFlags<O extends Options>(args: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args, strict: true, allowPositionals: positionals, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw usageError((err as Error).message);
  }
}

/** The shared `--data` and `--json` flags of the commands that work on a data folder. */
export const DATA_FLAGS = {
  data: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const DATA_HELP = `  --data DIR    data folder (default: $LOUPE_DATA, else ${defaultDataDir()})
  --json        machine-readable output on stdout (progress stays on stderr)
`;

/** `--data`, else $LOUPE_DATA (as the desktop app reads it), else the platform's folder. */
export function dataDirOf(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? (env.LOUPE_DATA || defaultDataDir(env)));
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Columns padded to their widest cell, for the human-readable lists. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
