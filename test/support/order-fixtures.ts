import type { WriteOp } from '#ports/item-store';
import { keys } from '#app/keys';
import { orderKey, type Order } from '#app/orders/model';
import { givenOrder, type TestWorld } from './harness.ts';

export interface Holds {
  /** A flash line too (`p-strawberry`, two shards and the flash limit), beside the regular `p-eggs` line. */
  flash?: boolean;
  pointsUsed?: number;
  /** The customer's points after placement took `pointsUsed`. */
  pointsLeft?: number;
  /** The first-order discount claimed by this order. */
  firstOrder?: boolean;
}

/**
 * An unpaid order exactly as placement leaves it: wave stock and a per-user limit held for a
 * regular line (2 × `p-eggs`), the coupon `cpn-100-10` used, points deducted and, by default,
 * flash stock on two shards with the flash limit for a flash line and the first-order discount
 * claimed.
 */
export async function unpaidWithHolds(
  w: TestWorld,
  communityId: string,
  userId: string,
  date: string,
  { flash = true, pointsUsed = 300, pointsLeft = 700, firstOrder = true }: Holds = {},
): Promise<Order> {
  const order = await givenOrder(w, {
    communityId,
    userId,
    waveDate: date,
    status: 'PENDING_PAYMENT',
    lines: [{ productId: 'p-eggs', qty: 2 }, ...(flash ? [{ productId: 'p-strawberry', qty: 2 }] : [])],
  });
  const lines = order.lines.map((l) =>
    l.productId === 'p-eggs' ? { ...l, holds: ['stock', 'limit'] } : { ...l, flash: true, flashSaleId: 'flash-strawberry', flashShards: { '0': 1, '3': 1 } },
  );
  const claimed = firstOrder ? { firstOrder: true } : {};
  const flashOps: WriteOp[] = flash
    ? [
        { type: 'update', key: keys.flashStock('p-strawberry', 'flash-strawberry', 0), update: { inc: { sold: 1 } } },
        { type: 'update', key: keys.flashStock('p-strawberry', 'flash-strawberry', 3), update: { inc: { sold: 1 } } },
        { type: 'update', key: keys.userLimit(userId, 'FLASH-flash-strawberry', 'p-strawberry'), update: { inc: { count: 2 } } },
      ]
    : [];
  await w.store.transact([
    { type: 'update', key: orderKey(order), update: { set: { lines, couponId: 'cpn-100-10', pointsUsed, ...claimed } } },
    { type: 'update', key: keys.waveStock('p-eggs', date), update: { inc: { sold: 2 } } },
    { type: 'update', key: keys.userLimit(userId, date, 'p-eggs'), update: { inc: { count: 2 } } },
    ...flashOps,
    { type: 'put', item: { ...keys.userCoupon(userId, 'cpn-100-10'), couponId: 'cpn-100-10', status: 'used', usedBy: order.id } },
    { type: 'put', item: { ...keys.user(userId), id: userId, points: pointsLeft, ...(firstOrder ? { firstOrderClaimedBy: order.id } : {}) } },
  ]);
  return { ...order, lines: lines as Order['lines'], couponId: 'cpn-100-10', pointsUsed, ...claimed };
}
