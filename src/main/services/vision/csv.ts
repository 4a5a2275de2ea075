// CSV that a spreadsheet opens as data, never as formulas.
//
// Every cell is quoted (RFC 4180), so commas, quotes and line breaks in a folder name stay
// inside their cell. A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
// read by Excel, LibreOffice and Sheets as a formula even when quoted; a leading `'` makes
// it text (OWASP's advice for CSV injection). Numbers Loupe writes never start that way.

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: quoted, quotes doubled, a formula start defused. */
export function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

/** One line of cells, ended by a newline. */
export function csvRow(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\n`;
}
