import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, atBizTime, bizDate, bizTime, isBizDate, toBizIso } from './time.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

describe('business time formatting', () => {
  it('agrees with dayjs’ Asia/Shanghai conversion, including the 1986–1991 summer time', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1980, 0, 1), max: Date.UTC(2060, 0, 1) }), (ms) => {
        expect(toBizIso(ms)).toBe(bizTime(ms).format('YYYY-MM-DDTHH:mm:ssZ'));
        expect(bizDate(ms)).toBe(bizTime(ms).format('YYYY-MM-DD'));
      }),
      { numRuns: 2000 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('formats a known instant', () => {
    expect(toBizIso(Date.parse('2026-11-24T14:00:00Z'))).toBe('2026-11-24T22:00:00+08:00');
    expect(bizDate('2026-11-24T16:00:00Z')).toBe('2026-11-25');
  });
});

describe('business time (Asia/Shanghai)', () => {
  it('atBizTime gives the instant of a wall-clock time in Shanghai, the same on every ask', () => {
    for (let i = 0; i < 3; i++) {
      expect(atBizTime('2026-11-24', '22:00')).toBe(Date.parse('2026-11-24T14:00:00Z'));
      expect(atBizTime('2026-11-25', '08:30')).toBe(Date.parse('2026-11-25T00:30:00Z'));
    }
    expect(toBizIso(atBizTime('2026-12-31', '23:59'))).toBe('2026-12-31T23:59:00+08:00');
  });

  it('addDays is calendar arithmetic across months, years and leap days, forwards and back', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31'); // asked again: the kept answer
    // Many dates asked over and over (the kept table empties itself past its size) stay right.
    let d = '2026-01-01';
    for (let i = 0; i < 2_500; i++) d = addDays(d, 1);
    expect(d).toBe('2032-11-05');
    expect(addDays('2026-01-01', 2_500)).toBe('2032-11-05');
  });

  it('isBizDate accepts real calendar dates only', () => {
    expect(isBizDate('2026-02-28')).toBe(true);
    expect(isBizDate('2026-02-30')).toBe(false);
    expect(isBizDate('2026-2-3')).toBe(false);
    expect(isBizDate('2026-02-30')).toBe(false); // asked again: the kept answer
  });
});
