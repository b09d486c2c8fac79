import type { WriteOp } from '#ports/item-store';
import { toBizIso } from '#domain/time';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import type { Order, Refund } from './model.ts';

/**
 * Refunds in two steps, so money is never sent twice: (1) the refund is recorded on the order
 * (with its stable out_refund_no, `id`) and the customer's push queued, inside the caller's
 * transaction with the state change that causes it; (2) `submitRefund` asks the gateway,
 * which is idempotent per refund id — a retry (or the refund job) repeats the same request.
 */
export function newRefund(deps: Deps, order: Pick<Order, 'id' | 'refunds'>, input: { tag: string; amountFen: number; reason: string; lines?: Refund['lines'] }): Refund {
  return {
    id: `${order.id}-${input.tag}`.slice(0, 64),
    amountFen: input.amountFen,
    reason: input.reason,
    status: 'PROCESSING',
    at: toBizIso(deps.clock.now()),
    ...(input.lines ? { lines: input.lines } : {}),
  };
}

/** The push telling the customer about a refund; add it to the same transaction. */
export function refundPushOp(deps: Deps, order: Pick<Order, 'id' | 'shortNo' | 'userId'>, refund: Refund): WriteOp {
  return outboxOp(deps, {
    key: 'refundResult',
    touser: order.userId,
    payload: { orderId: order.id, orderShortNo: order.shortNo, amountFen: refund.amountFen, reason: refund.reason, status: 'processing' },
    dedupe: `refund#${refund.id}`,
  });
}

/** Refunds whose gateway call failed wait here (`JOB#refund-retry` / `<refundId>`) for `retryRefunds`. */
const RETRY_JOB = 'refund-retry';

/**
 * Asks the gateway for a recorded refund. A failure is logged and parked for `retryRefunds`
 * (run by the expire job every 5 minutes), which repeats the same idempotent request.
 */
export async function submitRefund(deps: Deps, order: Pick<Order, 'id' | 'amounts'>, refund: Refund): Promise<boolean> {
  const request = { orderId: order.id, refundId: refund.id, amountFen: refund.amountFen, totalFen: order.amounts.payableFen, reason: refund.reason };
  try {
    await deps.payment.refund(request);
    return true;
  } catch (e) {
    logger.warn('refund not submitted, will retry', { orderId: order.id, refundId: refund.id, error: e instanceof Error ? e.name : 'unknown' });
    await deps.store.write({ type: 'put', item: { ...keys.job(RETRY_JOB, refund.id), ...request, parkedAt: toBizIso(deps.clock.now()) } }).catch(() => undefined);
    return false;
  }
}

/** Re-submits every parked refund; each leaves the queue once the gateway accepts it. */
export async function retryRefunds(deps: Deps): Promise<{ resubmitted: number; failed: number }> {
  const { queryAll } = await import('#ports/item-store');
  let resubmitted = 0;
  let failed = 0;
  for (const item of await queryAll(deps.store, { ...keys.jobItems(RETRY_JOB), consistent: true })) {
    try {
      await deps.payment.refund({
        orderId: String(item.orderId),
        refundId: String(item.refundId),
        amountFen: Number(item.amountFen),
        totalFen: Number(item.totalFen),
        reason: String(item.reason),
      });
      await deps.store.write({ type: 'delete', key: keys.job(RETRY_JOB, String(item.sk)) });
      resubmitted++;
    } catch {
      failed++;
    }
  }
  return { resubmitted, failed };
}

/**
 * The order update that appends a refund, guarded so two writers never both append from the
 * same snapshot (the refund list only grows through this).
 */
export function appendRefund(order: Pick<Order, 'refunds'>, refund: Refund): { set: Record<string, unknown>; when: import('#ports/item-store').Condition[] } {
  const n = order.refunds?.length ?? 0;
  return {
    set: { refunds: [...(order.refunds ?? []), refund], refundCount: n + 1 },
    when: [n === 0 ? { op: 'or', conditions: [{ op: 'attrNotExists', path: 'refundCount' }, { op: 'eq', path: 'refundCount', value: 0 }] } : { op: 'eq', path: 'refundCount', value: n }],
  };
}

/**
 * Records the gateway's final word on a refund (cloudPay's refund callback). Idempotent: a
 * refund already in that state is left alone; an unknown one is ignored.
 */
export async function markRefundResult(deps: Deps, orderId: string, refundId: string, succeeded: boolean): Promise<boolean> {
  const { findOrder, orderKey } = await import('./model.ts');
  for (let attempt = 0; attempt < 3; attempt++) {
    const order = await findOrder(deps, orderId);
    const i = order?.refunds?.findIndex((r) => r.id === refundId) ?? -1;
    if (!order || i < 0) return false;
    const status = succeeded ? 'SUCCESS' : 'FAILED';
    if ((order.refunds[i]!.status as string) === status) return true;
    const refunds = order.refunds.map((r, k) => (k === i ? { ...r, status } : r));
    const n = order.refunds.length;
    try {
      await deps.store.write({
        type: 'update',
        key: orderKey(order),
        update: { set: { refunds, refundCount: n } },
        when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'refundCount' }, { op: 'eq', path: 'refundCount', value: n }] }],
      });
      return true;
    } catch {
      // The list changed meanwhile: read again.
    }
  }
  return false;
}
