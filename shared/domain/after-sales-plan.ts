import { AppError } from './errors.ts';
import { availablePoints } from './pricing.ts';
import { pointsToTakeBack, refundShare, type RefundShareLine } from './refund-share.ts';

/**
 * What a staff decision on an after-sales request does (pure; DESIGN.md §9). Given the order's
 * after-sales state, the request, the decision and the customer's points as read, it answers, as
 * data: the refund (amount and lines), the commission clawed back (the leader's entry lines), the
 * points taken from the balance and the rest as debt, the units given back to what the customer
 * may ask for (`claimedQty`) and the rejection bookkeeping, the leader's complaint (first approval
 * of the order only), and the order's new after-sales state. The shell
 * (shared/app/after-sales/decide.ts) reads, calls this, builds the write and runs it.
 */

type Units = { productId: string; qty: number };

export interface PlanOrderLine {
  productId: string;
  title: string;
  qty: number;
  paidFen: number;
  commissionRate: number;
}

/** The after-sales state kept on an order; `afterSalesRev` guards every change (optimistic lock by condition). */
export interface AfterSalesState {
  /** Units asked in pending or approved requests, per product (a customer cannot ask twice for a unit). */
  claimedQty?: Record<string, number>;
  /** Units refunded through after-sales, per product (units are refunded in order, never twice). */
  refundedQty?: Record<string, number>;
  afterSalesRefundedFen?: number;
  pointsTakenBack?: number;
  /** Units rejected once and free again, per product: the customer may ask for them one more time. */
  rejectedOnceQty?: Record<string, number>;
  /** Units rejected twice, per product: they can no longer be asked for. */
  closedQty?: Record<string, number>;
  /** Set by the first approved request: an order counts as one complaint against its leader, at most. */
  complaintCounted?: boolean;
  afterSalesRev?: number;
}

/** The order as the plan needs it: its lines, the points it earned and its after-sales state. */
export interface PlanOrder extends AfterSalesState {
  lines: readonly PlanOrderLine[];
  pointsEarned?: number;
  /** Refunded before pickup (staff unit refunds): the points were earned on what was paid less this. */
  preRefundedFen?: number;
}

export interface PlanRequest {
  /** The leader who verified the pickup, if any: their commission is clawed back, their complaint counted. */
  leaderId?: string;
  lines: readonly Units[];
  /** Units of this request, per product, rejected once before (a second rejection closes them). */
  reaskedQty?: Record<string, number>;
}

export interface PlanDecision {
  decision: 'approve' | 'reject';
  /** The approved subset (each product asked, at most its asked qty); all that was asked when absent. */
  lines?: readonly Units[];
}

export interface AfterSalesPlan {
  status: 'APPROVED' | 'REJECTED';
  /** The units approved (none on a rejection). */
  units: Units[];
  /** The refund to record and ask for; undefined when nothing is refunded. */
  refund?: { amountFen: number; lines: { productId: string; qty: number; amountFen: number }[] };
  /** The approved lines with refund and commission (on an approval). */
  approvedLines: (RefundShareLine & { title: string })[];
  /** The leader's clawback: negative amount and lines; undefined without a leader or commission. */
  clawback?: { leaderId: string; amountFen: number; lines: { productId: string; title: string; qty: number; paidFen: number; rate: number; commissionFen: number }[] };
  /** Commission taken back by the approval (positive; 0 on a rejection). */
  clawbackFen: number;
  /** Points to take back in all, taken from the balance read (never below zero), the rest as the customer's debt. */
  points: { toTakeBack: number; taken: number; debt: number };
  /** Whether this approval counts the order's complaint against the leader (once per order). */
  countComplaint: boolean;
  /** The order's after-sales fields to set (its revision one up). */
  orderSet: Record<string, unknown>;
}

/** Merges repeated products of an input into one entry each, keeping the first position. */
export function mergeLines(lines: readonly Units[]): Units[] {
  const out = new Map<string, number>();
  for (const l of lines) out.set(l.productId, (out.get(l.productId) ?? 0) + l.qty);
  return [...out].map(([productId, qty]) => ({ productId, qty }));
}

/**
 * The rejection bookkeeping after a decision (pure). The units of the request that were not
 * approved (all of them on a rejection) count as rejected; they are taken from the re-asked
 * units first, so a unit rejected a second time is closed and the others may be asked once more.
 */
export function afterDecision(
  order: Pick<PlanOrder, 'rejectedOnceQty' | 'closedQty'>,
  asked: readonly Units[],
  reaskedQty: Readonly<Record<string, number>>,
  approved: readonly Units[],
): { rejectedOnceQty: Record<string, number>; closedQty: Record<string, number> } {
  const once = { ...(order.rejectedOnceQty ?? {}) };
  const closed = { ...(order.closedQty ?? {}) };
  for (const l of asked) {
    const ok = approved.filter((a) => a.productId === l.productId).reduce((a, x) => a + x.qty, 0);
    const notApproved = Math.max(0, l.qty - ok);
    const closing = Math.min(reaskedQty[l.productId] ?? 0, notApproved);
    if (closing > 0) closed[l.productId] = (closed[l.productId] ?? 0) + closing;
    if (notApproved - closing > 0) once[l.productId] = (once[l.productId] ?? 0) + notApproved - closing;
  }
  return { rejectedOnceQty: once, closedQty: closed };
}

/** The approved units: all that was asked, or the given subset (VALIDATION_FAILED otherwise). */
export function approvedUnits(asked: readonly Units[], lines: readonly Units[] | undefined): Units[] {
  if (!lines) return asked.map(({ productId, qty }) => ({ productId, qty }));
  const merged = mergeLines(lines);
  const issues = merged.flatMap((l, i) => {
    const a = asked.find((x) => x.productId === l.productId);
    if (!a) return [{ path: `lines.${i}.productId`, message: 'not part of this request' }];
    if (l.qty > a.qty) return [{ path: `lines.${i}.qty`, message: `at most ${a.qty} were asked for` }];
    return [];
  });
  if (issues.length) throw new AppError('VALIDATION_FAILED', 'approved lines must be a subset of the request', { issues });
  return merged;
}

/**
 * The plan of a decision. `pointsHeld` is the customer's points balance as read (only looked at
 * when points are taken back). Throws VALIDATION_FAILED (AppError) when the approved lines are not
 * a subset of the request, and RangeError when the units were already refunded (the order read
 * is older than a concurrent decision: read again).
 */
export function planAfterSales(order: PlanOrder, request: PlanRequest, decision: PlanDecision, pointsHeld?: unknown): AfterSalesPlan {
  const approve = decision.decision === 'approve';
  const units = approve ? approvedUnits(request.lines, decision.lines) : [];
  // The request's units are given back to what may be asked; the approved ones stay claimed.
  const claimed = { ...(order.claimedQty ?? {}) };
  for (const l of request.lines) claimed[l.productId] = Math.max(0, (claimed[l.productId] ?? 0) - l.qty);
  for (const l of units) claimed[l.productId] = (claimed[l.productId] ?? 0) + l.qty;

  const share = refundShare(order.lines, order.refundedQty ?? {}, units);
  // The points were earned on what was paid less the staff unit refunds before pickup.
  const paidFen = order.lines.reduce((a, l) => a + l.paidFen, 0) - (order.preRefundedFen ?? 0);
  const refundedBefore = order.afterSalesRefundedFen ?? 0;
  const toTakeBack = pointsToTakeBack(order.pointsEarned ?? 0, paidFen, refundedBefore, refundedBefore + share.amountFen);
  const taken = toTakeBack > 0 ? Math.min(toTakeBack, availablePoints(pointsHeld)) : 0;
  const countComplaint = approve && !!request.leaderId && !order.complaintCounted;
  const lineOf = (productId: string) => order.lines.find((l) => l.productId === productId);
  const titleOf = (productId: string) => lineOf(productId)?.title ?? productId;

  const clawback =
    approve && request.leaderId && share.commissionFen > 0
      ? {
          leaderId: request.leaderId,
          amountFen: -share.commissionFen,
          lines: share.lines.map((l) => {
            const line = lineOf(l.productId)!;
            return { productId: l.productId, title: line.title, qty: l.qty, paidFen: l.amountFen, rate: line.commissionRate, commissionFen: -l.commissionFen };
          }),
        }
      : undefined;

  return {
    status: approve ? 'APPROVED' : 'REJECTED',
    units,
    ...(share.amountFen > 0 ? { refund: { amountFen: share.amountFen, lines: share.lines.map(({ productId, qty, amountFen }) => ({ productId, qty, amountFen })) } } : {}),
    approvedLines: approve ? share.lines.map((l) => ({ ...l, title: titleOf(l.productId) })) : [],
    ...(clawback ? { clawback } : {}),
    clawbackFen: approve ? share.commissionFen : 0,
    points: { toTakeBack, taken, debt: toTakeBack - taken },
    countComplaint,
    orderSet: {
      claimedQty: claimed,
      ...afterDecision(order, request.lines, request.reaskedQty ?? {}, units),
      afterSalesRev: (order.afterSalesRev ?? 0) + 1,
      ...(countComplaint ? { complaintCounted: true } : {}),
      ...(approve
        ? { refundedQty: share.refundedQty, afterSalesRefundedFen: refundedBefore + share.amountFen, pointsTakenBack: (order.pointsTakenBack ?? 0) + taken }
        : {}),
    },
  };
}
