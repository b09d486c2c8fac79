import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateFen,
  assertFen,
  basisPoints,
  formatYuan,
  percentOfFen,
  percentOfFenDown,
  rateOfFen,
} from './money.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

describe('assertFen', () => {
  it('returns a safe non-negative integer unchanged', () => {
    expect(assertFen(0)).toBe(0);
    expect(assertFen(12_345)).toBe(12_345);
    expect(assertFen(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])(
    'throws on %s',
    (n) => {
      expect(() => assertFen(n, 'priceFen')).toThrow(/priceFen/);
    },
  );
});

describe('allocateFen', () => {
  it('gives the leftover fen to the largest remainders', () => {
    // quotas 100·[1,2,3]/6 = 16.67, 33.33, 50 → floors 16, 33, 50; leftover 1 to index 0
    expect(allocateFen(100, [1, 2, 3])).toEqual([17, 33, 50]);
    // quotas 10·[5,3,2]/10 = 5, 3, 2 exactly
    expect(allocateFen(10, [5, 3, 2])).toEqual([5, 3, 2]);
    // quotas 7·[1,3]/4 = 1.75, 5.25 → floors 1, 5; leftover to index 0 (remainder .75)
    expect(allocateFen(7, [1, 3])).toEqual([2, 5]);
  });

  it('breaks ties on equal remainders by the lower index', () => {
    expect(allocateFen(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateFen(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(allocateFen(1, [5, 5])).toEqual([1, 0]);
  });

  it('never gives anything to a zero weight', () => {
    expect(allocateFen(5, [0, 3, 0, 3])).toEqual([0, 3, 0, 2]);
    expect(allocateFen(0, [0, 0])).toEqual([0, 0]);
  });

  it('allows a total above the sum of weights (shares then exceed weights)', () => {
    expect(allocateFen(10, [1, 1])).toEqual([5, 5]);
  });

  it('is exact for amounts whose products exceed 2^53', () => {
    const big = 9_000_000_000_000;
    expect(allocateFen(big, [big, big, 1])).toEqual([4_500_000_000_000, 4_500_000_000_000, 0]);
  });

  it('throws on bad input', () => {
    expect(() => allocateFen(1, [])).toThrow(RangeError);
    expect(() => allocateFen(1, [0, 0])).toThrow(RangeError);
    expect(() => allocateFen(-1, [1])).toThrow(RangeError);
    expect(() => allocateFen(1.5, [1])).toThrow(RangeError);
    expect(() => allocateFen(1, [1, -1])).toThrow(RangeError);
    expect(() => allocateFen(1, [0.5])).toThrow(RangeError);
  });

  it('sums to the total, stays within one fen of each exact quota, and respects weights (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 30 }),
        fc.nat({ max: 50_000_000 }),
        (weights, rawTotal) => {
          const sum = weights.reduce((a, w) => a + w, 0);
          fc.pre(sum > 0);
          const total = rawTotal % (sum * 2 + 1); // both at/below and above Σweights
          const shares = allocateFen(total, weights);
          expect(shares.reduce((a, s) => a + s, 0)).toBe(total);
          shares.forEach((s, i) => {
            const w = weights[i]!;
            expect(Number.isInteger(s) && s >= 0).toBe(true);
            // |share − total·w/sum| < 1, in exact integers
            expect(Math.abs(s * sum - total * w)).toBeLessThan(sum);
            if (total <= sum) expect(s).toBeLessThanOrEqual(w);
            if (w === 0) expect(s).toBe(0);
          });
          expect(allocateFen(total, [...weights])).toEqual(shares);
        },
      ),
      { numRuns: 1000 },
    );
  }, PROPERTY_TIMEOUT_MS);
});

describe('percentOfFen / percentOfFenDown', () => {
  it('rounds half up', () => {
    expect(percentOfFen(1005, 10)).toBe(101); // 100.5
    expect(percentOfFen(1004, 10)).toBe(100); // 100.4
    expect(percentOfFen(1006, 10)).toBe(101); // 100.6
    expect(percentOfFen(1, 50)).toBe(1); // 0.5
    expect(percentOfFen(1, 49)).toBe(0);
    expect(percentOfFen(12_345, 0)).toBe(0);
    expect(percentOfFen(12_345, 100)).toBe(12_345);
  });

  it('rounds down for caps', () => {
    expect(percentOfFenDown(101, 50)).toBe(50);
    expect(percentOfFenDown(100, 50)).toBe(50);
    expect(percentOfFenDown(1, 99)).toBe(0);
  });

  it('throws on bad input', () => {
    expect(() => percentOfFen(-1, 10)).toThrow(RangeError);
    expect(() => percentOfFen(100, 1.5)).toThrow(RangeError);
    expect(() => percentOfFenDown(100.5, 10)).toThrow(RangeError);
  });
});

describe('rateOfFen', () => {
  it('rounds half up to the fen', () => {
    expect(rateOfFen(1005, 1000)).toBe(101); // 10% of 10.05 = 1.005 yuan
    expect(rateOfFen(1004, 1000)).toBe(100);
    expect(rateOfFen(4, 1250)).toBe(1); // 0.5
    expect(rateOfFen(3, 1250)).toBe(0); // 0.375
    expect(rateOfFen(0, 1500)).toBe(0);
  });

  it('is exact where floating point is not', () => {
    // 0.1 × 0.15 style errors: 3 × 1500 / 10000 = 0.45 → 0; 30 × 1500 / 10000 = 4.5 → 5
    expect(rateOfFen(30, 1500)).toBe(5);
    expect(rateOfFen(Number.MAX_SAFE_INTEGER, 1)).toBe(900_719_925_474); // 900719925474.0991
  });

  it('matches a BigInt reference (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e12 }), fc.nat({ max: 10_000 }), (amount, bp) => {
        const exact = (BigInt(amount) * BigInt(bp) * 2n + 10_000n) / 20_000n;
        expect(rateOfFen(amount, bp)).toBe(Number(exact));
      }),
      { numRuns: 1000 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('throws on bad input', () => {
    expect(() => rateOfFen(100, -1)).toThrow(RangeError);
    expect(() => rateOfFen(100, 0.5)).toThrow(RangeError);
  });
});

describe('basisPoints', () => {
  it.each([
    [0.1, 1000],
    [0.125, 1250],
    [0.05, 500],
    [0.07, 700], // 700.0000000000001 in floating point
    [0.57, 5700], // 5699.999999999999 in floating point
    [0.15, 1500],
    [0.0001, 1],
    [0, 0],
    [1, 10_000],
  ])('%s → %s', (rate, bp) => {
    expect(basisPoints(rate)).toBe(bp);
  });

  it('throws on a negative or non-finite rate', () => {
    expect(() => basisPoints(-0.1)).toThrow(RangeError);
    expect(() => basisPoints(Number.NaN)).toThrow(RangeError);
    expect(() => basisPoints(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('formatYuan', () => {
  it.each([
    [1_234_567, '¥12,345.67'],
    [0, '¥0.00'],
    [5, '¥0.05'],
    [100, '¥1.00'],
    [99_999, '¥999.99'],
    [100_000, '¥1,000.00'],
    [100_000_000, '¥1,000,000.00'],
    [-150, '-¥1.50'],
    [Number.MAX_SAFE_INTEGER, '¥90,071,992,547,409.91'],
  ])('%s fen → %s', (fen, text) => {
    expect(formatYuan(fen)).toBe(text);
  });

  it('throws on a fractional fen', () => {
    expect(() => formatYuan(1.5)).toThrow(RangeError);
  });
});
