import type { WriteOp } from '#ports/item-store';
import { keys } from '../keys.ts';
import type { Order } from './model.ts';

/**
 * The writes that give back what placing an order held: wave or flash stock, per-user limits,
 * the coupon, the points and the first-order claim. Always part of the transaction that moves
 * the order out of PENDING_PAYMENT/PAID (conditioned on that status), so they happen once.
 */
export function releaseOrderHoldsOps(order: Order): WriteOp[] {
  const ops: WriteOp[] = [];
  for (const line of order.lines) {
    if (line.flash && line.flashSaleId) {
      for (const [shard, qty] of Object.entries(line.flashShards ?? {})) {
        ops.push({ type: 'update', key: keys.flashStock(line.productId, line.flashSaleId, Number(shard)), update: { inc: { sold: -qty } }, when: [{ op: 'gte', path: 'sold', value: qty }] });
      }
      ops.push({ type: 'update', key: keys.userLimit(order.userId, `FLASH-${line.flashSaleId}`, line.productId), update: { inc: { count: -line.qty } }, when: [{ op: 'gte', path: 'count', value: line.qty }] });
      continue;
    }
    // Only what placement held: limited wave stock and a per-user limit (line.holds).
    if (line.holds?.includes('stock'))
      ops.push({ type: 'update', key: keys.waveStock(line.productId, order.waveDate), update: { inc: { sold: -line.qty } }, when: [{ op: 'gte', path: 'sold', value: line.qty }] });
    if (line.holds?.includes('limit'))
      ops.push({ type: 'update', key: keys.userLimit(order.userId, order.waveDate, line.productId), update: { inc: { count: -line.qty } }, when: [{ op: 'gte', path: 'count', value: line.qty }] });
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
