import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExclusive, csvCell, csvRow } from '../../src/main/cli/csv';
import { CliError } from '../../src/main/cli/exit';

describe('CSV for spreadsheets', () => {
  it('quotes every cell and doubles quotes', () => {
    expect(csvRow(['a', 'b,c', 'say "hi"', 3])).toBe('"a","b,c","say ""hi""","3"\r\n');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
  });

  it('never lets a cell start with = + - @ (or tab, CR): a spreadsheet would run it as a formula', () => {
    for (const s of ['=HYPERLINK("x")', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) expect(csvCell(s)).toBe(`"'${s.replace(/"/g, '""')}"`);
    expect(csvCell('cat=1')).toBe('"cat=1"');
  });

  it('creates its file only if it does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-csv-'));
    try {
      const path = join(dir, 'x.csv');
      const f = createExclusive(path);
      f.write('one');
      f.close();
      expect(() => createExclusive(path)).toThrow(CliError);
      expect(readFileSync(path, 'utf8')).toBe('one');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
