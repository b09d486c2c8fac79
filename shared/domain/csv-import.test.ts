import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv } from './csv-import.ts';
import { toCsv } from './csv.ts';

describe('CSV import reader', () => {
  it('reads quotes, doubled quotes, CRLF, a BOM and line breaks inside quotes, numbering physical lines', () => {
    const text = '\uFEFFtitle,priceFen\r\n"西红柿, 500g",390\r\n"说""明\n第二行",100\n\nlast,1';
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['title', 'priceFen'] },
      { line: 2, cells: ['西红柿, 500g', '390'] },
      { line: 3, cells: ['说"明\n第二行', '100'] },
      { line: 6, cells: ['last', '1'] },
    ]);
  });
  it('reads what the exports write', () => {
    expect(parseCsv(toCsv(['a', 'b'], [['x,y', 'q"q']])).map((r) => r.cells)).toEqual([['a', 'b'], ['x,y', 'q"q']]);
  });
  it('refuses an unterminated quote naming its line', () => {
    expect(() => parseCsv('a\n"open')).toThrow(CsvSyntaxError);
  });
});
