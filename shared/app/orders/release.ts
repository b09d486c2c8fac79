import type { WriteOp } from '#ports/item-store';
import { keys } from '../keys.ts';
import type { Order } from './model.ts';
import { balanceReleaseOps } from '../wallet/balance.ts';

/**
 * The writes that give back what placing an order held: wave or flash stock, per-user limits,
 * the coupon, the points, the first-order claim and (while it is unpaid) the customer's
 * unpaid-order slot. Always part of the transaction that moves the order out of
 * PENDING_PAYMENT/PAID (conditioned on that status), so they happen once.
 */
export function releaseOrderHoldsOps(order: Order, options: { stock?: boolean; at?: string } = {}): WriteOp[] {
  const ops: WriteOp[] = [...unpaidSlotReleaseOps(order), ...balanceReleaseOps(order, options.at)];
  // Units a staff refund already put back on sale while the wave was open (admin-orders/refund.ts).
  const returned = (order as { stockReturnedQty?: Record<string, number> }).stockReturnedQty ?? {};
  for (const line of options.stock === false ? [] : order.lines) {
    if (line.flash && line.flashSaleId) {
      for (const [shard, qty] of Object.entries(line.flashShards ?? {})) {
        ops.push({ type: 'update', key: keys.flashStock(line.productId, line.flashSaleId, Number(shard)), update: { inc: { sold: -qty } }, when: [{ op: 'gte', path: 'sold', value: qty }] });
      }
      ops.push({ type: 'update', key: keys.userLimit(order.userId, `FLASH-${line.flashSaleId}`, line.productId), update: { inc: { count: -line.qty } }, when: [{ op: 'gte', path: 'count', value: line.qty }] });
      continue;
    }
    // Only what placement held: limited wave stock and a per-user limit (line.holds).
    const qty = line.qty - Math.min(line.qty, returned[line.productId] ?? 0);
    if (qty <= 0) continue;
    if (line.holds?.includes('stock'))
      ops.push({ type: 'update', key: keys.waveStock(line.productId, order.waveDate), update: { inc: { sold: -qty } }, when: [{ op: 'gte', path: 'sold', value: qty }] });
    if (line.holds?.includes('limit'))
      ops.push({ type: 'update', key: keys.userLimit(order.userId, order.waveDate, line.productId), update: { inc: { count: -qty } }, when: [{ op: 'gte', path: 'count', value: qty }] });
  }
  if (order.couponId) {
    ops.push({ type: 'update', key: keys.userCoupon(order.userId, order.couponId), update: { set: { status: 'available' }, remove: ['usedBy'] }, when: [{ op: 'eq', path: 'usedBy', value: order.id }] });
  }
  if (order.pointsUsed > 0 || order.firstOrder) {
    ops.push({
      type: 'update',
      key: keys.user(order.userId),
      update: { ...(order.pointsUsed > 0 ? { inc: { points: order.pointsUsed } } : {}), ...(order.firstOrder ? { remove: ['firstOrderClaimedBy'] } : {}) },
    });
  }
  return ops;
}

/**
 * Gives back the unpaid-order slot placement took (at most 3 unpaid orders per customer), when
 * the order leaves PENDING_PAYMENT: paid, cancelled, expired or cancelled at cutoff. Part of
 * the transaction conditioned on that status, so it happens exactly once; never conditioned
 * itself, so no payment or cancellation can be blocked by the counter.
 */
export function unpaidSlotReleaseOps(order: Pick<Order, 'status' | 'unpaidSlot' | 'userId'>): WriteOp[] {
  if (order.status !== 'PENDING_PAYMENT' || !order.unpaidSlot) return [];
  return [{ type: 'update', key: keys.unpaidOrders(order.userId), update: { inc: { count: -1 } } }];
}

/** At most this many unpaid orders per customer at once (API.md); a further one is RATE_LIMITED. */
export const MAX_UNPAID_ORDERS = 3;

/** Placement's hold of an unpaid-order slot: fails when the customer already has MAX_UNPAID_ORDERS. */
export const unpaidSlotHoldOp = (userId: string): WriteOp => ({
  type: 'update',
  key: keys.unpaidOrders(userId),
  update: { inc: { count: 1 } },
  when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'count' }, { op: 'lt', path: 'count', value: MAX_UNPAID_ORDERS }] }],
});
