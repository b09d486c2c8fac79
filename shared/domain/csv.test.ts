import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_BOM, toCsv } from './csv.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

/** A strict RFC 4180 reader for the tests: CRLF records, quoted fields with "" escapes. */
function parseCsv(text: string): string[][] {
  expect(text.startsWith(CSV_BOM)).toBe(true);
  const records: string[][] = [];
  let record: string[] = [];
  let i = CSV_BOM.length;
  while (i < text.length) {
    let value = '';
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quote');
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const end = text.slice(i).search(/,|\r\n/);
      if (end < 0) throw new Error('record without CRLF');
      value = text.slice(i, i + end);
      if (/["\r\n]/.test(value)) throw new Error(`bare special character in ${JSON.stringify(value)}`);
      i += end;
    }
    record.push(value);
    if (text[i] === ',') i += 1;
    else if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
    } else throw new Error(`junk after field at ${i}`);
  }
  return records;
}

describe('toCsv', () => {
  it('starts with the UTF-8 BOM and ends every record with CRLF', () => {
    const csv = toCsv(['商品', '数量'], [['鸡蛋', 2]]);

    expect(csv).toBe('\uFEFF商品,数量\r\n鸡蛋,2\r\n');
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    const csv = toCsv(['a', 'b', 'c', 'd'], [['x,y', 'say "hi"', 'line1\nline2', 'cr\r\nlf']]);

    expect(csv).toBe('\uFEFFa,b,c,d\r\n"x,y","say ""hi""","line1\nline2","cr\r\nlf"\r\n');
  });

  it('writes null and undefined as empty cells, numbers as they are', () => {
    expect(toCsv(['a', 'b', 'c', 'd'], [[null, undefined, -12, 3.5]])).toBe('\uFEFFa,b,c,d\r\n,,-12,3.5\r\n');
  });

  it('defuses text that a spreadsheet would run as a formula', () => {
    const evil = ['=HYPERLINK("http://x","点我")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '-5'];

    const [, row] = parseCsv(toCsv(['a', 'b', 'c', 'd', 'e', 'f'], [evil]));

    expect(row).toEqual(evil.map((e) => `'${e}`));
    expect(toCsv(['n'], [[-5]])).toBe('\uFEFFn\r\n-5\r\n'); // a negative number stays a number
    expect(toCsv(['=bad'], [])).toBe("\uFEFF'=bad\r\n"); // headers too
  });

  it('round-trips any text through an RFC 4180 reader', () => {
    const tricky = fc.constantFrom('a', ',', '"', '\r', '\n', '张', '=', '-', ' ');
    const cell = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: tricky }));
    const table = fc
      .integer({ min: 1, max: 5 })
      .chain((n) => fc.tuple(fc.array(cell, { minLength: n, maxLength: n }), fc.array(fc.array(cell, { minLength: n, maxLength: n }))));
    fc.assert(
      fc.property(table, ([headers, rows]) => {
        const shown = (c: string) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c);
        expect(parseCsv(toCsv(headers, rows))).toEqual([headers, ...rows].map((r) => r.map(shown)));
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('refuses a row of the wrong width and a non-finite number', () => {
    expect(() => toCsv(['a', 'b'], [['only one']])).toThrow(/row 0 has 1 cells, expected 2/);
    expect(() => toCsv(['a'], [[Number.NaN]])).toThrow(RangeError);
  });
});
