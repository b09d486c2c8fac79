import { AppError, isAppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { TransactionCancelled, type WriteOp } from '#ports/item-store';
import type { PaymentNotice, RawNotification } from '#ports/payment';
import type { RawResponse } from '#app/command';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { findOrder, orderKey, type CancelReason, type Order } from './model.ts';
import { appendRefund, newRefund, refundPushOp, submitRefund } from './refunds.ts';
import { releaseOrderHoldsOps, unpaidSlotReleaseOps } from './release.ts';
import { staffAlertOps } from '../staff-alerts.ts';
import { bindingFor, bindingUpdate, customerCountOps } from '../customers.ts';
import { verifiedNotification, wechatPayAnswer } from '../pay-notifications.ts';
import { financeDayOp } from '../settle/finance.ts';
import { waveOpenCheck } from '../waves.ts';
import { bizDate } from '#domain/time';
import { isWalletTrade } from '../wallet/keys.ts';
import { applyWalletPayment } from '../wallet/payments.ts';
import { webhookEvents } from '../webhooks/emit.ts';
import { teamPayment } from '../teams/pay.ts';
import { statusAsRead } from './effective.ts';

/** Pickup codes are not reissued in a community for this long (DESIGN.md §6). */
export const CODE_QUARANTINE_DAYS = 90;
const CODE_ATTEMPTS = 8;

/**
 * WeChat Pay's notification (POST /pay/notify). Verified (signature over the raw body,
 * timestamp, decryption with its tag) before anything is read; then applied idempotently.
 * A forged or stale one answers 401 and changes nothing; WeChat re-sends what it did not
 * see acknowledged, and a repeat changes nothing.
 */
export async function receivePaymentNotification(deps: Deps, raw: RawNotification): Promise<RawResponse> {
  const verified = await verifiedNotification((r) => deps.payment.parseNotification(r), raw, 'payment');
  if ('refused' in verified) return verified.refused;
  const notice = verified.notice;
  try {
    await applyPayment(deps, notice);
    return wechatPayAnswer(200, 'SUCCESS');
  } catch (e) {
    if (isAppError(e) && e.status < 500) {
      logger.warn('payment notification not applied', { code: e.code, orderId: notice.orderId });
      return wechatPayAnswer(400, 'FAIL', e.message);
    }
    throw e;
  }
}

/**
 * Applies a verified payment: a pending order within its pay window becomes PAID with a new
 * pickup code in the same write; a payment for an order that is no longer pending (cancelled,
 * expired) or arrives after `payBy` is refunded automatically, once.
 */
export async function applyPayment(deps: Deps, notice: PaymentNotice): Promise<Order | undefined> {
  if (notice.tradeState !== 'SUCCESS') return undefined;
  // A wallet recharge or a membership order (wallet/payments.ts), not a goods order.
  if (isWalletTrade(notice.orderId)) return void (await applyWalletPayment(deps, notice));
  for (let attempt = 1; attempt <= CODE_ATTEMPTS; attempt++) {
    const order = await findOrder(deps, notice.orderId);
    if (!order) throw new AppError('NOT_FOUND', 'unknown order', { orderId: notice.orderId });
    if (order.transactionId === notice.transactionId) return order; // a repeat
    if (order.refunds.some((r) => r.id === latePaymentRefundId(order, notice))) return order; // refunded already
    if (notice.amountFen !== order.amounts.payableFen) {
      // Not what the order asks: recorded, refunded in full and alerted. The order's out_trade_no
      // is spent, so a pending order can never be paid now: it is cancelled with it.
      await refundLatePayment(deps, order, notice, order.status === 'PENDING_PAYMENT' ? 'PAYMENT_MISMATCH' : undefined).catch(retryOnRace);
      continue;
    }

    const now = deps.clock.now();
    if (order.status === 'PENDING_PAYMENT' && now > Date.parse(order.payBy)) {
      // Too late: cancel it now (as the expire job would) and refund the payment.
      await refundLatePayment(deps, order, notice, 'PAYMENT_TIMEOUT').catch(retryOnRace);
      continue;
    }
    if (order.status === 'PENDING_PAYMENT' && (await waveClosing(deps, order))) {
      // The cutoff is closing (or closed) the wave: it cancels unpaid orders; cancel and refund now.
      await refundLatePayment(deps, order, notice, 'CUTOFF_UNPAID').catch(retryOnRace);
      continue;
    }
    if (order.status !== 'PENDING_PAYMENT') {
      await refundLatePayment(deps, order, notice).catch(retryOnRace);
      continue;
    }
    const code = deps.ids.digits(8);
    const paidAt = toBizIso(now);
    // A team order (拼团) waits for its team or completes it; a full or dissolved team refunds the payment (teams/pay.ts).
    const team = order.team ? await teamPayment(deps, order, paidAt) : undefined;
    if (team && 'refuse' in team) {
      await refundLatePayment(deps, order, notice, team.refuse).catch(retryOnRace);
      continue;
    }
    const status = team?.status ?? 'PAID';
    // The customer's leader binding (first paid order's community wins) and that leader's customer counters (customers.ts).
    const binding = await bindingFor(deps, order.userId, order.communityId, order.waveDate, order.attribution?.leaderId);
    const bind = bindingUpdate(binding, paidAt);
    const ops: WriteOp[] = [
      {
        type: 'update',
        key: orderKey(order),
        update: { set: { status, paidAt, transactionId: notice.transactionId, pickupCode: code }, remove: ['gsi2pk', 'gsi2sk'] },
        when: [{ op: 'eq', path: 'status', value: 'PENDING_PAYMENT' }],
      },
      {
        type: 'put',
        item: { ...keys.pickupCode(order.communityId, code), orderId: order.id, waveDate: order.waveDate, issuedAt: paidAt, reusableAfter: toBizIso(now + CODE_QUARANTINE_DAYS * 86400_000) },
        when: [{ op: 'or', conditions: [{ op: 'notExists' }, { op: 'lt', path: 'reusableAfter', value: paidAt }] }],
      },
      {
        type: 'update',
        key: keys.user(order.userId),
        update: { ...(bind.set ? { set: bind.set } : {}), ...(bind.remove ? { remove: bind.remove } : {}), setIfAbsent: { firstPaidOrderId: order.id, ...bind.setIfAbsent } },
        when: bind.when,
      },
      ...customerCountOps(binding, order, paidAt),
      financeDayOp(deps, bizDate(now), { paidFen: notice.amountFen }, order.id),
      ...unpaidSlotReleaseOps(order),
      // The wave is still open when the order becomes PAID: a cutoff closing it meanwhile makes this
      // fail (and the payment is refunded above), so the cutoff never misses a paid order.
      waveOpenCheck(order.communityId, order.waveDate),
      // Webhook deliveries of `order.paid`, in this same write (shared/app/webhooks).
      ...(await webhookEvents(deps, 'order.paid', { orderId: order.id, shortNo: order.shortNo, communityId: order.communityId, waveDate: order.waveDate, amountFen: notice.amountFen, transactionId: notice.transactionId, paidAt }, order.id)),
      ...(team?.ops ?? []),
    ];
    try {
      await deps.store.transact(ops);
      return { ...order, status, paidAt, transactionId: notice.transactionId, pickupCode: code };
    } catch (e) {
      if (e instanceof TransactionCancelled) continue; // code taken, or the order changed meanwhile: look again
      throw e;
    }
  }
  throw new AppError('INTERNAL', 'payment could not be applied');
}

/** Whether the cutoff has begun closing the order's wave (CLOSING or CLOSED). */
async function waveClosing(deps: Deps, order: Order): Promise<boolean> {
  const wave = await deps.store.get(keys.communityWave(order.communityId, order.waveDate), { consistent: true });
  return wave?.status === 'CLOSING' || wave?.status === 'CLOSED';
}

const retryOnRace = (e: unknown) => {
  if (e instanceof TransactionCancelled) return;
  throw e;
};

const latePaymentRefundId = (order: Order, notice: PaymentNotice) => `${order.id}-PAY-${notice.transactionId.slice(-12)}`;

/**
 * Records and submits the refund of a payment the order can no longer take; a pending order is
 * cancelled in the same transaction (`cancelReason`). A payment whose amount differs from the
 * order is also recorded on it (`paymentMismatches`) and alerted to staff, in that transaction.
 */
async function refundLatePayment(deps: Deps, order: Order, notice: PaymentNotice, cancelReason?: CancelReason): Promise<void> {
  const cancelNow = cancelReason !== undefined;
  // The balance "payment" of an order the wallet paid wholly has nothing to refund: the order stays unpaid (wallet/pay-by-balance.ts).
  if (notice.amountFen === 0) throw new AppError('INVALID_STATE', 'the balance payment cannot be applied now', { orderId: order.id });
  const mismatch = notice.amountFen !== order.amounts.payableFen;
  const at = toBizIso(deps.clock.now());
  const refund = {
    ...newRefund(deps, order, { tag: `PAY-${notice.transactionId.slice(-12)}`, amountFen: notice.amountFen, reason: mismatch ? 'paid amount differs from the order' : 'payment after the order closed', source: 'payment' }),
    ...(mismatch ? { totalFen: notice.amountFen } : {}),
  };
  const append = appendRefund(order, refund);
  const recorded = mismatch ? { paymentMismatches: [...(order.paymentMismatches ?? []), { transactionId: notice.transactionId, amountFen: notice.amountFen, at }] } : {};
  await deps.store.transact([
    {
      type: 'update',
      key: orderKey(order),
      update: {
        set: { ...append.set, ...recorded, ...(cancelNow ? { status: 'CANCELLED', cancelReason, cancelledAt: at } : {}) },
        ...(cancelNow ? { remove: ['gsi2pk', 'gsi2sk'] } : {}),
      },
      when: [statusAsRead(order.status), ...append.when], // CONFIRMED as read: stored PAID of a CLOSED wave, or legacy CONFIRMED
    },
    refundPushOp(deps, order, refund),
    // The payment came in and goes out again: both flows count on the day.
    financeDayOp(deps, bizDate(deps.clock.now()), { paidFen: notice.amountFen, refundFen: refund.amountFen }, order.id),
    ...(cancelNow ? releaseOrderHoldsOps(order, { at }) : []),
    ...(mismatch
      ? await staffAlertOps(deps, {
          key: 'refundAlert',
          payload: { orderId: order.id, orderShortNo: order.shortNo, amountFen: notice.amountFen, problem: 'amountMismatch', at },
          dedupe: `pay-mismatch#${refund.id}`,
        })
      : []),
  ]);
  if (mismatch) logger.error('payment amount differs from the order: refunded', { orderId: order.id, refundId: refund.id });
  await submitRefund(deps, order, refund);
}
