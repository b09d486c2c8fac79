import type { Key } from '#ports/item-store';

/**
 * The coupon centre's own items (DESIGN.md §12): a claimable coupon's claim counter
 * `CPN#<id>` / `CLAIMS` (never above its total cap), a customer's claims of one coupon
 * `U#<userId>` / `CPNCLAIM#<id>` (never above the per-customer cap), and a 满赠 gift
 * `GIFT#<id>` / `META` (GSI1 `T#gift`) with its stock counter `GIFT#<id>` / `STOCK`.
 * A claimed or granted coupon is held as an instance in the customer's coupons
 * (`keys.userCoupon(userId, instanceId)`, `couponId` naming the terms).
 */
export const couponKeys = {
  claims: (couponId: string): Key => ({ pk: `CPN#${couponId}`, sk: 'CLAIMS' }),
  userClaims: (userId: string, couponId: string): Key => ({ pk: `U#${userId}`, sk: `CPNCLAIM#${couponId}` }),
  gift: (giftId: string): Key => ({ pk: `GIFT#${giftId}`, sk: 'META' }),
  giftStock: (giftId: string): Key => ({ pk: `GIFT#${giftId}`, sk: 'STOCK' }),
};

export const giftIndex = (giftId: string) => ({ gsi1pk: 'T#gift', gsi1sk: giftId });
export const allGifts = () => ({ index: 'gsi1' as const, pk: 'T#gift' });

/** The n-th claim of a coupon by one customer, as a coupon id of its own (≤ 64 characters). */
export const claimedInstanceId = (couponId: string, n: number) => `${couponId}-c${n}`.slice(0, 64);
/** The coupon granted after the pickup of one order (复购券): one per coupon and order. */
export const pickupInstanceId = (couponId: string, orderId: string) => `${couponId}-p${orderId}`.slice(0, 64);
