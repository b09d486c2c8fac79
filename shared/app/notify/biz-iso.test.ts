import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toBizIso } from '#domain/time';
import { bizIso } from './biz-iso.ts';

describe('bizIso', () => {
  it('is toBizIso, whatever the milliseconds and however often asked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(bizIso(ms)).toBe(toBizIso(ms));
        expect(bizIso(ms)).toBe(toBizIso(ms));
      }),
    );
    expect(bizIso(Date.parse('2026-11-24T22:00:00.999+08:00'))).toBe('2026-11-24T22:00:00+08:00');
  });
});
