import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, queryAll, TransactionCancelled, type Item, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { allOfType, keys } from '../keys.ts';
import { claimedInstanceId, couponKeys, pickupInstanceId } from './keys.ts';

const DAY_MS = 86_400_000;
const ATTEMPTS = 8;

const terms = ({ pk: _p, sk: _s, gsi1pk: _g1, gsi1sk: _g2, ...rest }: Item) => rest;

/**
 * The validity an instance of a coupon gets when it is claimed or granted at `now`: N days
 * from then with `validDays`, else none of its own (the coupon's absolute window applies).
 */
export function instanceValidity(coupon: Item, now: number): { validFrom?: string; validTo?: string } {
  const days = Number(coupon.validDays ?? 0);
  return days > 0 ? { validFrom: toBizIso(now), validTo: toBizIso(now + days * DAY_MS) } : {};
}

/** GET /admin/coupons (staff): every coupon with how many were claimed. */
export async function listCoupons(deps: Deps) {
  const all = await queryAll(deps.store, allOfType('coupon'));
  const counters = await deps.store.getMany(all.filter((c) => c.claimable).map((c) => couponKeys.claims(String(c.id))));
  const claimed = new Map(counters.map((c) => [String(c.pk), Number(c.claimed ?? 0)]));
  return all.map((c) => ({ ...(terms(c) as Record<string, unknown>), id: String(c.id), claimed: claimed.get(couponKeys.claims(String(c.id)).pk) ?? 0 }));
}

/** GET /coupons/claimable: claimable coupons whose window is open, with what is left and what the caller claimed. */
export async function claimableCoupons(deps: Deps, userId: string) {
  const now = deps.clock.now();
  const all = (await queryAll(deps.store, allOfType('coupon'))).filter((c) => c.claimable && Date.parse(String(c.validFrom)) <= now && now < Date.parse(String(c.validTo)));
  const [counters, mine] = await Promise.all([
    deps.store.getMany(all.map((c) => couponKeys.claims(String(c.id)))),
    deps.store.getMany(all.map((c) => couponKeys.userClaims(userId, String(c.id)))),
  ]);
  const claimed = new Map(counters.map((c) => [String(c.pk), Number(c.claimed ?? 0)]));
  const byMe = new Map(mine.map((c) => [String(c.sk), Number(c.count ?? 0)]));
  return all.map((c) => {
    const id = String(c.id);
    const cap = c.claimable as { totalCap: number; perUserCap: number };
    return {
      ...(terms(c) as Record<string, unknown>),
      id,
      remaining: Math.max(0, cap.totalCap - (claimed.get(couponKeys.claims(id).pk) ?? 0)),
      claimedByMe: byMe.get(couponKeys.userClaims(userId, id).sk) ?? 0,
    };
  });
}

/**
 * POST /coupons/{id}/claim. Steps: the coupon is claimable and its window open → the caller is
 * below the per-customer cap → the total counter goes up by one, conditioned below the cap
 * (one atomic update: never over-issued, however many claim at once; over → OUT_OF_STOCK) →
 * one transaction writes the caller's claim count (conditioned on the count read, below the
 * per-customer cap) and the coupon instance. If that fails the unit goes back to the counter.
 */
export async function claimCoupon(deps: Deps, userId: string, couponId: string) {
  const coupon = await deps.store.get(keys.coupon(couponId));
  const cap = coupon?.claimable as { totalCap: number; perUserCap: number } | undefined;
  if (!coupon || !cap) throw new AppError('NOT_FOUND', `coupon ${couponId} is not claimable`, { couponId });
  const now = deps.clock.now();
  if (now < Date.parse(String(coupon.validFrom)) || now >= Date.parse(String(coupon.validTo)))
    throw new AppError('INVALID_STATE', 'the coupon cannot be claimed now', { couponId, reason: 'NOT_CLAIMABLE_NOW' });
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const mine = Number((await deps.store.get(couponKeys.userClaims(userId, couponId), { consistent: true }))?.count ?? 0);
    if (mine >= cap.perUserCap) throw new AppError('LIMIT_EXCEEDED', `at most ${cap.perUserCap} of this coupon per customer`, { couponId, limit: cap.perUserCap });
    try {
      await deps.store.write({
        type: 'update',
        key: couponKeys.claims(couponId),
        update: { inc: { claimed: 1 } },
        when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'claimed' }, { op: 'lt', path: 'claimed', value: cap.totalCap }] }],
      });
    } catch (e) {
      if (e instanceof ConditionFailed) throw new AppError('OUT_OF_STOCK', 'every coupon was claimed', { couponId, remaining: 0 });
      throw e;
    }
    const n = mine + 1;
    const instanceId = claimedInstanceId(couponId, n);
    const at = toBizIso(now);
    const ops: WriteOp[] = [
      {
        type: 'update',
        key: couponKeys.userClaims(userId, couponId),
        update: { set: { count: n, lastAt: at } },
        when: mine === 0 ? [{ op: 'attrNotExists', path: 'count' }] : [{ op: 'eq', path: 'count', value: mine }],
      },
      { type: 'put', item: { ...keys.userCoupon(userId, instanceId), couponId, status: 'available', grantedAt: at, via: 'claim', ...instanceValidity(coupon, now) }, when: [{ op: 'notExists' }] },
    ];
    try {
      await deps.store.transact(ops);
      return { id: instanceId, couponId, status: 'available' as const, ...instanceValidity(coupon, now) };
    } catch (e) {
      // The caller claimed at the same time: the unit goes back, and the caller's count is read again.
      await deps.store.write({ type: 'update', key: couponKeys.claims(couponId), update: { inc: { claimed: -1 } }, when: [{ op: 'gt', path: 'claimed', value: 0 }] });
      if (!(e instanceof TransactionCancelled)) throw e;
    }
  }
  throw new AppError('INVALID_STATE', 'the claim kept changing; try again', { couponId });
}

/**
 * 复购券: the coupons marked `autoGrant: "AFTER_PICKUP"` (still valid), granted to the customer in
 * the pickup's own transaction, one instance per coupon and order (the pickup happens once).
 */
export async function pickupGrantOps(deps: Deps, order: { id: string; userId: string }): Promise<WriteOp[]> {
  const now = deps.clock.now();
  const auto = (await queryAll(deps.store, allOfType('coupon'))).filter((c) => c.autoGrant === 'AFTER_PICKUP' && now < Date.parse(String(c.validTo)));
  const at = toBizIso(now);
  return auto.map((c) => ({
    type: 'put' as const,
    item: { ...keys.userCoupon(order.userId, pickupInstanceId(String(c.id), order.id)), couponId: c.id, status: 'available', grantedAt: at, via: 'pickup', orderId: order.id, ...instanceValidity(c, now) },
    when: [{ op: 'notExists' as const }],
  }));
}
