import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildStatement,
  commissionRateOf,
  defaultSettlementSettings,
  lineCommissionFen,
  parseSettlementSettings,
  rateBasisPoints,
  refundAdjustment,
  tierBonus,
  validateRate,
  type StatementLine,
} from './commission.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

const validation = expect.objectContaining({ code: 'VALIDATION_FAILED' });

describe('lineCommissionFen', () => {
  it.each([
    [1234, 0.125, 154], // 154.25
    [1236, 0.125, 155], // 154.5 exactly: half rounds up
    [100, 0.145, 15], // 14.5; the float product is 14.499999999999998
    [150, 0.07, 11], // 10.5; the float product is 10.500000000000002
    [5, 0.1, 1], // 0.5
    [4, 0.1, 0], // 0.4
    [0, 0.15, 0],
    [9_999_999, 0.15, 1_500_000], // 1_499_999.85
  ])('%i fen at %d earns %i fen', (paidFen, rate, expected) => {
    expect(lineCommissionFen(paidFen, rate)).toBe(expected);
  });

  it('refuses a bad amount', () => {
    expect(() => lineCommissionFen(-1, 0.1)).toThrow(RangeError);
    expect(() => lineCommissionFen(10.5, 0.1)).toThrow(RangeError);
  });
});

describe('validateRate', () => {
  it.each([0.05, 0.1, 0.125, 0.15, 0.0725])('accepts %d', (rate) => {
    expect(validateRate(rate)).toBe(rate);
  });

  it.each([0.0499, 0.1501, 0.04, 0.16, 0, -0.1, 0.12345, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses %d with VALIDATION_FAILED',
    (rate) => {
      expect(() => validateRate(rate)).toThrow(validation);
      expect(() => lineCommissionFen(1000, rate)).toThrow(validation);
    },
  );

  it('reads rates as exact basis points and defaults to 10%', () => {
    expect(rateBasisPoints(0.07)).toBe(700);
    expect(rateBasisPoints(0.15)).toBe(1500);
    expect(commissionRateOf(undefined, 0.1)).toBe(0.1);
    expect(commissionRateOf(0.12, 0.1)).toBe(0.12);
    expect(() => commissionRateOf(0.2, 0.1)).toThrow(validation);
  });
});

describe('tierBonus (defaults: ≥ ¥10,000 +1 point, ≥ ¥30,000 +2 points, on the period total)', () => {
  const settings = defaultSettlementSettings();

  it.each([
    [0, null],
    [999_999, null],
    [1_000_000, 10_000],
    [1_000_001, 10_000], // 10_000.01
    [1_000_050, 10_001], // 10_000.5 rounds up once, on the total
    [2_999_999, 30_000], // 29_999.99 at +1 point
    [3_000_000, 60_000],
    [3_000_001, 60_000], // 60_000.02
  ])('sales of %i fen give %s', (sales, expected) => {
    expect(tierBonus(settings, sales)?.amountFen ?? null).toBe(expected);
  });

  it('is a tier bonus with a note a leader can check', () => {
    expect(tierBonus(settings, 1_234_567)).toEqual({
      kind: 'tier',
      amountFen: 12_346,
      note: expect.stringContaining('¥12,345.67'),
    });
  });

  it('follows the merchant tiers', () => {
    const custom = parseSettlementSettings({ tiers: [{ minSalesFen: 500_000, extraRatePoints: 3 }] });
    expect(tierBonus(custom, 499_999)).toBeNull();
    expect(tierBonus(custom, 500_000)?.amountFen).toBe(15_000);
    expect(tierBonus(parseSettlementSettings({ tiers: [] }), 9_000_000)).toBeNull();
  });
});

describe('parseSettlementSettings', () => {
  it('fills the defaults of the issue', () => {
    expect(parseSettlementSettings(undefined)).toEqual({
      settlementPeriod: 'weekly',
      settleHour: 2,
      tiers: [
        { minSalesFen: 1_000_000, extraRatePoints: 1 },
        { minSalesFen: 3_000_000, extraRatePoints: 2 },
      ],
      newLeaderAward: { amountFen: 10_000, minOrders: 20 },
      referralAward: { amountFen: 5_000, minOrders: 20 },
      rankingAwards: [30_000, 20_000, 10_000],
      review: { minWeeklyOrders: 10, weeks: 4, maxMonthlyComplaints: 5, maxLowRatingShare: 0.3, minRatings: 5 },
      withdrawal: { minFen: 100, maxFen: 2_000_000, maxPerDayFen: 5_000_000 },
    });
  });

  it('keeps the other defaults beside a partial setting', () => {
    const s = parseSettlementSettings({ settlementPeriod: 't+1', review: { weeks: 2 } });
    expect(s.settlementPeriod).toBe('t+1');
    expect(s.review).toEqual({ minWeeklyOrders: 10, weeks: 2, maxMonthlyComplaints: 5, maxLowRatingShare: 0.3, minRatings: 5 });
  });

  it('hands out fresh default arrays', () => {
    defaultSettlementSettings().rankingAwards.push(1);
    expect(defaultSettlementSettings().rankingAwards).toEqual([30_000, 20_000, 10_000]);
  });

  it.each([
    [{ settlementPeriod: 'monthly' }, 'settlementPeriod'],
    [{ settleHour: 24 }, 'settleHour'],
    [{ tiers: [{ minSalesFen: 1_000_000, extraRatePoints: 1 }, { minSalesFen: 1.5, extraRatePoints: 2 }] }, 'tiers.1.minSalesFen'],
    [{ tiers: [{ minSalesFen: 3_000_000, extraRatePoints: 2 }, { minSalesFen: 1_000_000, extraRatePoints: 1 }] }, 'tiers'],
    [{ newLeaderAward: { amountFen: -1 } }, 'newLeaderAward.amountFen'],
    [{ referralAward: { minOrders: 0 } }, 'referralAward.minOrders'],
    [{ rankingAwards: [30_000, '200'] }, 'rankingAwards.1'],
    [{ review: { weeks: 0 } }, 'review.weeks'],
    [{ withdrawal: { minFen: 3_000_000 } }, 'withdrawal.minFen'],
    [{ withdrawal: { maxFen: 6_000_000 } }, 'withdrawal.maxFen'],
    ['weekly', '(settings)'],
  ])('names the bad field of %j', (raw, field) => {
    let error: unknown;
    try {
      parseSettlementSettings(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    expect((error as Error).message).toContain(field);
  });
});

// ---------------------------------------------------------------------------------------------

const line = (over: Partial<StatementLine> = {}): StatementLine => {
  const base = {
    orderId: 'o1',
    shortNo: '0001',
    pickedUpAt: '2026-11-26T10:00:00+08:00',
    productId: 'p1',
    title: '草莓 500g',
    qty: 1,
    paidFen: 2_990,
    rate: 0.1,
    ...over,
  };
  return { ...base, commissionFen: over.commissionFen ?? lineCommissionFen(base.paidFen, base.rate) };
};

describe('buildStatement', () => {
  it('adds lines, bonuses and adjustments, lines in pickup order', () => {
    const s = buildStatement({
      leaderId: 'L1',
      period: '2026-W48',
      lines: [
        line({ orderId: 'o2', pickedUpAt: '2026-11-29T23:59:59+08:00', paidFen: 1_236, rate: 0.125 }), // 155
        line({ orderId: 'o1', pickedUpAt: '2026-11-22T16:00:00Z', paidFen: 2_990 }), // Monday 00:00 Shanghai; 299
      ],
      bonuses: [{ kind: 'newLeader', amountFen: 10_000, note: 'first full week' }],
      adjustments: [{ kind: 'refund', orderId: 'o0', amountFen: -120, note: 'refund' }],
    });
    expect(s.lines.map((l) => l.orderId)).toEqual(['o1', 'o2']);
    expect(s).toMatchObject({ salesFen: 4_226, commissionFen: 454, bonusFen: 10_000, adjustmentFen: -120, totalFen: 10_334 });
  });

  it('may total below zero when a clawback exceeds the period', () => {
    const s = buildStatement({
      leaderId: 'L1',
      period: '2026-11-26',
      lines: [line({ paidFen: 1_000 })],
      bonuses: [],
      adjustments: [refundAdjustment({ orderId: 'o9', lines: [{ commissionFen: 300 }, { commissionFen: 250 }] })],
    });
    expect(s.adjustments[0]).toMatchObject({ kind: 'refund', orderId: 'o9', amountFen: -550 });
    expect(s.totalFen).toBe(100 - 550);
  });

  it('refuses a line picked up outside the period (Monday 00:00 belongs to the next week)', () => {
    expect(() =>
      buildStatement({ leaderId: 'L1', period: '2026-W48', lines: [line({ pickedUpAt: '2026-11-30T00:00:00+08:00' })], bonuses: [], adjustments: [] }),
    ).toThrow(RangeError);
  });

  it('refuses a line whose commission is not its rate × paidFen', () => {
    expect(() =>
      buildStatement({ leaderId: 'L1', period: '2026-W48', lines: [line({ paidFen: 1_000, commissionFen: 99 })], bonuses: [], adjustments: [] }),
    ).toThrow(RangeError);
  });

  it('refuses negative bonuses, fractional adjustments and bad periods', () => {
    const base = { leaderId: 'L1', period: '2026-W48', lines: [] };
    expect(() => buildStatement({ ...base, bonuses: [{ kind: 'ranking', amountFen: -1, note: '' }], adjustments: [] })).toThrow(RangeError);
    expect(() => buildStatement({ ...base, bonuses: [], adjustments: [{ kind: 'manual', amountFen: 0.5, note: '' }] })).toThrow(RangeError);
    expect(() => buildStatement({ ...base, period: '2026-W99', bonuses: [], adjustments: [] })).toThrow(validation);
  });

  it('claws back nothing for lines that earned nothing', () => {
    expect(refundAdjustment({ orderId: 'o1', lines: [{ commissionFen: 0 }] }).amountFen).toBe(0);
    expect(Object.is(refundAdjustment({ orderId: 'o1', lines: [] }).amountFen, -0)).toBe(false);
  });
});

describe('properties', () => {
  const paid = fc.integer({ min: 0, max: 100_000_000_000 }); // up to ¥1bn per line
  const bp = fc.integer({ min: 500, max: 1_500 });

  /** Exact rational half-up of paid × bp / 10000, written independently of money.ts. */
  const exactHalfUp = (paidFen: number, rateBp: number): number => {
    const product = BigInt(paidFen) * BigInt(rateBp);
    const q = product / 10_000n;
    const r = product % 10_000n;
    return Number(r * 2n >= 10_000n ? q + 1n : q);
  };

  it('commission is never negative, at most paid × 15% + ½ fen, and the exact half-up', () => {
    fc.assert(
      fc.property(paid, bp, (paidFen, rateBp) => {
        const c = lineCommissionFen(paidFen, rateBp / 10_000);
        expect(Number.isSafeInteger(c)).toBe(true);
        expect(c).toBeGreaterThanOrEqual(0);
        // c ≤ paid × 0.15 + 0.5, in integers: 10000·c ≤ 1500·paid + 5000
        expect(BigInt(c) * 10_000n <= BigInt(paidFen) * 1_500n + 5_000n).toBe(true);
        expect(c).toBe(exactHalfUp(paidFen, rateBp));
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('statement totals add up, whatever order the lines come in', () => {
    const lineArb = fc.record({
      orderId: fc.constantFrom('o1', 'o2', 'o3', 'o4'),
      productId: fc.constantFrom('p1', 'p2', 'p3'),
      // inside 2026-W48 (Mon 2026-11-23 00:00 to Sun 23:59:59.999 Shanghai)
      pickedUpAt: fc.integer({ min: Date.parse('2026-11-22T16:00:00Z'), max: Date.parse('2026-11-29T15:59:59.999Z') }),
      paidFen: fc.integer({ min: 0, max: 10_000_000 }),
      rateBp: bp,
    });
    const bonus = fc.record({ kind: fc.constantFrom('tier', 'newLeader', 'referral', 'ranking' as const), amountFen: fc.integer({ min: 0, max: 1_000_000 }), note: fc.constant('') });
    const adjustment = fc.record({ kind: fc.constantFrom('refund', 'manual' as const), amountFen: fc.integer({ min: -1_000_000, max: 1_000_000 }), note: fc.constant('') });

    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 30 }), fc.array(bonus, { maxLength: 4 }), fc.array(adjustment, { maxLength: 5 }), (raw, bonuses, adjustments) => {
        const lines = raw.map(({ rateBp, pickedUpAt, ...l }) => line({ ...l, pickedUpAt: new Date(pickedUpAt).toISOString(), rate: rateBp / 10_000 }));
        const s = buildStatement({ leaderId: 'L1', period: '2026-W48', lines, bonuses, adjustments });
        const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
        expect(s.salesFen).toBe(sum(lines.map((l) => l.paidFen)));
        expect(s.commissionFen).toBe(sum(lines.map((l) => l.commissionFen)));
        expect(s.bonusFen).toBe(sum(bonuses.map((b) => b.amountFen)));
        expect(s.adjustmentFen).toBe(sum(adjustments.map((a) => a.amountFen)));
        expect(s.totalFen).toBe(s.commissionFen + s.bonusFen + s.adjustmentFen);
        expect(s.commissionFen).toBe(sum(s.lines.map((l) => l.commissionFen)));
        expect(buildStatement({ leaderId: 'L1', period: '2026-W48', lines: [...lines].reverse(), bonuses, adjustments }).lines).toEqual(s.lines);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);
});
