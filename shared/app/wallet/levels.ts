import { bizDate, toBizIso } from '#domain/time';
import { growthForFen, levelFor, trailingMonths, type Level } from '#domain/wallet';
import { TransactionCancelled, queryAll, type WriteOp } from '#ports/item-store';
import type { Job } from '#app/command';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { walletKeys } from './keys.ts';

/**
 * Member levels (DESIGN.md §12): growth value accrues from picked-up spend (`growthPerYuan` per
 * yuan, counted in the month of the pickup) and is taken back by refunds after pickup; the
 * monthly `levels` job evaluates every customer with growth in the trailing 12 complete months
 * (and those whose growth just left the window) against the `levels` setting, once per month
 * (catch-up: any heartbeat of the month does it if not done; idempotent: a second run changes
 * nothing and grants no second coupon). A level's benefits: points multiplier at pickup,
 * member prices, free-delivery threshold, a monthly coupon.
 */
const monthOf = (now: number) => bizDate(now).slice(0, 7);

/** The customer's evaluated level (the first level until the job has evaluated them). */
export async function levelOf(deps: Deps, userId: string): Promise<Level> {
  return levelOfItem(deps, await deps.store.get(walletKeys.level(userId)));
}

/** The level a customer's `walletKeys.level` item names (read by the caller, e.g. batched with the profile by pricing). */
export function levelOfItem(deps: Deps, item: Record<string, unknown> | undefined): Level {
  const levels = deps.settings.levels;
  const name = item?.name;
  return levels.find((l) => l.name === name) ?? levels[0]!;
}

/** Growth in the 12 months ending this month (what the next evaluation will see of them). */
export async function growthOf(deps: Deps, userId: string, month = monthOf(deps.clock.now())): Promise<number> {
  const items = await deps.store.getMany(trailingMonths(month).map((m) => walletKeys.growth(m, userId)));
  return items.reduce((a, i) => a + Number(i.growth ?? 0), 0);
}

/** `GET /me`'s `level`: the evaluated level, the growth value and the next threshold. */
export async function meLevel(deps: Deps, userId: string) {
  const [level, growth] = await Promise.all([levelOf(deps, userId), growthOf(deps, userId)]);
  const levels = deps.settings.levels;
  const i = levels.indexOf(level);
  const next = levels[i + 1];
  return {
    name: level.name,
    growth,
    ...(next ? { nextAt: next.minGrowth } : {}),
    pointsMultiplier: level.pointsMultiplier,
    memberPrice: level.memberPrice,
    ...(level.freeDeliveryFen !== undefined ? { freeDeliveryFen: level.freeDeliveryFen } : {}),
  };
}

/**
 * For the pickup's transaction (verify/redeem.ts): the level's points multiplier and the writes
 * that add the order's growth to this month (once: the order's growth record is put if absent).
 */
export async function pickupGrowth(deps: Deps, order: { id: string; userId: string }, paidFen: number): Promise<{ pointsMultiplier: number; ops: WriteOp[] }> {
  const level = await levelOf(deps, order.userId);
  const growth = growthForFen(paidFen, deps.settings.growthPerYuan);
  const now = deps.clock.now();
  const month = monthOf(now);
  const ops: WriteOp[] =
    growth > 0
      ? [
          { type: 'put', item: { ...walletKeys.orderGrowth(order.userId, order.id), orderId: order.id, month, growth, paidFen, takenBack: 0, at: toBizIso(now) }, when: [{ op: 'notExists' }] },
          { type: 'update', key: walletKeys.growth(month, order.userId), update: { inc: { growth }, setIfAbsent: { userId: order.userId } } },
        ]
      : [];
  return { pointsMultiplier: level.pointsMultiplier, ops };
}

/**
 * A refund of a picked-up order takes back its growth in proportion (cumulatively floored, so a
 * full refund in any steps takes back exactly what the pickup earned), once per refund.
 */
export async function takeBackGrowth(deps: Deps, order: { id: string; userId?: string; status?: string }, refund: { id: string; amountFen: number; valueFen?: number }): Promise<void> {
  if (!order.userId || order.status !== 'PICKED_UP') return;
  for (let attempt = 1; attempt <= 4; attempt++) {
    const rec = await deps.store.get(walletKeys.orderGrowth(order.userId, order.id), { consistent: true });
    if (!rec) return;
    const earned = Number(rec.growth);
    const paidFen = Number(rec.paidFen);
    const refundedBefore = Number(rec.refundedFen ?? 0);
    const refundedAfter = Math.min(paidFen, refundedBefore + (refund.valueFen ?? refund.amountFen));
    const share = (fen: number) => (paidFen <= 0 ? earned : Math.floor((earned * fen) / paidFen));
    const back = share(refundedAfter) - share(refundedBefore);
    try {
      await deps.store.transact([
        { type: 'put', item: { ...walletKeys.growthBack(order.userId, refund.id), orderId: order.id, growth: back }, when: [{ op: 'notExists' }] },
        {
          type: 'update',
          key: walletKeys.orderGrowth(order.userId, order.id),
          update: { set: { refundedFen: refundedAfter, takenBack: Number(rec.takenBack ?? 0) + back } },
          when: [refundedBefore === 0 ? { op: 'or', conditions: [{ op: 'attrNotExists', path: 'refundedFen' }, { op: 'eq', path: 'refundedFen', value: 0 }] } : { op: 'eq', path: 'refundedFen', value: refundedBefore }],
        },
        ...(back > 0 ? [{ type: 'update' as const, key: walletKeys.growth(String(rec.month), order.userId), update: { inc: { growth: -back } } }] : []),
      ]);
      return;
    } catch (e) {
      if (!(e instanceof TransactionCancelled)) throw e;
      if (e.failedAt() === 0) return; // taken back already
    }
  }
}

/** The month before `month` (YYYY-MM). */
const previousMonth = (month: string) => trailingMonths(month, 2)[0]!;

/**
 * The monthly evaluation of month `month` (default: the current business month): growth over
 * the 12 complete months before it. Done once per month (`walletKeys.levelRun`); a repeat
 * answers `{ skipped }`. Levels are puts of the same value and coupons are granted with a
 * per-month marker, so a run cut short and started again does nothing twice.
 */
export async function evaluateLevels(deps: Deps, month = monthOf(deps.clock.now())): Promise<{ month: string; evaluated: number; coupons: number; levels: Record<string, number> } | { month: string; skipped: string }> {
  const done = await deps.store.get(walletKeys.levelRun(month), { consistent: true });
  if (done?.status === 'DONE') return { month, skipped: 'already evaluated' };
  const window = trailingMonths(previousMonth(month));
  // The month that just left the window: its customers may fall to a lower level.
  const scan = [previousMonth(window[0]!), ...window];
  const totals = new Map<string, number>();
  for (const m of scan) {
    for (const item of await queryAll(deps.store, walletKeys.growthOfMonth(m))) {
      const userId = String(item.sk);
      totals.set(userId, (totals.get(userId) ?? 0) + (m === scan[0] ? 0 : Number(item.growth ?? 0)));
    }
  }
  const levels = deps.settings.levels;
  const at = toBizIso(deps.clock.now());
  const counts: Record<string, number> = {};
  let coupons = 0;
  for (const [userId, growth] of totals) {
    const { level } = levelFor(levels, growth);
    counts[level.name] = (counts[level.name] ?? 0) + 1;
    await deps.store.write({ type: 'put', item: { ...walletKeys.level(userId), name: level.name, growth, month, at } });
    if (level.monthlyCouponId && (await grantMonthlyCoupon(deps, userId, level.monthlyCouponId, month, at))) coupons++;
  }
  await deps.store.write({ type: 'put', item: { ...walletKeys.levelRun(month), status: 'DONE', at, evaluated: totals.size, counts } });
  return { month, evaluated: totals.size, coupons, levels: counts };
}

async function grantMonthlyCoupon(deps: Deps, userId: string, couponId: string, month: string, at: string): Promise<boolean> {
  const terms = await deps.store.get(keys.coupon(couponId));
  if (!terms) return false;
  try {
    await deps.store.transact([
      { type: 'put', item: { ...walletKeys.monthlyCoupon(userId, month), couponId, at }, when: [{ op: 'notExists' }] },
      { type: 'put', item: { ...keys.userCoupon(userId, couponId), couponId, status: 'available', grantedAt: at, source: 'level' } },
    ]);
    return true;
  } catch (e) {
    if (e instanceof TransactionCancelled) return false;
    throw e;
  }
}

/** Hourly heartbeat: the month's evaluation, if not done yet. */
export const levelsJob: Job = {
  name: 'levels',
  run: (deps) => evaluateLevels(deps),
};
