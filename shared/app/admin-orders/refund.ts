import { AppError } from '#domain/errors';
import { bizDate } from '#domain/time';
import { TransactionCancelled, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { mergeLines } from '../after-sales/model.ts';
import { refundShare } from '#domain/refund-share';
import { orderFromItem, orderKey, type Order, type Refund } from '../orders/model.ts';
import { appendRefund, newRefund, refundPushOp, submitRefund } from '../orders/refunds.ts';
import { financeDayOp } from '../settle/finance.ts';
import { checkRefundLimit } from '../staff/refund-limit.ts';
import type { Role } from '#platform/command';
import { effectiveOne, statusAsRead } from '../orders/effective.ts';
import { waveOpenCheck } from '../waves.ts';

/** Orders staff may refund units of: paid and not yet picked up (after pickup: after-sales). */
export const REFUNDABLE = ['PAID', 'CONFIRMED', 'ARRIVED'] as const;

/** Fields the unit refunds add to the stored order. */
export interface UnitRefunds {
  /** Units refunded per product (shared with after-sales, which refunds after pickup). */
  refundedQty?: Record<string, number>;
  /** Fen refunded before pickup: the pickup's points and commission are on what remains. */
  preRefundedFen?: number;
  /** Wave stock given back per product by refunds while the wave was open (a later cancel gives back only the rest). */
  stockReturnedQty?: Record<string, number>;
  /** Tags of the unit refunds done (one per staff requestId or shortage), so each happens once. */
  unitRefundTags?: string[];
}

export type RefundableOrder = Order & UnitRefunds;

export interface UnitRefundOutcome {
  order: RefundableOrder;
  /** The refund sent to the gateway (none when the units were paid nothing). */
  refund?: Refund;
  qty: number;
  refundFen: number;
  /** True when this tag was refunded before (a replay): nothing changed. */
  replay: boolean;
}

const MAX_ATTEMPTS = 6;

/**
 * Refunds whole units of a PAID / CONFIRMED / ARRIVED order exactly once per `tag` (a staff
 * refund's requestId, a shortage's), with the after-sales allocation (`refundShare`): each
 * line's paid fen (coupon, first-order and points discounts already allocated to it) split
 * over its units by largest remainder, so refunds never add up to more than was paid. One
 * transaction, conditioned on the order's status and refund revision: the units and fen on
 * the order, the refund record, the customer's refund push (outbox, `refundResult`), the
 * day's finance counter and — while the wave is still open (PAID) — the regular lines' wave
 * stock and per-user limits given back. No commission has accrued and no points were earned
 * before pickup: the pickup accrues them on what remains (`remainingLines`), which is how the
 * leader's commission and the customer's points follow the refund. More than remains →
 * INVALID_STATE. The gateway is asked afterwards with the refund's stable id.
 */
export async function refundUnits(
  deps: Deps,
  at: { communityId: string; waveDate: string; orderId: string },
  input: { tag: string; lines: { productId: string; qty: number }[]; reason: string },
  /** The staff caller's roles: a refund above `staffRefundLimitFen` needs finance (refund-limit.ts). Absent: no limit (shortages). */
  caller?: { roles: readonly Role[] },
): Promise<UnitRefundOutcome> {
  const ask = mergeLines(input.lines);
  for (let attempt = 1; ; attempt++) {
    const item = await deps.store.get(keys.order(at.communityId, at.waveDate, at.orderId), { consistent: true });
    if (!item) throw new AppError('NOT_FOUND', `order ${at.orderId} not found`);
    const order = (await effectiveOne(deps, orderFromItem(item))) as RefundableOrder;
    if (order.unitRefundTags?.includes(input.tag)) {
      const refund = order.refunds.find((r) => r.id === newRefund(deps, order, { tag: input.tag, amountFen: 0, reason: '' }).id);
      return { order, ...(refund ? { refund } : {}), qty: ask.reduce((a, l) => a + l.qty, 0), refundFen: refund?.amountFen ?? 0, replay: true };
    }
    if (!(REFUNDABLE as readonly string[]).includes(order.status))
      throw new AppError('INVALID_STATE', `an order ${order.status} cannot be refunded by units here`, { orderId: order.id, status: order.status });
    const issues = ask.flatMap((l, i) => (order.lines.some((x) => x.productId === l.productId) ? [] : [{ path: `lines.${i}.productId`, message: 'not in this order' }]));
    if (issues.length) throw new AppError('VALIDATION_FAILED', 'a product is not in this order', { issues });

    let share: ReturnType<typeof refundShare>;
    try {
      share = refundShare(order.lines, order.refundedQty ?? {}, ask);
    } catch {
      throw new AppError('INVALID_STATE', 'more units than remain to be refunded', {
        orderId: order.id,
        remaining: Object.fromEntries(ask.map((l) => [l.productId, order.lines.filter((x) => x.productId === l.productId).reduce((a, x) => a + x.qty, 0) - (order.refundedQty?.[l.productId] ?? 0)])),
      });
    }
    if (caller) checkRefundLimit(deps.settings, caller.roles, share.amountFen);
    const refund = share.amountFen > 0 ? newRefund(deps, order, { tag: input.tag, amountFen: share.amountFen, reason: input.reason, lines: share.lines.map(({ productId, qty, amountFen }) => ({ productId, qty, amountFen })) }) : undefined;
    const append = refund ? appendRefund(order, refund) : undefined;

    // While the wave is open the units go back on sale (regular lines' limited stock and per-user limits).
    const stock: WriteOp[] = [];
    const returned = { ...(order.stockReturnedQty ?? {}) };
    if (order.status === 'PAID') {
      for (const { productId, qty } of ask) {
        const line = order.lines.find((l) => l.productId === productId && !l.flash);
        if (!line) continue;
        const n = Math.min(qty, line.qty - (returned[productId] ?? 0));
        if (n <= 0) continue;
        if (line.holds?.includes('stock')) stock.push({ type: 'update', key: keys.waveStock(productId, order.waveDate), update: { inc: { sold: -n } }, when: [{ op: 'gte', path: 'sold', value: n }] });
        if (line.holds?.includes('limit'))
          stock.push({ type: 'update', key: keys.userLimit(order.userId, order.waveDate, productId), update: { inc: { count: -n } }, when: [{ op: 'gte', path: 'count', value: n }] });
        returned[productId] = (returned[productId] ?? 0) + n;
      }
    }

    const tags = [...(order.unitRefundTags ?? []), input.tag];
    const n = order.unitRefundTags?.length ?? 0;
    const ops: WriteOp[] = [
      {
        type: 'update',
        key: orderKey(order),
        update: {
          set: {
            refundedQty: share.refundedQty,
            preRefundedFen: (order.preRefundedFen ?? 0) + share.amountFen,
            unitRefundTags: tags,
            unitRefundCount: tags.length,
            ...(stock.length ? { stockReturnedQty: returned } : {}),
            ...(append ? append.set : {}),
          },
        },
        // The status it was read in, and the tag list as read (its count), so each tag is added once.
        when: [
          statusAsRead(order.status),
          n === 0 ? { op: 'attrNotExists', path: 'unitRefundCount' } : { op: 'eq', path: 'unitRefundCount', value: n },
          ...(append ? append.when : []),
        ],
      },
      ...stock,
      // PAID: the wave is open (its stock goes back); a close meanwhile fails this, and the order is read again as CONFIRMED.
      ...(order.status === 'PAID' ? [waveOpenCheck(order.communityId, order.waveDate)] : []),
    ];
    if (refund) ops.push(refundPushOp(deps, order, refund), financeDayOp(deps, bizDate(deps.clock.now()), { refundFen: refund.amountFen }, order.id));
    try {
      await deps.store.transact(ops);
    } catch (e) {
      // The order moved (another refund, a pickup, a concurrent run of this very tag): read again.
      if (e instanceof TransactionCancelled && attempt < MAX_ATTEMPTS) continue;
      if (e instanceof TransactionCancelled) throw new AppError('INVALID_STATE', 'the order changed meanwhile; look at it again', { orderId: order.id });
      throw e;
    }
    if (refund) await submitRefund(deps, order, refund);
    const after: RefundableOrder = {
      ...order,
      refundedQty: share.refundedQty,
      preRefundedFen: (order.preRefundedFen ?? 0) + share.amountFen,
      unitRefundTags: tags,
      ...(stock.length ? { stockReturnedQty: returned } : {}),
      refunds: refund ? [...order.refunds, refund] : order.refunds,
    };
    return { order: after, ...(refund ? { refund } : {}), qty: ask.reduce((a, l) => a + l.qty, 0), refundFen: share.amountFen, replay: false };
  }
}
