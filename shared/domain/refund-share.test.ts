import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lineCommissionFen } from './commission.ts';
import { pointsForFen, pointsToTakeBack, refundShare, type ShareLine } from './refund-share.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

const rice: ShareLine = { productId: 'p-rice', qty: 3, paidFen: 1000, commissionRate: 0.08 };
const eggs: ShareLine = { productId: 'p-eggs', qty: 2, paidFen: 6580, commissionRate: 0.1 };

describe('refundShare', () => {
  it('splits a line by units with largest remainder: 1000 fen over 3 → 334 + 333 + 333', () => {
    const first = refundShare([rice], {}, [{ productId: 'p-rice', qty: 1 }]);
    expect(first.amountFen).toBe(334);
    expect(first.commissionFen).toBe(lineCommissionFen(334, 0.08));
    const rest = refundShare([rice], first.refundedQty, [{ productId: 'p-rice', qty: 2 }]);
    expect(rest.amountFen).toBe(666);
    expect(rest.refundedQty).toEqual({ 'p-rice': 3 });
  });

  it('refunds whole lines at their paid amount and claws back their commission', () => {
    const r = refundShare([rice, eggs], {}, [{ productId: 'p-eggs', qty: 2 }]);
    expect(r.amountFen).toBe(6580);
    expect(r.commissionFen).toBe(lineCommissionFen(6580, 0.1));
    expect(r.lines).toEqual([{ productId: 'p-eggs', qty: 2, amountFen: 6580, commissionFen: 658 }]);
  });

  it('refuses more units than remain, and products not in the order', () => {
    expect(() => refundShare([rice], { 'p-rice': 2 }, [{ productId: 'p-rice', qty: 2 }])).toThrow(RangeError);
    expect(() => refundShare([rice], {}, [{ productId: 'p-milk', qty: 1 }])).toThrow(RangeError);
  });

  it('never refunds more than was paid, and exactly the paid amount and commission once everything is back (property)', () => {
    const line = fc.record({
      productId: fc.constantFrom('a', 'b', 'c'),
      qty: fc.integer({ min: 1, max: 12 }),
      paidFen: fc.integer({ min: 0, max: 200_000 }),
      commissionRate: fc.integer({ min: 500, max: 1500 }).map((bp) => bp / 10_000),
    });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 30 }), (lines, steps) => {
        const products = [...new Set(lines.map((l) => l.productId))];
        const totalQty = (p: string) => lines.filter((l) => l.productId === p).reduce((a, l) => a + l.qty, 0);
        let refunded: Record<string, number> = {};
        const paid: Record<string, number> = {};
        const clawed: Record<string, number> = {};
        // Partial refunds in random steps, then the rest.
        const plan = steps.map((q, i) => ({ productId: products[i % products.length]!, qty: q }));
        for (const p of products) plan.push({ productId: p, qty: Number.MAX_SAFE_INTEGER });
        for (const step of plan) {
          const left = totalQty(step.productId) - (refunded[step.productId] ?? 0);
          const qty = Math.min(step.qty, left);
          if (qty === 0) continue;
          const r = refundShare(lines, refunded, [{ productId: step.productId, qty }]);
          expect(r.amountFen).toBeGreaterThanOrEqual(0);
          expect(r.commissionFen).toBeGreaterThanOrEqual(0);
          paid[step.productId] = (paid[step.productId] ?? 0) + r.amountFen;
          clawed[step.productId] = (clawed[step.productId] ?? 0) + r.commissionFen;
          const own = lines.filter((l) => l.productId === step.productId);
          expect(paid[step.productId]).toBeLessThanOrEqual(own.reduce((a, l) => a + l.paidFen, 0));
          refunded = r.refundedQty;
        }
        for (const p of products) {
          const own = lines.filter((l) => l.productId === p);
          expect(paid[p]).toBe(own.reduce((a, l) => a + l.paidFen, 0));
          expect(clawed[p]).toBe(own.reduce((a, l) => a + lineCommissionFen(l.paidFen, l.commissionRate), 0));
        }
      }),
    );
  }, PROPERTY_TIMEOUT_MS);
});

describe('points', () => {
  it('earns whole points per yuan paid, floored', () => {
    expect(pointsForFen(12_399, 1)).toBe(123);
    expect(pointsForFen(99, 1)).toBe(0);
    expect(pointsForFen(12_399, 2)).toBe(247);
  });

  it('takes back points in proportion, exactly what was earned after a full refund in steps (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 10 }), (paidFen, cuts) => {
        const earned = pointsForFen(paidFen, 1);
        let before = 0;
        let taken = 0;
        for (const c of [...cuts, paidFen]) {
          const after = Math.min(paidFen, before + c);
          const t = pointsToTakeBack(earned, paidFen, before, after);
          expect(t).toBeGreaterThanOrEqual(0);
          taken += t;
          before = after;
        }
        expect(taken).toBe(earned);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);
});
