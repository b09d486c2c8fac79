import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { afterStatement } from './leader-debt.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

describe('afterStatement', () => {
  it('credits repay the debt first; debits take what is available and carry the rest', () => {
    expect(afterStatement({ availableFen: 0, debtFen: 300 }, 500)).toEqual({ availableFen: 200, debtFen: 0 });
    expect(afterStatement({ availableFen: 0, debtFen: 300 }, 100)).toEqual({ availableFen: 0, debtFen: 200 });
    expect(afterStatement({ availableFen: 100, debtFen: 0 }, -300)).toEqual({ availableFen: 0, debtFen: 200 });
    expect(afterStatement({ availableFen: 500, debtFen: 0 }, -300)).toEqual({ availableFen: 200, debtFen: 0 });
    expect(afterStatement({ availableFen: -300, debtFen: 0 }, 0)).toEqual({ availableFen: 0, debtFen: 300 });
    expect(() => afterStatement({ availableFen: 0.5, debtFen: 0 }, 1)).toThrow(RangeError);
  });

  it('never negative, never both positive, and money is neither made nor lost over any sequence (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100_000, max: 100_000 }), { maxLength: 50 }), (totals) => {
        let held = { availableFen: 0, debtFen: 0 };
        let sum = 0;
        for (const t of totals) {
          held = afterStatement(held, t);
          sum += t;
          expect(held.availableFen).toBeGreaterThanOrEqual(0);
          expect(held.debtFen).toBeGreaterThanOrEqual(0);
          expect(held.availableFen === 0 || held.debtFen === 0).toBe(true);
          expect(held.availableFen - held.debtFen).toBe(sum);
        }
      }),
    );
  }, PROPERTY_TIMEOUT_MS);
});
