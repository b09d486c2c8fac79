import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from './errors.ts';
import { planAfterSales, type PlanDecision, type PlanOrder, type PlanOrderLine, type PlanRequest } from './after-sales-plan.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

// ---- builders -------------------------------------------------------------------------------

/** 3 × rice for 1000 fen at 8% (units 334 + 333 + 333), 2 × eggs for 6580 fen at 10% (3290 each). */
const rice = (over: Partial<PlanOrderLine> = {}): PlanOrderLine => ({ productId: 'p-rice', title: '大米', qty: 3, paidFen: 1000, commissionRate: 0.08, ...over });
const eggs = (over: Partial<PlanOrderLine> = {}): PlanOrderLine => ({ productId: 'p-eggs', title: '鸡蛋', qty: 2, paidFen: 6580, commissionRate: 0.1, ...over });
const order = (over: Partial<PlanOrder> = {}): PlanOrder => ({ lines: [rice(), eggs()], pointsEarned: 75, ...over });
const request = (lines: PlanRequest['lines'], over: Partial<PlanRequest> = {}): PlanRequest => ({ leaderId: 'l-1', lines, ...over });
const approve = (lines?: PlanDecision['lines']): PlanDecision => ({ decision: 'approve', ...(lines ? { lines } : {}) });
const reject: PlanDecision = { decision: 'reject' };
const units = (productId: string, qty: number) => ({ productId, qty });

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('after-sales plan: approval', () => {
  it('refunds the asked units, claws the leader’s commission back, takes points from the balance and the rest as debt', () => {
    const claimed = { 'p-eggs': 1, 'p-rice': 1 };
    const plan = planAfterSales(order({ claimedQty: claimed, afterSalesRev: 4 }), request([units('p-eggs', 1), units('p-rice', 1)]), approve(), 20);
    expect(plan.status).toBe('APPROVED');
    expect(plan.refund).toEqual({
      amountFen: 3290 + 334,
      lines: [
        { productId: 'p-eggs', qty: 1, amountFen: 3290 },
        { productId: 'p-rice', qty: 1, amountFen: 334 },
      ],
    });
    expect(plan.approvedLines).toEqual([
      { productId: 'p-eggs', title: '鸡蛋', qty: 1, amountFen: 3290, commissionFen: 329 },
      { productId: 'p-rice', title: '大米', qty: 1, amountFen: 334, commissionFen: 27 },
    ]);
    expect(plan.clawbackFen).toBe(356);
    expect(plan.clawback).toEqual({
      leaderId: 'l-1',
      amountFen: -356,
      lines: [
        { productId: 'p-eggs', title: '鸡蛋', qty: 1, paidFen: 3290, rate: 0.1, commissionFen: -329 },
        { productId: 'p-rice', title: '大米', qty: 1, paidFen: 334, rate: 0.08, commissionFen: -27 },
      ],
    });
    // 75 points on 7580 fen; 3624 refunded → floor(75 × 3624 / 7580) = 35; the balance holds 20.
    expect(plan.points).toEqual({ toTakeBack: 35, taken: 20, debt: 15 });
    expect(plan.countComplaint).toBe(true);
    expect(plan.orderSet).toEqual({
      claimedQty: { 'p-eggs': 1, 'p-rice': 1 },
      rejectedOnceQty: {},
      closedQty: {},
      afterSalesRev: 5,
      complaintCounted: true,
      refundedQty: { 'p-eggs': 1, 'p-rice': 1 },
      afterSalesRefundedFen: 3624,
      pointsTakenBack: 20,
    });
  });

  it('approves a subset: the rest counts as rejected once (closed when it was re-asked) and is given back', () => {
    const plan = planAfterSales(
      order({ claimedQty: { 'p-rice': 3 }, rejectedOnceQty: { 'p-rice': 1 } }),
      request([units('p-rice', 3)], { reaskedQty: { 'p-rice': 1 } }),
      approve([units('p-rice', 1)]),
      100,
    );
    expect(plan.units).toEqual([units('p-rice', 1)]);
    expect(plan.orderSet).toMatchObject({ claimedQty: { 'p-rice': 1 }, rejectedOnceQty: { 'p-rice': 2 }, closedQty: { 'p-rice': 1 }, refundedQty: { 'p-rice': 1 } });
    // The same product twice in the approval is one entry.
    expect(planAfterSales(order(), request([units('p-rice', 3)]), approve([units('p-rice', 1), units('p-rice', 1)])).units).toEqual([units('p-rice', 2)]);
  });

  it('refuses approved lines outside the request with VALIDATION_FAILED and the offending paths', () => {
    const notAsked = caught(() => planAfterSales(order(), request([units('p-rice', 1)]), approve([units('p-eggs', 1)])));
    expect(notAsked).toBeInstanceOf(AppError);
    expect(notAsked).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'lines.0.productId' }] } });
    expect(caught(() => planAfterSales(order(), request([units('p-rice', 1)]), approve([units('p-rice', 2)])))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { issues: [{ path: 'lines.0.qty', message: 'at most 1 were asked for' }] },
    });
  });

  it('throws RangeError when the units were already refunded (a concurrent decision: read again)', () => {
    expect(caught(() => planAfterSales(order({ refundedQty: { 'p-eggs': 2 } }), request([units('p-eggs', 1)]), approve()))).toBeInstanceOf(RangeError);
  });

  it('counts the complaint once per order and only with a leader; no leader, no clawback', () => {
    expect(planAfterSales(order({ complaintCounted: true }), request([units('p-eggs', 1)]), approve()).countComplaint).toBe(false);
    const noLeader = planAfterSales(order(), { lines: [units('p-eggs', 1)] }, approve());
    expect(noLeader.countComplaint).toBe(false);
    expect(noLeader.clawback).toBeUndefined();
    expect(noLeader.clawbackFen).toBe(329);
    expect(noLeader.orderSet).not.toHaveProperty('complaintCounted');
  });

  it('takes points back on what was paid less the refunds before pickup, all as debt when the balance holds nothing', () => {
    // 75 points on 7580 − 1000 fen; 3290 refunded → floor(75 × 3290 / 6580) = 37.
    expect(planAfterSales(order({ preRefundedFen: 1000 }), request([units('p-eggs', 1)]), approve(), 'not a number').points).toEqual({ toTakeBack: 37, taken: 0, debt: 37 });
    // Nothing earned, nothing taken (the balance is not looked at).
    expect(planAfterSales(order({ pointsEarned: 0 }), request([units('p-eggs', 1)]), approve()).points).toEqual({ toTakeBack: 0, taken: 0, debt: 0 });
  });
});

describe('after-sales plan: rejection', () => {
  it('refunds nothing, claws nothing back, gives the units back and closes the re-asked ones', () => {
    const plan = planAfterSales(
      order({ claimedQty: { 'p-eggs': 2 }, rejectedOnceQty: { 'p-eggs': 1 }, afterSalesRev: 1 }),
      request([units('p-eggs', 2)], { reaskedQty: { 'p-eggs': 1 } }),
      reject,
      50,
    );
    expect(plan).toEqual({
      status: 'REJECTED',
      units: [],
      approvedLines: [],
      clawbackFen: 0,
      points: { toTakeBack: 0, taken: 0, debt: 0 },
      countComplaint: false,
      orderSet: { claimedQty: { 'p-eggs': 0 }, rejectedOnceQty: { 'p-eggs': 2 }, closedQty: { 'p-eggs': 1 }, afterSalesRev: 2 },
    });
  });
});

describe('after-sales plan: properties', () => {
  it('never refunds more than was paid, leaves its inputs as they were, and conserves the asked units', () => {
    const line = (productId: string) =>
      fc.record({ productId: fc.constant(productId), title: fc.constant(productId), qty: fc.integer({ min: 1, max: 5 }), paidFen: fc.integer({ min: 0, max: 100_000 }), commissionRate: fc.constantFrom(0.05, 0.08, 0.1, 0.15) });
    fc.assert(
      fc.property(
        fc.tuple(line('p-a'), line('p-b')),
        fc.nat({ max: 5 }),
        fc.nat({ max: 5 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: -10, max: 500 }),
        (lines, askA, askB, yes, earned, held) => {
          const asked = [units('p-a', Math.min(askA, lines[0].qty)), units('p-b', Math.min(askB, lines[1].qty))].filter((l) => l.qty > 0);
          fc.pre(asked.length > 0);
          const o = order({ lines, pointsEarned: earned, claimedQty: Object.fromEntries(asked.map((l) => [l.productId, l.qty])) });
          const r = request(asked);
          const frozen = structuredClone([o, r]);
          const plan = planAfterSales(o, r, yes ? approve() : reject, held);
          expect([o, r]).toEqual(frozen);
          const paid = lines.reduce((a, l) => a + l.paidFen, 0);
          expect(plan.refund?.amountFen ?? 0).toBeLessThanOrEqual(paid);
          expect(plan.points.taken).toBeLessThanOrEqual(Math.max(0, held));
          expect(plan.points.taken + plan.points.debt).toBe(plan.points.toTakeBack);
          expect(plan.points.toTakeBack).toBeLessThanOrEqual(earned);
          // Every asked unit is either still claimed (approved) or counted as rejected.
          const set = plan.orderSet as { claimedQty: Record<string, number>; rejectedOnceQty: Record<string, number> };
          for (const l of asked) expect((set.claimedQty[l.productId] ?? 0) + (set.rejectedOnceQty[l.productId] ?? 0)).toBe(l.qty);
        },
      ),
      { numRuns: 300 },
    );
  }, PROPERTY_TIMEOUT_MS);
});
