import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { bizDate, bizTime, toBizIso } from '#domain/time';
import { availablePoints } from '#domain/pricing';
import { financeDayOp } from '../settle/finance.ts';
import type { Item, WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { lostRace } from '../verify/retry.ts';
import { keys } from '../keys.ts';
import { ledgerEntryOps, type LedgerEntry } from '../ledger.ts';
import { orderFromItem, orderKey, type Refund } from '../orders/model.ts';
import { appendRefund, newRefund, refundPushOp, submitRefund } from '../orders/refunds.ts';
import {
  AFTER_SALES_STATUSES,
  afterDecision,
  afterSalesByStatus,
  afterSalesFromItem,
  afterSalesIndex,
  afterSalesKey,
  complaintsKey,
  mergeLines,
  sameRevision,
  type AfterSales,
  type OrderWithAfterSales,
} from './model.ts';
import { pointsToTakeBack, refundShare } from './shares.ts';

const MAX_ATTEMPTS = 5;

export const DecideInput = z.object({
  id: id(),
  decision: z.enum(['approve', 'reject']),
  lines: z.optional(
    z.array(z.object({ productId: id(), qty: z.int().check(z.minimum(1), z.maximum(999)) })).check(z.minLength(1), z.maxLength(50)),
  ),
  reason: z.optional(z.string().check(z.maxLength(200))),
});

/** The approved units: all that was asked, or the given subset (each product asked, at most its asked qty). */
function approvedUnits(record: AfterSales, lines: { productId: string; qty: number }[] | undefined) {
  if (!lines) return record.lines.map(({ productId, qty }) => ({ productId, qty }));
  const merged = mergeLines(lines);
  const issues = merged.flatMap((l, i) => {
    const asked = record.lines.find((x) => x.productId === l.productId);
    if (!asked) return [{ path: `lines.${i}.productId`, message: 'not part of this request' }];
    if (l.qty > asked.qty) return [{ path: `lines.${i}.qty`, message: `at most ${asked.qty} were asked for` }];
    return [];
  });
  if (issues.length) throw new AppError('VALIDATION_FAILED', 'approved lines must be a subset of the request', { issues });
  return merged;
}

/**
 * Staff decide an after-sales request. Approving refunds exactly the approved units once: the
 * request's PENDING → APPROVED condition, the refund record on the order (guarded by the order's
 * after-sales revision), the customer's push, the leader's clawback entry (negative, stamped
 * with the refund time; settlement turns it into an adjustment if the period was settled), the
 * points taken back and the leader's complaint (the order's first approval only) are one write;
 * the gateway is asked afterwards with the refund's stable id. Points are taken from what the
 * balance holds (never below zero; the read balance is the condition) and the rest is recorded
 * as the customer's `pointsDebt`. Units not approved count as rejected (model.ts
 * `afterDecision`). A second decision, even a concurrent one, answers ALREADY_DONE.
 */
export async function decideAfterSales(deps: Deps, staffId: string, input: z.infer<typeof DecideInput>): Promise<AfterSales> {
  // Steps: request exists (NOT_FOUND) and PENDING (else ALREADY_DONE) → approved units a subset
  // (VALIDATION_FAILED) → refund share, clawback and points → one conditional write → refund.
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

    const approve = input.decision === 'approve';
    const units = approve ? approvedUnits(record, input.lines) : [];
    const now = toBizIso(deps.clock.now());
    const claimed = { ...(order.claimedQty ?? {}) };
    for (const l of record.lines) claimed[l.productId] = Math.max(0, (claimed[l.productId] ?? 0) - l.qty);
    for (const l of units) claimed[l.productId] = (claimed[l.productId] ?? 0) + l.qty;

    let share: ReturnType<typeof refundShare>;
    try {
      share = refundShare(order.lines, order.refundedQty ?? {}, units);
    } catch (e) {
      // The order was read after a concurrent decision of this request committed: read again.
      if (e instanceof RangeError && attempt < MAX_ATTEMPTS) continue;
      throw new AppError('INVALID_STATE', 'these units were already refunded', { orderId: order.id });
    }
    // The points were earned on what was paid less the staff unit refunds before pickup.
    const paidFen = order.lines.reduce((a, l) => a + l.paidFen, 0) - ((order as { preRefundedFen?: number }).preRefundedFen ?? 0);
    const refundedBefore = order.afterSalesRefundedFen ?? 0;
    const points = pointsToTakeBack(order.pointsEarned ?? 0, paidFen, refundedBefore, refundedBefore + share.amountFen);
    const user = points > 0 ? await deps.store.get(keys.user(order.userId), { consistent: true }) : undefined;
    const pointsTaken = Math.min(points, availablePoints(user?.points));
    const pointsDebt = points - pointsTaken;
    const countComplaint = approve && !!record.leaderId && !order.complaintCounted;
    const rejections = afterDecision(order, record.lines, record.reaskedQty ?? {}, units);
    const refund: Refund | undefined =
      share.amountFen > 0
        ? newRefund(deps, order, {
            tag: `as-${record.id}`,
            amountFen: share.amountFen,
            reason: '售后退款',
            lines: share.lines.map(({ productId, qty, amountFen }) => ({ productId, qty, amountFen })),
          })
        : undefined;
    const append = refund ? appendRefund(order, refund) : undefined;
    const titleOf = (productId: string) => order.lines.find((l) => l.productId === productId)?.title ?? productId;
    const decided: AfterSales = {
      ...record,
      status: approve ? 'APPROVED' : 'REJECTED',
      decidedAt: now,
      decidedBy: staffId,
      ...(input.reason ? { decisionReason: input.reason } : {}),
      ...(approve
        ? {
            approvedLines: share.lines.map((l) => ({ ...l, title: titleOf(l.productId) })),
            refundFen: share.amountFen,
            clawbackFen: share.commissionFen,
            pointsTakenBack: pointsTaken,
            ...(pointsDebt > 0 ? { pointsDebt } : {}),
            ...(countComplaint ? { complaintCounted: true } : {}),
            ...(refund ? { refundId: refund.id } : {}),
          }
        : {}),
    };

    const ops: WriteOp[] = [
      { type: 'put', item: { ...afterSalesKey(record.id), ...afterSalesIndex(decided), ...decided }, when: [{ op: 'eq', path: 'status', value: 'PENDING' }] },
      {
        type: 'update',
        key: orderKey(order),
        update: {
          set: {
            claimedQty: claimed,
            ...rejections,
            afterSalesRev: (order.afterSalesRev ?? 0) + 1,
            ...(countComplaint ? { complaintCounted: true } : {}),
            ...(approve
              ? {
                  refundedQty: share.refundedQty,
                  afterSalesRefundedFen: refundedBefore + share.amountFen,
                  pointsTakenBack: (order.pointsTakenBack ?? 0) + pointsTaken,
                  ...(append ? append.set : {}),
                }
              : {}),
          },
        },
        when: [sameRevision(order), ...(append ? append.when : [])],
      },
    ];
    if (refund) ops.push(refundPushOp(deps, order, refund));
    const clawback = approve && record.leaderId && share.commissionFen > 0 ? clawbackEntry(record, order, share, now) : undefined;
    if (clawback) ops.push(...ledgerEntryOps(deps, clawback));
    // One finance counter per transaction: the refund and the commission taken back.
    if (refund || clawback) ops.push(financeDayOp(deps, bizDate(deps.clock.now()), { refundFen: refund?.amountFen ?? 0, accruedFen: clawback?.amountFen ?? 0 }, order.id));
    if (points > 0) {
      // Take what the balance holds, conditioned on the balance read; record the rest as a debt.
      const held = user?.points;
      ops.push({
        type: 'update',
        key: keys.user(order.userId),
        update: { inc: { ...(pointsTaken > 0 ? { points: -pointsTaken } : {}), ...(pointsDebt > 0 ? { pointsDebt } : {}) }, setIfAbsent: { id: order.userId } },
        when: [typeof held === 'number' ? { op: 'eq', path: 'points', value: held } : { op: 'attrNotExists', path: 'points' }],
      });
    }
    if (countComplaint) {
      const month = bizTime(deps.clock.now()).format('YYYY-MM');
      ops.push({ type: 'update', key: complaintsKey(record.leaderId!, month), update: { inc: { count: 1 }, setIfAbsent: { leaderId: record.leaderId, month } } });
    }

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

function clawbackEntry(record: AfterSales, order: OrderWithAfterSales, share: ReturnType<typeof refundShare>, at: string): LedgerEntry {
  return {
    id: `clawback-${record.id}`,
    leaderId: record.leaderId!,
    kind: 'clawback',
    orderId: order.id,
    shortNo: order.shortNo,
    communityId: order.communityId,
    at,
    lines: share.lines.map((l) => {
      const line = order.lines.find((x) => x.productId === l.productId)!;
      return { productId: l.productId, title: line.title, qty: l.qty, paidFen: l.amountFen, rate: line.commissionRate, commissionFen: -l.commissionFen };
    }),
    amountFen: -share.commissionFen,
  };
}

const view = (item: Item) => afterSalesFromItem(item);

/** GET /admin/after-sales?status=: requests newest first; one status pages with a cursor, none lists the latest 100 of all. */
export const listAfterSalesCommand = defineCommand({
  name: 'admin.afterSales',
  roles: ['owner', 'operations'],
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
  roles: ['owner', 'operations'],
  input: DecideInput,
  http: { method: 'POST', path: '/admin/after-sales/{id}/decide' },
  async run(ctx, input) {
    return decideAfterSales(ctx.deps, userOf(ctx).userId, input);
  },
});
