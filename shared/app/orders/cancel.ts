import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { waveCutoffAt } from '#domain/wave-clock';
import { queryAll, type WriteOp } from '#ports/item-store';
import { failedGuard, guard } from '../guards.ts';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { pendingPartition } from '../keys.ts';
import { orderKey, orderFromItem, PENDING_SHARDS, type CancelReason, type Order } from './model.ts';
import { appendRefund, newRefund, refundPushOp, submitRefund } from './refunds.ts';
import { releaseOrderHoldsOps } from './release.ts';
import { clearSoldOut } from './sold-out.ts';
import { waveOpenCheck } from '../waves.ts';
import { orderValueFen } from '../wallet/balance.ts';
import { financeDayOp } from '../settle/finance.ts';
import { bizDate } from '#domain/time';

/**
 * Cancels an order and gives back what it held (stock, limits, coupon, points, first-order
 * claim) exactly once: the whole change is one transaction conditioned on the status it was
 * read in, so a racing cancel, expire, cutoff or payment makes all but one of them fail.
 * A paid order is refunded in full.
 */
export async function cancelOrder(deps: Deps, order: Order, reason: CancelReason): Promise<Order> {
  const now = deps.clock.now();
  if (order.status === 'CANCELLED') throw new AppError('ALREADY_DONE', 'the order is already cancelled', { cancelledAt: order.cancelledAt, reason: order.cancelReason });
  if (['ARRIVED', 'PICKED_UP', 'DELIVERED', 'EXPIRED'].includes(order.status)) throw new AppError('INVALID_STATE', `an order ${order.status} cannot be cancelled`, { status: order.status });
  if (order.status === 'CONFIRMED' || (reason === 'CUSTOMER' && now >= waveCutoffAt(deps.settings, order.waveDate)))
    throw new AppError('WAVE_CLOSED', 'the wave is closed: the order can no longer be cancelled', { waveDate: order.waveDate });

  // A team order waiting for its team is only cancelled by the team's dissolution (teams/dissolve.ts).
  if (order.status === 'TEAM_PENDING' && reason !== 'TEAM_FAILED') throw new AppError('INVALID_STATE', 'the order waits for its team', { status: order.status });
  const cancelledAt = toBizIso(now);
  // What is left to refund: the payable amount less what staff unit refunds gave back already.
  const leftFen = orderValueFen(order) - ((order as { preRefundedFen?: number }).preRefundedFen ?? 0);
  const refund = (order.status === 'PAID' || order.status === 'TEAM_PENDING') && leftFen > 0 ? newRefund(deps, order, { tag: 'CANCEL', amountFen: leftFen, reason: '订单取消' }) : undefined;
  const append = refund ? appendRefund(order, refund) : undefined;
  const ops: WriteOp[] = [
    guard('order', {
      type: 'update',
      key: orderKey(order),
      update: { set: { status: 'CANCELLED', cancelReason: reason, cancelledAt, ...(append?.set ?? {}) }, remove: ['gsi2pk', 'gsi2sk'] },
      when: [{ op: 'eq', path: 'status', value: order.status }, ...(append?.when ?? [])],
    }),
    // A paid order is locked by its wave's close (it reads CONFIRMED from then on, issue 19): the
    // cancel commits only while the wave is open, so it and the cutoff's close serialize.
    ...(order.status === 'PAID' ? [guard('waveOpen', waveOpenCheck(order.communityId, order.waveDate))] : []),
    ...releaseOrderHoldsOps(order, { at: cancelledAt }),
    ...(refund ? [refundPushOp(deps, order, refund), financeDayOp(deps, bizDate(now), { refundFen: refund.amountFen }, order.id)] : []),
  ];
  try {
    await deps.store.transact(ops);
  } catch (e) {
    if (failedGuard(e, ops) === 'waveOpen') throw new AppError('WAVE_CLOSED', 'the wave is closed: the order can no longer be cancelled', { waveDate: order.waveDate });
    if (failedGuard(e, ops) === 'order') {
      throw new AppError('INVALID_STATE', 'the order changed meanwhile; look at it again', { orderId: order.id });
    }
    throw e;
  }
  // Units are on sale again: this instance stops answering them sold out (sold-out.ts).
  for (const line of order.lines) clearSoldOut(deps, line.productId);
  if (refund) await submitRefund(deps, order, refund);
  return { ...order, status: 'CANCELLED', cancelReason: reason, cancelledAt, refunds: refund ? [...order.refunds, refund] : order.refunds };
}

/**
 * The expire job (every 5 minutes): cancels every unpaid order past its pay window, catching up
 * on all that are overdue, found through the sparse GSI2 index of pending orders.
 */
export async function expireUnpaidOrders(deps: Deps): Promise<{ expired: number; skipped: number }> {
  const nowIso = toBizIso(deps.clock.now());
  let expired = 0;
  let skipped = 0;
  for (let shard = 0; shard < PENDING_SHARDS; shard++) {
    const due = await queryAll(deps.store, { index: 'gsi2', pk: pendingPartition(shard), to: `${nowIso}#` });
    for (const item of due) {
      const order = orderFromItem(item);
      if (order.status !== 'PENDING_PAYMENT' || order.payBy >= nowIso) continue;
      try {
        await cancelOrder(deps, order, 'PAYMENT_TIMEOUT');
        expired++;
      } catch (e) {
        // Paid or cancelled meanwhile: nothing to do.
        skipped++;
        logger.debug('expire skipped', { orderId: order.id, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
  return { expired, skipped };
}
