/**
 * Reading the CSV files staff import (products, communities, leaders): RFC 4180 (quoted fields,
 * doubled quotes, CRLF or LF, line breaks inside quotes), a UTF-8 byte order mark ignored, as
 * Excel and WPS save "CSV UTF-8". Line numbers are the file's physical lines, 1 the header.
 */
export interface CsvRecord {
  /** The physical line the record starts on (1 = the header). */
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** Every record of the text, blank lines skipped; throws CsvSyntaxError for an unterminated quote. */
export function parseCsv(text: string): CsvRecord[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const out: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let ended = false;
    while (i < src.length && !ended) {
      const ch = src[i]!;
      if (quoted) {
        if (ch === '"') {
          if (src[i + 1] === '"') (cell += '"'), (i += 2);
          else (quoted = false), i++;
        } else {
          if (ch === '\n') line++;
          cell += ch;
          i++;
        }
      } else if (ch === '"' && cell === '') {
        quoted = true;
        i++;
      } else if (ch === ',') {
        cells.push(cell);
        cell = '';
        i++;
      } else if (ch === '\r' || ch === '\n') {
        i += ch === '\r' && src[i + 1] === '\n' ? 2 : 1;
        line++;
        ended = true;
      } else {
        cell += ch;
        i++;
      }
    }
    if (quoted) throw new CsvSyntaxError(start, 'a quoted field is not closed');
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '')) out.push({ line: start, cells });
  }
  return out;
}
