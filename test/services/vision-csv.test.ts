// The CSV cells predict-folder writes: always quoted, never a formula.
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '../../src/main/services/vision/csv';

describe('csv cells', () => {
  it('quotes every cell and doubles quotes', () => {
    expect(csvCell('plain')).toBe('"plain"');
    expect(csvCell('')).toBe('""');
    expect(csvCell('a "b", c\nd')).toBe('"a ""b"", c\nd"');
    expect(csvRow(['path', 'label', '0.500000', ''])).toBe('"path","label","0.500000",""\n');
  });

  it('defuses every character a spreadsheet reads as the start of a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      const cell = `${start}HYPERLINK("http://x","y")`;
      expect(csvCell(cell), JSON.stringify(start)).toBe(`"'${cell.replace(/"/g, '""')}"`);
    }
    // Only the start matters: the same characters inside a cell are data.
    expect(csvCell('/home/me/=a+b@c')).toBe('"/home/me/=a+b@c"');
  });
});
