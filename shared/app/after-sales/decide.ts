import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { bizDate, bizTime, toBizIso } from '#domain/time';
import { planAfterSales, type AfterSalesPlan } from '#domain/after-sales-plan';
import { financeDayOp } from '../settle/finance.ts';
import { checkRefundLimit } from '../staff/refund-limit.ts';
import type { Role } from '#platform/command';
import type { Item, WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { lostRace } from '../verify/retry.ts';
import { withDeliveryFeeRefund } from '../delivery/refunds.ts';
import { keys } from '../keys.ts';
import { ledgerEntryOps, type LedgerEntry } from '../ledger.ts';
import { orderFromItem, orderKey, type Refund } from '../orders/model.ts';
import { appendRefund, newRefund, refundPushOp, submitRefund } from '../orders/refunds.ts';
import {
  AFTER_SALES_STATUSES,
  afterSalesByStatus,
  afterSalesFromItem,
  afterSalesIndex,
  afterSalesKey,
  complaintsKey,
  sameRevision,
  type AfterSales,
  type OrderWithAfterSales,
} from './model.ts';

const MAX_ATTEMPTS = 5;

export const DecideInput = z.object({
  id: id(),
  decision: z.enum(['approve', 'reject']),
  lines: z.optional(
    z.array(z.object({ productId: id(), qty: z.int().check(z.minimum(1), z.maximum(999)) })).check(z.minLength(1), z.maxLength(50)),
  ),
  reason: z.optional(z.string().check(z.maxLength(200))),
});

/**
 * Staff decide an after-sales request. What the decision does is planned in the domain
 * (shared/domain/after-sales-plan.ts: refund, clawback, points taken and debt, units given back,
 * rejections, complaint); this shell reads, plans and writes. Approving refunds exactly the
 * approved units once: the request's PENDING → APPROVED condition, the refund record on the order
 * (guarded by the order's after-sales revision), the customer's push, the leader's clawback entry
 * (negative, stamped with the refund time; settlement turns it into an adjustment if the period
 * was settled), the points taken back (the read balance is the condition; the rest is the
 * customer's `pointsDebt`) and the leader's complaint are one write; the gateway is asked
 * afterwards with the refund's stable id. A second decision, even a concurrent one, answers
 * ALREADY_DONE.
 */
export async function decideAfterSales(
  deps: Deps,
  staffId: string,
  input: z.infer<typeof DecideInput>,
  /** The staff caller's roles: an approval refunding more than `staffRefundLimitFen` needs finance (staff/refund-limit.ts). */
  caller?: { roles: readonly Role[] },
): Promise<AfterSales> {
  // Steps: request exists (NOT_FOUND) and PENDING (else ALREADY_DONE) → the plan (VALIDATION_FAILED
  // for approved units outside the request) → the customer's points when some are taken back →
  // one conditional write → refund.
  for (let attempt = 1; ; attempt++) {
    const item = await deps.store.get(afterSalesKey(input.id), { consistent: true });
    if (!item) throw new AppError('NOT_FOUND', `after-sales request ${input.id} not found`);
    const record = afterSalesFromItem(item);
    if (record.status !== 'PENDING')
      throw new AppError('ALREADY_DONE', `after-sales request was already ${record.status.toLowerCase()}`, {
        status: record.status,
        decidedAt: record.decidedAt,
        decidedBy: record.decidedBy,
      });
    const orderItem = await deps.store.get(keys.order(record.communityId, record.waveDate, record.orderId), { consistent: true });
    if (!orderItem) throw new AppError('NOT_FOUND', `order ${record.orderId} not found`);
    const order = orderFromItem(orderItem) as OrderWithAfterSales;

    const decision = { decision: input.decision, ...(input.lines ? { lines: input.lines } : {}) };
    let plan: AfterSalesPlan;
    let user: Item | undefined;
    try {
      plan = planAfterSales(order, record, decision);
      if (plan.points.toTakeBack > 0) {
        user = await deps.store.get(keys.user(order.userId), { consistent: true });
        plan = planAfterSales(order, record, decision, user?.points);
      }
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // The order was read after a concurrent decision of this request committed: read again.
      if (attempt < MAX_ATTEMPTS) continue;
      throw new AppError('INVALID_STATE', 'these units were already refunded', { orderId: order.id });
    }
    plan = withDeliveryFeeRefund(order, plan); // a full refund of a delivery order gives the fee back too
    if (caller && plan.refund) checkRefundLimit(deps.settings, caller.roles, plan.refund.amountFen);
    const now = toBizIso(deps.clock.now());
    const refund: Refund | undefined = plan.refund ? newRefund(deps, order, { tag: `as-${record.id}`, reason: '售后退款', ...plan.refund }) : undefined;
    const append = refund ? appendRefund(order, refund) : undefined;
    const approve = plan.status === 'APPROVED';
    const decided: AfterSales = {
      ...record,
      status: plan.status,
      decidedAt: now,
      decidedBy: staffId,
      ...(input.reason ? { decisionReason: input.reason } : {}),
      ...(approve
        ? {
            approvedLines: plan.approvedLines,
            refundFen: plan.refund?.amountFen ?? 0,
            clawbackFen: plan.clawbackFen,
            pointsTakenBack: plan.points.taken,
            ...(plan.points.debt > 0 ? { pointsDebt: plan.points.debt } : {}),
            ...(plan.countComplaint ? { complaintCounted: true } : {}),
            ...(refund ? { refundId: refund.id } : {}),
          }
        : {}),
    };
    const ops = decisionOps(deps, { record, order, decided, plan, refund, append, user, now });
    try {
      await deps.store.transact(ops);
    } catch (e) {
      // Decided concurrently (the loop answers ALREADY_DONE) or the order moved: read again.
      if (!lostRace(e) || attempt >= MAX_ATTEMPTS) throw e;
      continue;
    }
    if (refund) await submitRefund(deps, order, refund);
    return decided;
  }
}

/** The one write of a decision, built from its plan. */
function decisionOps(
  deps: Deps,
  d: { record: AfterSales; order: OrderWithAfterSales; decided: AfterSales; plan: AfterSalesPlan; refund?: Refund; append?: ReturnType<typeof appendRefund>; user?: Item; now: string },
): WriteOp[] {
  const { record, order, plan, refund, append } = d;
  const ops: WriteOp[] = [
    { type: 'put', item: { ...afterSalesKey(record.id), ...afterSalesIndex(d.decided), ...d.decided }, when: [{ op: 'eq', path: 'status', value: 'PENDING' }] },
    {
      type: 'update',
      key: orderKey(order),
      update: { set: { ...plan.orderSet, ...(append ? append.set : {}) } },
      when: [sameRevision(order), ...(append ? append.when : [])],
    },
  ];
  if (refund) ops.push(refundPushOp(deps, order, refund));
  const clawback: LedgerEntry | undefined = plan.clawback
    ? {
        id: `clawback-${record.id}`,
        leaderId: plan.clawback.leaderId,
        kind: 'clawback',
        orderId: order.id,
        shortNo: order.shortNo,
        communityId: order.communityId,
        at: d.now,
        lines: plan.clawback.lines,
        amountFen: plan.clawback.amountFen,
      }
    : undefined;
  if (clawback) ops.push(...ledgerEntryOps(deps, clawback));
  // One finance counter per transaction: the refund and the commission taken back.
  if (refund || clawback) ops.push(financeDayOp(deps, bizDate(deps.clock.now()), { refundFen: refund?.amountFen ?? 0, accruedFen: clawback?.amountFen ?? 0 }, order.id));
  const { toTakeBack, taken, debt } = plan.points;
  if (toTakeBack > 0) {
    // Take what the balance holds, conditioned on the balance read; record the rest as a debt.
    const held = d.user?.points;
    ops.push({
      type: 'update',
      key: keys.user(order.userId),
      update: { inc: { ...(taken > 0 ? { points: -taken } : {}), ...(debt > 0 ? { pointsDebt: debt } : {}) }, setIfAbsent: { id: order.userId } },
      when: [typeof held === 'number' ? { op: 'eq', path: 'points', value: held } : { op: 'attrNotExists', path: 'points' }],
    });
  }
  if (plan.countComplaint) {
    const month = bizTime(deps.clock.now()).format('YYYY-MM');
    ops.push({ type: 'update', key: complaintsKey(record.leaderId!, month), update: { inc: { count: 1 }, setIfAbsent: { leaderId: record.leaderId, month } } });
  }
  return ops;
}

const view = (item: Item) => afterSalesFromItem(item);

/** GET /admin/after-sales?status=: requests newest first; one status pages with a cursor, none lists the latest 100 of all. */
export const listAfterSalesCommand = defineCommand({
  name: 'admin.afterSales',
  roles: ['owner', 'operations', 'finance'],
  input: z.object({ status: z.optional(z.enum(AFTER_SALES_STATUSES)), cursor: z.optional(z.string().check(z.maxLength(2048))) }),
  http: { method: 'GET', path: '/admin/after-sales' },
  async run({ deps }, input) {
    if (input.status) {
      const page = await deps.store.query({ ...afterSalesByStatus(input.status), descending: true, limit: 50, cursor: input.cursor });
      return { items: page.items.map(view), ...(page.cursor ? { nextCursor: page.cursor } : {}) };
    }
    const pages = await Promise.all(AFTER_SALES_STATUSES.map((s) => deps.store.query({ ...afterSalesByStatus(s), descending: true, limit: 100 })));
    const items = pages
      .flatMap((p) => p.items)
      .sort((a, b) => (String(a.gsi1sk) < String(b.gsi1sk) ? 1 : -1))
      .slice(0, 100);
    return { items: items.map(view) };
  },
});

/** POST /admin/after-sales/{id}/decide (admin function). */
export const decideAfterSalesCommand = defineCommand({
  name: 'admin.decideAfterSales',
  // Operations approve refunds up to the merchant's staffRefundLimitFen; finance (and the owner) any amount.
  roles: ['owner', 'operations', 'finance'],
  input: DecideInput,
  http: { method: 'POST', path: '/admin/after-sales/{id}/decide' },
  async run(ctx, input) {
    const caller = userOf(ctx);
    return decideAfterSales(ctx.deps, caller.userId, input, { roles: caller.roles as Role[] });
  },
});
