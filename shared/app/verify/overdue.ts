import * as z from 'zod/mini';
import { bizDateSchema } from '#platform/schema';
import { defineCommand, type Job } from '#app/command';
import { bizDate, toBizIso } from '#domain/time';
import { queryAll, TransactionCancelled, type Item, type WriteOp } from '#ports/item-store';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { outboxOp } from '../outbox.ts';
import { orderFromItem, orderKey, type Order, type Refund } from '../orders/model.ts';
import { appendRefund, newRefund, refundPushOp, submitRefund } from '../orders/refunds.ts';
import { financeDayOp } from '../settle/finance.ts';
import { getCommunity } from '../catalog/communities.ts';
import { ARRIVED_INDEX_ATTRS, ARRIVED_SHARDS, arrivedPartition, returnItemKey, returnsOfDay } from './keys.ts';
import { reminderDue, reminderHorizon, reminderSendAt } from '#domain/pickup-deadline';
import { requireLeaderOf } from './leader.ts';
import { forEachLimit } from '../concurrency.ts';

/** What the leader does with an expired order's line: non-fresh goods go back to the warehouse, fresh ones are not kept (逾期不保留). */
export type Disposition = 'return' | 'discard';

/** One expired order on a community's return list of the day. */
export interface ReturnEntry {
  orderId: string;
  shortNo: string;
  communityId: string;
  waveDate: string;
  /** The business date the order expired (the list it is on). */
  date: string;
  contact: { name: string; phoneTail: string };
  lines: { productId: string; title: string; qty: number; fresh: boolean; disposition: Disposition; refundFen: number }[];
  refundFen: number;
  expiredAt: string;
}

type ArrivedOrder = Order & { remindedAt?: string };

/**
 * An expired order's refund by the merchant's rules: fresh lines are refunded only when
 * `refundExpiredFresh` (default false), other lines when `refundExpiredNonFresh` (default true).
 */
export function expiryRefundLines(settings: { refundExpiredFresh: boolean; refundExpiredNonFresh: boolean }, order: Pick<Order, 'lines'>) {
  return order.lines.map((l) => ({
    productId: l.productId,
    title: l.title,
    qty: l.qty,
    fresh: l.fresh,
    disposition: (l.fresh ? 'discard' : 'return') as Disposition,
    refundFen: (l.fresh ? settings.refundExpiredFresh : settings.refundExpiredNonFresh) ? l.paidFen : 0,
  }));
}

/**
 * The `overdue` job (daily, from the setting `overdueHour`: heartbeat.ts; API.md "Scheduled jobs"). Finds ARRIVED orders by deadline in
 * the sparse GSI2 (no scan), then for each: past its deadline → EXPIRED with the refund the
 * rules give and a line on the community's return list, in one write, the refund submitted
 * after; deadline tomorrow (or today) → the pickup reminder, queued once. Catches up from data
 * and is safe to run twice; `date` is accepted for the manual run and not needed.
 */
export async function runOverdue(deps: Deps): Promise<{ reminded: number; expired: number; refunded: number }> {
  const now = deps.clock.now();
  const horizon = reminderHorizon(now);
  const due: Item[] = [];
  for (let shard = 0; shard < ARRIVED_SHARDS; shard++) due.push(...(await queryAll(deps.store, { index: 'gsi2', pk: arrivedPartition(shard), to: horizon })));

  const names = new Map<string, Promise<string>>();
  const pointName = (communityId: string) => {
    if (!names.has(communityId)) names.set(communityId, getCommunity(deps, communityId).then((c) => c?.name ?? communityId));
    return names.get(communityId)!;
  };
  const counts = { reminded: 0, expired: 0, refunded: 0 };
  await forEachLimit(due, 8, async (item) => {
    const order = orderFromItem(item) as ArrivedOrder;
    if (order.status !== 'ARRIVED' || !order.pickupDeadline) return;
    if (Date.parse(order.pickupDeadline) <= now) {
      const refund = await expireOrder(deps, order);
      if (refund === null) return;
      counts.expired++;
      if (refund) {
        counts.refunded++;
        await submitRefund(deps, order, refund);
      }
    } else if (!order.remindedAt && reminderDue(order.pickupDeadline, now)) {
      if (await remind(deps, order, await pointName(order.communityId))) counts.reminded++;
    }
  });
  logger.info('overdue run', counts);
  return counts;
}

/** EXPIRED + refund record + push + return-list line in one write; null when another run did it. */
async function expireOrder(deps: Deps, order: ArrivedOrder): Promise<Refund | undefined | null> {
  const now = deps.clock.now();
  const lines = expiryRefundLines(deps.settings, order);
  const amountFen = lines.reduce((a, l) => a + l.refundFen, 0);
  const refund =
    amountFen > 0
      ? newRefund(deps, order, {
          tag: 'expired',
          amountFen,
          reason: '逾期未取货退款',
          lines: lines.filter((l) => l.refundFen > 0).map((l) => ({ productId: l.productId, qty: l.qty, amountFen: l.refundFen })),
        })
      : undefined;
  const date = bizDate(now);
  const entry: ReturnEntry = {
    orderId: order.id,
    shortNo: order.shortNo,
    communityId: order.communityId,
    waveDate: order.waveDate,
    date,
    contact: { name: order.contactMasked, phoneTail: order.phoneTail },
    lines,
    refundFen: amountFen,
    expiredAt: toBizIso(now),
  };
  const append = refund ? appendRefund(order, refund) : undefined;
  const ops: WriteOp[] = [
    {
      type: 'update',
      key: orderKey(order),
      update: {
        set: { status: 'EXPIRED', expiredAt: toBizIso(now), ...(append ? append.set : {}) },
        remove: ARRIVED_INDEX_ATTRS,
      },
      when: [{ op: 'eq', path: 'status', value: 'ARRIVED' }, ...(append ? append.when : [])],
    },
    { type: 'put', item: { ...returnItemKey(order.communityId, date, order.id), ...entry }, when: [{ op: 'notExists' }] },
  ];
  if (refund) ops.push(refundPushOp(deps, order, refund), financeDayOp(deps, bizDate(now), { refundFen: refund.amountFen }, order.id));
  try {
    await deps.store.transact(ops);
    return refund;
  } catch (e) {
    if (e instanceof TransactionCancelled && e.failedAt() >= 0) return null;
    throw e;
  }
}

/** Queues the pickup reminder once per order (outbox dedupe + `remindedAt` on the order). */
async function remind(deps: Deps, order: ArrivedOrder, pickupPointName: string): Promise<boolean> {
  const now = deps.clock.now();
  try {
    await deps.store.transact([
      {
        type: 'update',
        key: orderKey(order),
        update: { set: { remindedAt: toBizIso(now) } },
        when: [{ op: 'eq', path: 'status', value: 'ARRIVED' }, { op: 'attrNotExists', path: 'remindedAt' }],
      },
      outboxOp(deps, {
        key: 'pickupReminder',
        touser: order.userId,
        payload: { orderId: order.id, orderShortNo: order.shortNo, pickupPointName, pickupCode: order.pickupCode ?? '-', pickupDeadline: order.pickupDeadline! },
        dedupe: `pickupReminder#${order.id}`,
        dueAt: reminderSendAt(now),
      }),
    ]);
    return true;
  } catch (e) {
    if (e instanceof TransactionCancelled && e.failedAt() >= 0) return false;
    throw e;
  }
}

export const overdueJob: Job = {
  name: 'overdue',
  run: (deps) => runOverdue(deps),
};

/**
 * GET /leader/returns?date=: the leader's return list of a day (default today) — the orders
 * that expired, which goods go back to the warehouse and which are not kept — with totals of
 * the goods to return.
 */
export const returnsCommand = defineCommand({
  name: 'verify.returns',
  roles: ['leader'],
  input: z.object({ date: z.optional(bizDateSchema()) }),
  http: { method: 'GET', path: '/leader/returns' },
  async run(ctx, input) {
    const leader = await requireLeaderOf(ctx);
    const date = input.date ?? bizDate(ctx.deps.clock.now());
    const orders = (await queryAll(ctx.deps.store, { ...returnsOfDay(leader.communityId, date), consistent: true })).map(
      ({ pk, sk, ...rest }) => rest as unknown as ReturnEntry,
    );
    const totals = new Map<string, { productId: string; title: string; qty: number }>();
    for (const o of orders)
      for (const l of o.lines.filter((x) => x.disposition === 'return')) {
        const t = totals.get(l.productId) ?? { productId: l.productId, title: l.title, qty: 0 };
        t.qty += l.qty;
        totals.set(l.productId, t);
      }
    return { date, orders, returnItems: [...totals.values()] };
  },
});
