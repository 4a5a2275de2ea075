// CSV for files a person opens in a spreadsheet: every cell quoted (RFC 4180, quotes
// doubled), and a cell that would start with = + - @ (or a tab or carriage return) gets a
// leading ' so that no spreadsheet takes it for a formula (CSV injection). Written to a
// new file only: an existing file is never replaced.
import { openSync, writeSync, closeSync } from 'node:fs';
import { CliError, EXIT } from './exit';

export function csvCell(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export const csvRow = (cells: Array<string | number>): string => cells.map(csvCell).join(',') + '\r\n';

/** Opens OUT for writing only if it does not exist yet (O_EXCL), else a CliError (exit 5). */
export function createExclusive(path: string): { write(data: string | Uint8Array): void; close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(EXIT.cannotWrite, `${path} exists already; give a new file name (it is never replaced).`);
    throw new CliError(EXIT.cannotWrite, `cannot create ${path} (${code ?? String(err)}).`);
  }
  return {
    write: (data) => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let off = 0; off < bytes.byteLength;) off += writeSync(fd, bytes, off);
    },
    close: () => closeSync(fd),
  };
}
