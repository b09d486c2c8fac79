/**
 * Wallet, member levels and paid membership (DESIGN.md §12), the pure rules: recharge bonus
 * tiers, how a balance pays (principal first, then bonus), how a give-back splits between the
 * balance and WeChat Pay and between principal and bonus (in proportion, floored cumulatively so
 * any number of partial give-backs add up to exactly what was taken), what a withdrawal refunds,
 * and which level a trailing-12-month growth value reaches.
 */
import * as z from 'zod/mini';

const fen = () => z.int().check(z.minimum(0), z.maximum(100_000_000));

export const RechargeBonusSchema = z.array(z.object({ minFen: fen().check(z.minimum(1)), bonusFen: fen() })).check(z.maxLength(20));
export type RechargeBonus = z.infer<typeof RechargeBonusSchema>;

export const LevelsSchema = z
  .array(
    z.object({
      name: z.string().check(z.minLength(1), z.maxLength(20)),
      /** Trailing-12-month growth value at which the level starts. */
      minGrowth: z.int().check(z.minimum(0)),
      /** Points earned at pickup are multiplied by this. */
      pointsMultiplier: z.number().check(z.minimum(1), z.maximum(10)),
      /** Member prices apply to this level (as to a paid member). */
      memberPrice: z.boolean(),
      /** Delivery is free from this order amount (exposed to the mini-program). */
      freeDeliveryFen: z.optional(fen()),
      /** A coupon (by id) granted once a month to this level. */
      monthlyCouponId: z.optional(z.string().check(z.maxLength(64))),
    }),
  )
  .check(
    z.minLength(1),
    z.maxLength(10),
    z.refine((ls) => ls[0]?.minGrowth === 0, 'the first level starts at 0'),
    z.refine((ls) => ls.every((l, i) => i === 0 || l.minGrowth > ls[i - 1]!.minGrowth), 'thresholds must increase'),
  );
export type Level = z.infer<typeof LevelsSchema>[number];

export const DEFAULT_LEVELS: Level[] = [
  { name: '普通', minGrowth: 0, pointsMultiplier: 1, memberPrice: false },
  { name: '银卡', minGrowth: 500, pointsMultiplier: 1.2, memberPrice: false, freeDeliveryFen: 9900 },
  { name: '金卡', minGrowth: 2000, pointsMultiplier: 1.5, memberPrice: true, freeDeliveryFen: 4900 },
  { name: '黑金', minGrowth: 5000, pointsMultiplier: 2, memberPrice: true, freeDeliveryFen: 0 },
];

export const MembershipPlansSchema = z
  .array(z.object({ id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,32}$/)), title: z.string().check(z.minLength(1), z.maxLength(30)), priceFen: fen().check(z.minimum(1)), days: z.int().check(z.minimum(1), z.maximum(3660)) }))
  .check(z.maxLength(10));
export type MembershipPlan = z.infer<typeof MembershipPlansSchema>[number];

export const DEFAULT_MEMBERSHIP_PLANS: MembershipPlan[] = [{ id: 'month', title: '月卡会员', priceFen: 1990, days: 30 }];

/** The bonus of a recharge: the highest tier whose minimum the amount reaches (0 below every tier). */
export function rechargeBonusFor(tiers: RechargeBonus, amountFen: number): number {
  let best: { minFen: number; bonusFen: number } | undefined;
  for (const t of tiers) if (amountFen >= t.minFen && (!best || t.minFen > best.minFen)) best = t;
  return best?.bonusFen ?? 0;
}

export interface BalanceParts {
  principalFen: number;
  bonusFen: number;
}

/** What the balance pays of `dueFen`: principal first, then bonus; never more than either holds. */
export function balancePays(wallet: BalanceParts, dueFen: number): BalanceParts {
  const principalFen = Math.max(0, Math.min(wallet.principalFen, dueFen));
  const bonusFen = Math.max(0, Math.min(wallet.bonusFen, dueFen - principalFen));
  return { principalFen, bonusFen };
}

/** `part` of `whole` for `share` of `total`, floored; exactly `part` once `share` reaches `total`. */
const proportion = (part: number, share: number, total: number) => (total <= 0 || share >= total ? part : Math.floor((part * share) / total));

/**
 * Splits a give-back of `valueFen` (order value: lines' paid fen) of an order paid `balance`
 * (principal + bonus) from the wallet and `wechatFen` by WeChat Pay, given what earlier
 * give-backs returned (`before`). Cumulative proportions: all give-backs together return
 * exactly each source once the whole order value is back, and never more than a source paid.
 */
export function splitGiveBack(
  paid: { wechatFen: number; balance: BalanceParts },
  before: { valueFen: number; balance: BalanceParts },
  valueFen: number,
): { wechatFen: number; balance: BalanceParts } {
  const balanceFen = paid.balance.principalFen + paid.balance.bonusFen;
  const totalFen = paid.wechatFen + balanceFen;
  const after = Math.min(totalFen, before.valueFen + valueFen);
  const balanceAfter = proportion(balanceFen, after, totalFen);
  const balanceBefore = before.balance.principalFen + before.balance.bonusFen;
  const balanceNow = Math.max(0, Math.min(valueFen, balanceAfter - balanceBefore));
  const bonusAfter = proportion(paid.balance.bonusFen, balanceBefore + balanceNow, balanceFen);
  const bonusNow = Math.max(0, Math.min(balanceNow, bonusAfter - before.balance.bonusFen));
  return { wechatFen: valueFen - balanceNow, balance: { principalFen: balanceNow - bonusNow, bonusFen: bonusNow } };
}

/** A recharge's unused principal: what it paid in less what it has already given back. */
export interface RechargeLeft {
  id: string;
  amountFen: number;
  refundedFen: number;
}

/**
 * A withdrawal of the whole unused principal: refunded to the recharges newest first (each at
 * most what it paid and has not given back), and the bonus forfeited in proportion to the
 * principal withdrawn of the principal ever recharged still held (all of it when every fen of
 * principal leaves).
 */
export function withdrawalPlan(wallet: BalanceParts, recharges: readonly RechargeLeft[]): { refunds: { rechargeId: string; amountFen: number }[]; forfeitBonusFen: number } {
  let left = wallet.principalFen;
  const refunds: { rechargeId: string; amountFen: number }[] = [];
  for (const r of [...recharges].reverse()) {
    if (left <= 0) break;
    const take = Math.min(left, r.amountFen - r.refundedFen);
    if (take > 0) refunds.push({ rechargeId: r.id, amountFen: take });
    left -= take;
  }
  const withdrawn = wallet.principalFen - left;
  return { refunds, forfeitBonusFen: proportion(wallet.bonusFen, withdrawn, wallet.principalFen) };
}

/** The level a growth value reaches (levels sorted by `minGrowth`) and the next threshold, if any. */
export function levelFor(levels: readonly Level[], growth: number): { level: Level; index: number; nextAt?: number } {
  let index = 0;
  for (let i = 0; i < levels.length; i++) if (growth >= levels[i]!.minGrowth) index = i;
  const next = levels[index + 1];
  return { level: levels[index]!, index, ...(next ? { nextAt: next.minGrowth } : {}) };
}

/** Growth earned by `fen` paid: `perYuan` per whole yuan, floored. */
export const growthForFen = (fen: number, perYuan: number) => Math.floor((Math.max(0, fen) * perYuan) / 100);

/** The 12 months ending with `month` (YYYY-MM), oldest first. */
export function trailingMonths(month: string, n = 12): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let k = n - 1; k >= 0; k--) {
    const idx = y * 12 + (m - 1) - k;
    out.push(`${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`);
  }
  return out;
}
