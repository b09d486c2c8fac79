/**
 * CSV exports for the back office (purchase list, pick lists, statements). The merchant opens
 * them in Excel, so: RFC 4180 quoting, CRLF line ends, a UTF-8 byte order mark (without it
 * Excel reads Chinese text as the local code page), and no cell that Excel would run as a
 * formula (CSV injection: a customer-typed name such as `=HYPERLINK(...)`).
 */

export type CsvCell = string | number | null | undefined;

/** UTF-8 byte order mark: tells Excel the file is UTF-8. */
export const CSV_BOM = '\uFEFF';

const CRLF = '\r\n';

/** First characters that make a spreadsheet treat a text cell as a formula (OWASP list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Characters that force a field into quotes (RFC 4180 §2.6). */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Renders a header line and rows as CSV text. Every row must have one cell per header.
 * `null` / `undefined` are empty cells; numbers are written as they are (a negative number
 * stays a number); text starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so it
 * is shown, never evaluated.
 */
export function toCsv(headers: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [headers.map(textField)];
  rows.forEach((row, i) => {
    if (row.length !== headers.length) {
      throw new RangeError(`CSV row ${i} has ${row.length} cells, expected ${headers.length}`);
    }
    lines.push(row.map(field));
  });
  return CSV_BOM + lines.map((cells) => cells.join(',') + CRLF).join('');
}

function field(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) throw new RangeError('CSV number cells must be finite');
    return String(cell);
  }
  return textField(cell);
}

function textField(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
