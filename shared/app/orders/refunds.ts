import { AppError } from '#domain/errors';
import { TransactionCancelled, queryAll, type Condition, type WriteOp } from '#ports/item-store';
import type { RawNotification, RefundNotice, RefundStatus } from '#ports/payment';
import type { RawResponse } from '#app/command';
import { verifiedNotification, wechatPayAnswer } from '../pay-notifications.ts';
import { toBizIso } from '#domain/time';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import { staffAlertOps } from '../staff-alerts.ts';
import { findOrder, orderKey, type Order, type Refund } from './model.ts';
import { creditRefundBalance, splitRefund } from '../wallet/balance.ts';
import { takeBackGrowth } from '../wallet/levels.ts';
import { reverseReferralAfterRefund } from '../referral/referral.ts';

/**
 * Refunds in two steps, so money is never sent twice: (1) the refund is recorded on the order
 * (with its stable out_refund_no, `id`) and the customer's push queued, inside the caller's
 * transaction with the state change that causes it; (2) `submitRefund` asks the gateway,
 * which is idempotent per refund id — a retry (or the refund job) repeats the same request.
 */
export function newRefund(
  deps: Deps,
  order: Pick<Order, 'id' | 'refunds'> & Partial<Pick<Order, 'amounts' | 'balance'>>,
  /** `amountFen`: order value given back; `source: 'payment'`: a WeChat payment the order could not take, refunded as it came. */
  input: { tag: string; amountFen: number; reason: string; lines?: Refund['lines']; source?: 'payment' },
): Refund {
  // An order the wallet paid in part: the balance part goes back to the wallet (wallet/balance.ts).
  const split = input.source === 'payment' ? undefined : splitRefund(order, input.amountFen);
  const at = toBizIso(deps.clock.now());
  return {
    id: `${order.id}-${input.tag}`.slice(0, 64),
    amountFen: split ? split.amountFen : input.amountFen,
    reason: input.reason,
    status: split && split.amountFen === 0 ? 'SUCCESS' : 'PROCESSING',
    at,
    ...(split && split.amountFen === 0 ? { resultAt: at } : {}),
    ...(input.lines ? { lines: input.lines } : {}),
    ...(split ? split.part : {}),
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

/** A refund still PROCESSING this long is asked about by the refunds job (pay v3 GET refund). */
export const REFUND_POLL_AFTER_MS = 10 * 60_000;

/**
 * Asks the gateway for a recorded refund. The refund is first put on the refunds job's list
 * (`keys.refundPoll`), so its result is learnt even if no notification ever arrives. A failure
 * is logged and parked for `retryRefunds` (run by the expire job every 5 minutes), which
 * repeats the same idempotent request.
 */
export async function submitRefund(deps: Deps, order: Pick<Order, 'id' | 'amounts'> & { userId?: string; status?: string }, refund: Refund): Promise<boolean> {
  await creditRefundBalance(deps, order, refund);
  await takeBackGrowth(deps, order, refund);
  if (refund.amountFen === 0 && refund.balance) return true; // all of it went back to the wallet
  const request = { orderId: order.id, refundId: refund.id, amountFen: refund.amountFen, totalFen: refund.totalFen ?? order.amounts.payableFen, reason: refund.reason };
  await deps.store
    .write({ type: 'put', item: { ...keys.refundPoll(refund.at, refund.id), orderId: order.id, refundId: refund.id } })
    .catch(() => logger.warn('refund not listed for polling', { orderId: order.id, refundId: refund.id }));
  // 老带新: a full refund of the order that earned an inviter's reward takes the reward back (shared/app/referral).
  await reverseReferralAfterRefund(deps, order.id);
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

/** Every write of an order's `refunds` is conditioned on the revision it read and bumps it. */
function refundRevision(order: Pick<Order, 'refunds' | 'refundRev'>): { set: { refundRev: number }; when: Condition[] } {
  const rev = order.refundRev ?? 0;
  const n = order.refunds?.length ?? 0;
  return {
    set: { refundRev: rev + 1 },
    when: [
      rev === 0 ? { op: 'or', conditions: [{ op: 'attrNotExists', path: 'refundRev' }, { op: 'eq', path: 'refundRev', value: 0 }] } : { op: 'eq', path: 'refundRev', value: rev },
      n === 0 ? { op: 'or', conditions: [{ op: 'attrNotExists', path: 'refundCount' }, { op: 'eq', path: 'refundCount', value: 0 }] } : { op: 'eq', path: 'refundCount', value: n },
    ],
  };
}

/**
 * The order update that appends a refund, guarded so two writers never both append from the
 * same snapshot (the refund list only grows through this), nor overwrite a recorded result.
 */
export function appendRefund(order: Pick<Order, 'refunds' | 'refundRev'>, refund: Refund): { set: Record<string, unknown>; when: Condition[] } {
  const n = order.refunds?.length ?? 0;
  const rev = refundRevision(order);
  return { set: { refunds: [...(order.refunds ?? []), refund], refundCount: n + 1, ...rev.set }, when: rev.when };
}

type FinalStatus = Exclude<RefundStatus, 'PROCESSING'>;
const PROBLEM = { ABNORMAL: 'refundAbnormal', CLOSED: 'refundClosed' } as const;

/**
 * Records the payment platform's word on a refund (a verified refund notification, the refunds
 * job's query, or a confirmed cloudPay callback) exactly once per state: PROCESSING changes
 * nothing; SUCCESS and CLOSED are final; ABNORMAL may still end SUCCESS or CLOSED (staff act on
 * the merchant platform). ABNORMAL and CLOSED are listed for staff (`GET /admin/refunds`) and
 * alerted (a push to staff, one error log line) in the same transaction. The refund leaves the
 * poll list and the retry queue once final. An unknown refund changes nothing.
 */
export async function recordRefundResult(deps: Deps, notice: Pick<RefundNotice, 'orderId' | 'refundId' | 'status' | 'amountFen'>): Promise<'recorded' | 'unchanged' | 'unknown'> {
  if (notice.status === 'PROCESSING') return 'unchanged';
  const status: FinalStatus = notice.status;
  for (let attempt = 1; attempt <= 5; attempt++) {
    const order = await findOrder(deps, notice.orderId);
    const i = order?.refunds?.findIndex((r) => r.id === notice.refundId) ?? -1;
    if (!order || i < 0) {
      logger.warn('refund result for an unknown refund', { orderId: notice.orderId, refundId: notice.refundId });
      return 'unknown';
    }
    const refund = order.refunds[i]!;
    if (refund.status === status || refund.status === 'SUCCESS' || refund.status === 'CLOSED' || refund.status === 'FAILED') {
      if (refund.status !== status) logger.warn('refund result after a final one ignored', { orderId: order.id, refundId: refund.id, status });
      await deps.store.write({ type: 'delete', key: keys.refundPoll(refund.at, refund.id) }).catch(() => undefined);
      return 'unchanged';
    }
    if (notice.amountFen !== undefined && notice.amountFen !== refund.amountFen)
      logger.error('refund result amount differs from the refund', { orderId: order.id, refundId: refund.id });
    const at = toBizIso(deps.clock.now());
    const rev = refundRevision(order);
    const ops: WriteOp[] = [
      {
        type: 'update',
        key: orderKey(order),
        update: { set: { refunds: order.refunds.map((r, k) => (k === i ? { ...r, status, resultAt: at } : r)), ...rev.set } },
        when: rev.when,
      },
      { type: 'delete', key: keys.refundPoll(refund.at, refund.id) },
      { type: 'delete', key: keys.job(RETRY_JOB, refund.id) },
    ];
    if (refund.status === 'ABNORMAL') ops.push({ type: 'delete', key: keys.refundIssue('ABNORMAL', refund.at, refund.id) });
    if (status === 'ABNORMAL' || status === 'CLOSED') {
      ops.push(
        {
          type: 'put',
          item: {
            ...keys.refundIssue(status, refund.at, refund.id),
            refundId: refund.id,
            orderId: order.id,
            orderShortNo: order.shortNo,
            communityId: order.communityId,
            amountFen: refund.amountFen,
            reason: refund.reason,
            status,
            at: refund.at,
            resultAt: at,
          },
        },
        ...(await staffAlertOps(deps, {
          key: 'refundAlert',
          payload: { orderId: order.id, orderShortNo: order.shortNo, amountFen: refund.amountFen, problem: PROBLEM[status], at },
          dedupe: `refund-alert#${refund.id}#${status}`,
        })),
      );
    }
    try {
      await deps.store.transact(ops);
    } catch (e) {
      if (e instanceof TransactionCancelled) continue; // the refunds changed meanwhile: read again
      throw e;
    }
    if (status !== 'SUCCESS') logger.error('refund needs a person', { orderId: order.id, refundId: refund.id, status });
    return 'recorded';
  }
  throw new AppError('INTERNAL', 'the refund result could not be recorded');
}

/**
 * cloudPay's refund callback: success or not. A refund that did not succeed is recorded ABNORMAL
 * (listed for staff and alerted) — cloudPay's callback does not tell ABNORMAL from CLOSED.
 */
export async function markRefundResult(deps: Deps, orderId: string, refundId: string, succeeded: boolean): Promise<boolean> {
  return (await recordRefundResult(deps, { orderId, refundId, status: succeeded ? 'SUCCESS' : 'ABNORMAL' })) !== 'unknown';
}

/**
 * The refunds job (every 10 minutes): asks the gateway about every refund still PROCESSING
 * 10 minutes after it was created and records what it answers. A refund the gateway does not
 * know waits for `retryRefunds`; one still processing is asked again next run.
 */
export async function pollRefunds(deps: Deps): Promise<{ checked: number; recorded: number; processing: number; failed: number }> {
  const out = { checked: 0, recorded: 0, processing: 0, failed: 0 };
  const query = deps.payment.queryRefund?.bind(deps.payment);
  if (!query) return out;
  const due = await queryAll(deps.store, { pk: keys.refundPoll('', '').pk, to: `${toBizIso(deps.clock.now() - REFUND_POLL_AFTER_MS)}#\uffff`, consistent: true });
  for (const item of due) {
    out.checked++;
    try {
      const state = await query({ orderId: String(item.orderId), refundId: String(item.refundId) });
      if (!state || state.status === 'PROCESSING') {
        out.processing++;
        continue;
      }
      const outcome = await recordRefundResult(deps, state);
      if (outcome === 'unknown') await deps.store.write({ type: 'delete', key: { pk: item.pk, sk: item.sk } });
      else out.recorded += outcome === 'recorded' ? 1 : 0;
    } catch (e) {
      out.failed++;
      logger.warn('refund poll failed', { refundId: String(item.refundId), error: e instanceof Error ? e.name : 'unknown' });
    }
  }
  return out;
}

/** GET /admin/refunds: refunds that ended ABNORMAL or CLOSED (both by default), newest first. */
export async function listRefundIssues(deps: Deps, input: { status?: 'ABNORMAL' | 'CLOSED'; cursor?: string; limit?: number }) {
  const statuses = input.status ? [input.status] : (['ABNORMAL', 'CLOSED'] as const);
  const limit = input.limit ?? 50;
  const items: Record<string, unknown>[] = [];
  let nextCursor: string | undefined;
  for (const status of statuses) {
    const page = await deps.store.query({ pk: keys.refundIssue(status, '', '').pk, descending: true, limit, ...(input.status && input.cursor ? { cursor: input.cursor } : {}) });
    for (const it of page.items) {
      const { pk: _pk, sk: _sk, ...rest } = it;
      items.push(rest);
    }
    if (input.status) nextCursor = page.cursor;
  }
  items.sort((a, b) => String(b.at).localeCompare(String(a.at)));
  return { items: items.slice(0, limit), ...(nextCursor ? { nextCursor } : {}) };
}

/**
 * WeChat Pay's refund-result notification (POST /pay/refund-notify, REFUND.SUCCESS / ABNORMAL /
 * CLOSED), verified like a payment notification (signature over the raw body, timestamp,
 * decryption, this merchant) before anything is read, then recorded once. A forged or stale one
 * answers 401 and changes nothing; a repeat or an unknown refund answers 200 and changes nothing.
 */
export async function receiveRefundNotification(deps: Deps, raw: RawNotification): Promise<RawResponse> {
  const parse = deps.payment.parseRefundNotification?.bind(deps.payment);
  if (!parse) return wechatPayAnswer(404, 'FAIL', 'refund notifications are not served here');
  const verified = await verifiedNotification(parse, raw, 'refund');
  if ('refused' in verified) return verified.refused;
  await recordRefundResult(deps, verified.notice);
  return wechatPayAnswer(200, 'SUCCESS');
}
