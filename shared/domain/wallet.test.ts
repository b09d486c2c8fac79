import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { balancePays, levelFor, rechargeBonusFor, splitGiveBack, trailingMonths, withdrawalPlan, DEFAULT_LEVELS } from './wallet.ts';

describe('wallet rules', () => {
  it('bonus: the highest tier reached', () => {
    const tiers = [{ minFen: 10000, bonusFen: 1000 }, { minFen: 5000, bonusFen: 300 }, { minFen: 50000, bonusFen: 8000 }];
    expect([4999, 5000, 9999, 10000, 49999, 50000].map((a) => rechargeBonusFor(tiers, a))).toEqual([0, 300, 300, 1000, 1000, 8000]);
    expect(rechargeBonusFor([], 100000)).toBe(0);
  });

  it('the balance pays principal first, then bonus, never more than either holds', () => {
    expect(balancePays({ principalFen: 3000, bonusFen: 1000 }, 3500)).toEqual({ principalFen: 3000, bonusFen: 500 });
    expect(balancePays({ principalFen: 3000, bonusFen: 1000 }, 9000)).toEqual({ principalFen: 3000, bonusFen: 1000 });
    expect(balancePays({ principalFen: 3000, bonusFen: 1000 }, 100)).toEqual({ principalFen: 100, bonusFen: 0 });
  });

  it('give-backs in any steps return exactly each source, never more, each step in proportion', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100000 }),
        fc.integer({ min: 0, max: 20000 }),
        fc.integer({ min: 0, max: 20000 }),
        fc.array(fc.integer({ min: 1, max: 30000 }), { minLength: 1, maxLength: 8 }),
        (wechatFen, principalFen, bonusFen, steps) => {
          const total = wechatFen + principalFen + bonusFen;
          fc.pre(total > 0);
          const before = { valueFen: 0, balance: { principalFen: 0, bonusFen: 0 } };
          let wechatBack = 0;
          const give = (v: number) => {
            const s = splitGiveBack({ wechatFen, balance: { principalFen, bonusFen } }, before, v);
            expect(s.wechatFen + s.balance.principalFen + s.balance.bonusFen).toBe(v);
            for (const x of [s.wechatFen, s.balance.principalFen, s.balance.bonusFen]) expect(x).toBeGreaterThanOrEqual(0);
            before.valueFen += v;
            before.balance.principalFen += s.balance.principalFen;
            before.balance.bonusFen += s.balance.bonusFen;
            wechatBack += s.wechatFen;
            expect(wechatBack).toBeLessThanOrEqual(wechatFen);
            expect(before.balance.principalFen).toBeLessThanOrEqual(principalFen);
            expect(before.balance.bonusFen).toBeLessThanOrEqual(bonusFen);
          };
          for (const v of steps) {
            const left = total - before.valueFen;
            if (left <= 0) break;
            give(Math.min(v, left));
          }
          if (total - before.valueFen > 0) give(total - before.valueFen);
          expect({ wechatBack, ...before.balance }).toEqual({ wechatBack: wechatFen, principalFen, bonusFen });
        },
      ),
    );
  });

  it('a withdrawal refunds the principal to recharges newest first and forfeits bonus in proportion', () => {
    const recharges = [
      { id: 'a', amountFen: 10000, refundedFen: 0 },
      { id: 'b', amountFen: 5000, refundedFen: 1000 },
    ];
    expect(withdrawalPlan({ principalFen: 8000, bonusFen: 1000 }, recharges)).toEqual({ refunds: [{ rechargeId: 'b', amountFen: 4000 }, { rechargeId: 'a', amountFen: 4000 }], forfeitBonusFen: 1000 });
    expect(withdrawalPlan({ principalFen: 8000, bonusFen: 1000 }, [{ id: 'a', amountFen: 4000, refundedFen: 0 }])).toEqual({ refunds: [{ rechargeId: 'a', amountFen: 4000 }], forfeitBonusFen: 500 });
  });

  it('levels by trailing growth; the 12 months end with the given one', () => {
    expect(levelFor(DEFAULT_LEVELS, 0)).toMatchObject({ level: { name: '普通' }, nextAt: 500 });
    expect(levelFor(DEFAULT_LEVELS, 2000)).toMatchObject({ level: { name: '金卡' }, nextAt: 5000 });
    expect(levelFor(DEFAULT_LEVELS, 99999).nextAt).toBeUndefined();
    expect(trailingMonths('2027-03')).toEqual(['2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01', '2027-02', '2027-03']);
  });
});
