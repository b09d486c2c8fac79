import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bizDate, bizTime, toBizIso } from './time.ts';
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
