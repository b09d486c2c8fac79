import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultSettlementSettings, parseSettlementSettings } from './commission.ts';
import { firstFullWeek, newLeaderAward, rankingAwards, rankingBonus, rankLeaders, referralAward } from './leader-awards.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

const settings = defaultSettlementSettings();

describe('firstFullWeek', () => {
  it('is the week of creation only when created at its Monday 00:00 Shanghai', () => {
    expect(firstFullWeek('2026-11-23T00:00:00+08:00')).toBe('2026-W48');
    expect(firstFullWeek('2026-11-22T16:00:00Z')).toBe('2026-W48'); // the same instant
    expect(firstFullWeek('2026-11-23T00:00:00.001+08:00')).toBe('2026-W49');
    expect(firstFullWeek('2026-11-29T23:59:59+08:00')).toBe('2026-W49');
    expect(firstFullWeek('2026-11-30T00:00:00+08:00')).toBe('2026-W49');
  });

  it('crosses the ISO year end', () => {
    expect(firstFullWeek('2026-12-30T09:00:00+08:00')).toBe('2027-W01');
    expect(firstFullWeek('2020-12-22T09:00:00+08:00')).toBe('2020-W53');
  });
});

describe('newLeaderAward and referralAward (default ¥100 / ¥50 from 20 orders)', () => {
  it.each([
    [19, null, null],
    [20, 10_000, 5_000],
    [21, 10_000, 5_000],
  ])('%i orders in the first full week give %s / %s', (orders, newLeader, referral) => {
    expect(newLeaderAward(settings, { firstFullWeekOrders: orders })?.amountFen ?? null).toBe(newLeader);
    expect(referralAward(settings, { referredLeaderId: 'L2', firstFullWeekOrders: orders })?.amountFen ?? null).toBe(referral);
  });

  it('are bonuses of their kind with a note', () => {
    expect(newLeaderAward(settings, { firstFullWeekOrders: 25, week: '2026-W49' })).toEqual({
      kind: 'newLeader',
      amountFen: 10_000,
      note: expect.stringContaining('2026-W49'),
    });
    expect(referralAward(settings, { referredLeaderId: 'L2', firstFullWeekOrders: 25 })).toMatchObject({ kind: 'referral', note: expect.stringContaining('L2') });
  });

  it('follow the merchant settings, and a zero amount gives no bonus', () => {
    const custom = parseSettlementSettings({ newLeaderAward: { amountFen: 20_000, minOrders: 5 }, referralAward: { amountFen: 0 } });
    expect(newLeaderAward(custom, { firstFullWeekOrders: 5 })?.amountFen).toBe(20_000);
    expect(newLeaderAward(custom, { firstFullWeekOrders: 4 })).toBeNull();
    expect(referralAward(custom, { referredLeaderId: 'L2', firstFullWeekOrders: 100 })).toBeNull();
  });

  it('refuse a bad order count', () => {
    expect(() => newLeaderAward(settings, { firstFullWeekOrders: -1 })).toThrow(RangeError);
    expect(() => referralAward(settings, { referredLeaderId: 'L2', firstFullWeekOrders: 2.5 })).toThrow(RangeError);
  });
});

describe('rankingAwards (default ¥300 / ¥200 / ¥100)', () => {
  it('awards the top three by sales', () => {
    const awards = rankingAwards(settings, [
      { leaderId: 'L1', salesFen: 100 },
      { leaderId: 'L2', salesFen: 500 },
      { leaderId: 'L3', salesFen: 300 },
      { leaderId: 'L4', salesFen: 400 },
    ]);
    expect(awards).toEqual([
      { leaderId: 'L2', salesFen: 500, rank: 1, amountFen: 30_000 },
      { leaderId: 'L4', salesFen: 400, rank: 2, amountFen: 20_000 },
      { leaderId: 'L3', salesFen: 300, rank: 3, amountFen: 10_000 },
    ]);
    expect(rankingBonus(awards[0]!, '2026-11')).toEqual({ kind: 'ranking', amountFen: 30_000, note: expect.stringContaining('2026-11') });
  });

  it('breaks ties by leaderId, whatever the input order', () => {
    const sales = [
      { leaderId: 'b', salesFen: 500 },
      { leaderId: 'a', salesFen: 500 },
      { leaderId: 'c', salesFen: 500 },
      { leaderId: 'd', salesFen: 500 },
    ];
    expect(rankingAwards(settings, sales).map((a) => a.leaderId)).toEqual(['a', 'b', 'c']);
    expect(rankingAwards(settings, [...sales].reverse())).toEqual(rankingAwards(settings, sales));
  });

  it('gives nothing for no sales, fewer awards when fewer leaders sold, and skips zero awards', () => {
    expect(rankingAwards(settings, [{ leaderId: 'L1', salesFen: 10 }, { leaderId: 'L2', salesFen: 0 }])).toEqual([
      { leaderId: 'L1', salesFen: 10, rank: 1, amountFen: 30_000 },
    ]);
    expect(rankingAwards(settings, [])).toEqual([]);
    const custom = parseSettlementSettings({ rankingAwards: [50_000, 0] });
    expect(rankingAwards(custom, [{ leaderId: 'a', salesFen: 2 }, { leaderId: 'b', salesFen: 1 }]).map((a) => a.leaderId)).toEqual(['a']);
  });

  it('refuses the same leader twice or bad sales', () => {
    expect(() => rankLeaders([{ leaderId: 'a', salesFen: 1 }, { leaderId: 'a', salesFen: 2 }])).toThrow(RangeError);
    expect(() => rankLeaders([{ leaderId: 'a', salesFen: -1 }])).toThrow(RangeError);
  });

  it('ranks are 1..n, sales never increase down the ranking, and input order does not matter', () => {
    const sales = fc.uniqueArray(fc.record({ leaderId: fc.string({ maxLength: 4 }), salesFen: fc.integer({ min: 0, max: 1_000 }) }), {
      selector: (s) => s.leaderId,
      maxLength: 20,
    });
    fc.assert(
      fc.property(sales, (xs) => {
        const ranked = rankLeaders(xs);
        expect(ranked.map((r) => r.rank)).toEqual(xs.map((_, i) => i + 1));
        ranked.forEach((r, i) => {
          if (i > 0) expect(ranked[i - 1]!.salesFen).toBeGreaterThanOrEqual(r.salesFen);
        });
        expect(rankLeaders([...xs].reverse())).toEqual(ranked);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);
});
