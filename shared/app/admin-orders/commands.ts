import * as z from 'zod/mini';
import { bizDateSchema, id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import type { Role } from '#platform/command';
import { AppError } from '#domain/errors';
import { bizDate, toBizIso } from '#domain/time';
import { TransactionCancelled, queryAll, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { allOfType, keys } from '../keys.ts';
import { orderFromItem, orderKey, orderView, type Order, type OrderStatus } from '../orders/model.ts';
import { cancelOrder } from '../orders/cancel.ts';
import { appendRefund, newRefund, refundPushOp, submitRefund } from '../orders/refunds.ts';
import { releaseOrderHoldsOps } from '../orders/release.ts';
import { orderValueFen } from '../wallet/balance.ts';
import { financeDayOp } from '../settle/finance.ts';
import { ARRIVED_INDEX_ATTRS } from '../verify/keys.ts';
import { auditKeys } from '../audit/keys.ts';
import { withoutAudit } from '../audit/audit.ts';
import { rewritePickList, requestIdSchema } from '../cutoff/shortages.ts';
import { adminOrderKeys } from './keys.ts';
import { phoneIndexOf } from './phone-index.ts';
import { isApiKeyCaller } from '../api-keys/api-keys.ts';
import { refundUnits, type RefundableOrder } from './refund.ts';
import { effectiveOne, keepConfirmedAt, statusAsRead, withEffectiveStatus } from '../orders/effective.ts';

const STATUSES = ['PENDING_PAYMENT', 'PAID', 'CONFIRMED', 'ARRIVED', 'PICKED_UP', 'DELIVERED', 'CANCELLED', 'EXPIRED', 'TEAM_PENDING'] as const satisfies readonly OrderStatus[];
const PAGE = 50;
/** Statuses whose orders are on a closed wave's pick list (a change to them rebuilds it). */
const PACKED = new Set<string>(['CONFIRMED', 'ARRIVED']);

/**
 * The staff view of an order: masked name and phone tail (as a leader sees them), never the
 * pickup code or the full contact; plus what staff need: customer id, units refunded.
 */
export function staffOrderView(deps: Deps, o: Order) {
  const r = o as RefundableOrder;
  return {
    ...orderView(deps, o, 'leader'),
    userId: o.userId,
    ...(o.confirmedAt ? { confirmedAt: o.confirmedAt } : {}),
    ...(o.cancelledAt ? { cancelledAt: o.cancelledAt } : {}),
    ...(r.refundedQty ? { refundedQty: r.refundedQty } : {}),
  };
}

export const AdminOrdersQuery = z.object({
  waveDate: z.optional(bizDateSchema()),
  communityId: z.optional(id()),
  status: z.optional(z.enum(STATUSES)),
  phone: z.optional(z.string().check(z.regex(/^(\+?86)?1[3-9]\d{9}$/, 'expected an 11-digit mainland mobile number'))),
  shortNo: z.optional(z.string().check(z.regex(/^[0-9A-Za-z]{1,12}$/, 'expected a short order number'))),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

const invalidCursor = () => new AppError('VALIDATION_FAILED', 'the cursor is not valid for this query', { issues: [{ path: 'cursor', message: 'not a cursor of this query' }] });

/**
 * `GET /admin/orders`: 50 a page. `phone` reads the phone's blind-index partition (newest
 * first; never decrypts); `communityId` reads that community's partition (one wave with
 * `waveDate`); otherwise the communities' partitions one after another (id order), each newest
 * wave first. `status`, `shortNo` and `waveDate` filter what is read, so a page may hold fewer.
 */
export async function listAdminOrders(deps: Deps, input: z.infer<typeof AdminOrdersQuery>) {
  const keep = (o: Order) =>
    (!input.status || o.status === input.status) &&
    (!input.shortNo || o.shortNo === input.shortNo) &&
    (!input.waveDate || o.waveDate === input.waveDate) &&
    (!input.communityId || o.communityId === input.communityId);
  if (input.phone) {
    const page = await deps.store.query({ ...adminOrderKeys.phoneOrders(phoneIndexOf(deps, input.phone)), descending: true, limit: PAGE, ...(input.cursor ? { cursor: input.cursor } : {}) });
    const found = page.items.length ? await deps.store.getMany(page.items.map((it) => keys.order(String(it.communityId), String(it.waveDate), String(it.orderId)))) : [];
    const byId = new Map((await withEffectiveStatus(deps, found.map(orderFromItem))).map((o) => [o.id, o]));
    const orders = page.items.map((it) => byId.get(String(it.orderId))).filter((o): o is Order => !!o && keep(o));
    return { items: orders.map((o) => staffOrderView(deps, o)), ...(page.cursor ? { nextCursor: page.cursor } : {}) };
  }
  const communities = input.communityId ? [input.communityId] : (await queryAll(deps.store, allOfType('community'))).map((c) => String(c.id)).sort();
  let at = 0;
  let inner: string | undefined;
  if (input.cursor) {
    const m = /^p(\d{1,6})~(.*)$/s.exec(input.cursor);
    if (!m) throw invalidCursor();
    at = Number(m[1]);
    inner = m[2] || undefined;
  }
  const items: ReturnType<typeof staffOrderView>[] = [];
  while (at < communities.length) {
    const c = communities[at]!;
    const partition = input.waveDate ? keys.ordersOfWave(c, input.waveDate) : keys.ordersOfCommunity(c);
    const page = await deps.store.query({ ...partition, descending: true, limit: PAGE - items.length, ...(inner ? { cursor: inner } : {}) });
    items.push(...(await withEffectiveStatus(deps, page.items.map(orderFromItem))).filter(keep).map((o) => staffOrderView(deps, o)));
    inner = page.cursor;
    if (!inner) at++;
    if (items.length >= PAGE) break;
  }
  const next = at < communities.length ? `p${at}~${inner ?? ''}` : undefined;
  return { items, ...(next ? { nextCursor: next } : {}) };
}

/** `GET /admin/orders?waveDate=&communityId=&status=&phone=&shortNo=&cursor=`. */
export const adminOrdersCommand = defineCommand({
  name: 'admin.orders',
  roles: ['owner', 'operations', 'finance', 'integration:orders'],
  input: AdminOrdersQuery,
  http: { method: 'GET', path: '/admin/orders' },
  async run({ deps, caller }, input) {
    // An API key reads masked orders only: finding orders by a phone number is for staff.
    if (input.phone && isApiKeyCaller(caller)) throw new AppError('FORBIDDEN', 'API keys cannot search orders by phone');
    return listAdminOrders(deps, input);
  },
});

async function requireOrder(deps: Deps, orderId: string): Promise<RefundableOrder> {
  const ref = await deps.store.get(keys.orderRef(orderId), { consistent: true });
  const item = ref ? await deps.store.get(keys.order(String(ref.communityId), String(ref.waveDate), orderId), { consistent: true }) : undefined;
  if (!item) throw new AppError('NOT_FOUND', `order ${orderId} not found`);
  return (await effectiveOne(deps, orderFromItem(item))) as RefundableOrder;
}

/**
 * The order's history: its own timestamps, every refund (and its final word), and who did what
 * from the audit trail (staff refunds and cancels name the staff member in `by`).
 */
export async function orderTimeline(deps: Deps, o: Order): Promise<{ at: string; event: string; by?: string }[]> {
  const events: { at: string; event: string; by?: string }[] = [{ at: o.createdAt, event: 'PLACED', by: o.userId }];
  if (o.paidAt) events.push({ at: o.paidAt, event: 'PAID' });
  if (o.confirmedAt) events.push({ at: o.confirmedAt, event: 'CONFIRMED' });
  if (o.arrivedAt) events.push({ at: o.arrivedAt, event: 'ARRIVED' });
  if (o.pickedUpAt) events.push({ at: o.pickedUpAt, event: 'PICKED_UP', ...(o.pickedUpBy ? { by: o.pickedUpBy } : {}) });
  if (o.cancelledAt) events.push({ at: o.cancelledAt, event: `CANCELLED${o.cancelReason ? `:${o.cancelReason}` : ''}` });
  if (o.expiredAt) events.push({ at: o.expiredAt, event: 'EXPIRED' });
  for (const r of o.refunds ?? []) {
    events.push({ at: r.at, event: `REFUND:${r.amountFen}` });
    if (r.resultAt) events.push({ at: r.resultAt, event: `REFUND_${r.status}:${r.amountFen}` });
  }
  const audit = await deps.store.query({ ...auditKeys.byTarget(o.id), limit: 100 });
  for (const a of audit.items) events.push({ at: String(a.at), event: String(a.command), by: String(a.actor) });
  return events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** `GET /admin/orders/{id}` → the staff view with its timeline. */
export const adminOrderCommand = defineCommand({
  name: 'admin.order',
  roles: ['owner', 'operations', 'finance'],
  input: z.object({ id: id() }),
  http: { method: 'GET', path: '/admin/orders/{id}' },
  async run({ deps }, input) {
    const order = await requireOrder(deps, input.id);
    return { ...staffOrderView(deps, order), timeline: await orderTimeline(deps, order) };
  },
});

export const RefundOrderInput = z.object({
  id: id(),
  requestId: requestIdSchema(),
  lines: z.array(z.object({ productId: id(), qty: z.int().check(z.minimum(1), z.maximum(999)) })).check(z.minLength(1), z.maxLength(50)),
  reason: z.string().check(z.minLength(1), z.maxLength(200)),
});

/**
 * `POST /admin/orders/{id}/refund`: whole units of a PAID / CONFIRMED / ARRIVED order, once per
 * requestId (`refundUnits`); a closed wave's pick list is rebuilt without them.
 */
export const refundOrderCommand = defineCommand({
  name: 'admin.refundOrder',
  // Operations refund up to the merchant's staffRefundLimitFen; finance (and the owner) any amount (staff/refund-limit.ts).
  roles: ['owner', 'operations', 'finance'],
  input: RefundOrderInput,
  http: { method: 'POST', path: '/admin/orders/{id}/refund' },
  async run(ctx, input) {
    const { deps } = ctx;
    const order = await requireOrder(deps, input.id);
    const out = await refundUnits(
      deps,
      { communityId: order.communityId, waveDate: order.waveDate, orderId: order.id },
      { tag: `rf-${input.requestId}`, lines: input.lines, reason: input.reason },
      { roles: userOf(ctx).roles as Role[] },
    );
    if (!out.replay && PACKED.has(out.order.status)) await rewritePickList(withoutAudit(deps), order.waveDate, order.communityId);
    return staffOrderView(deps, await requireOrder(deps, order.id));
  },
});

/**
 * A merchant cancel of an order locked at the cutoff (CONFIRMED / ARRIVED): one transaction
 * conditioned on its status moves it to CANCELLED (MERCHANT), refunds what was not refunded
 * yet, gives back the coupon, the points spent and the first-order claim (the wave is closed:
 * its stock is not), queues the customer's refund push; the pick list is rebuilt after.
 */
async function cancelLocked(deps: Deps, order: RefundableOrder, note: string): Promise<Order> {
  const now = deps.clock.now();
  const cancelledAt = toBizIso(now);
  const leftFen = orderValueFen(order) - (order.preRefundedFen ?? 0);
  const refund = leftFen > 0 ? newRefund(deps, order, { tag: 'CANCEL', amountFen: leftFen, reason: '商家取消' }) : undefined;
  const append = refund ? appendRefund(order, refund) : undefined;
  const ops: WriteOp[] = [
    {
      type: 'update',
      key: orderKey(order),
      update: { set: { status: 'CANCELLED', ...keepConfirmedAt(order), cancelReason: 'MERCHANT', cancelledAt, cancelNote: note, ...(append?.set ?? {}) }, remove: ARRIVED_INDEX_ATTRS },
      // CONFIRMED as read: a stored PAID order of the closed wave, or a legacy stored CONFIRMED (orders/effective.ts).
      when: [statusAsRead(order.status), ...(append?.when ?? [])],
    },
    ...releaseOrderHoldsOps(order, { stock: false }),
    ...(refund ? [refundPushOp(deps, order, refund), financeDayOp(deps, bizDate(now), { refundFen: refund.amountFen }, order.id)] : []),
  ];
  try {
    await deps.store.transact(ops);
  } catch (e) {
    if (e instanceof TransactionCancelled) throw new AppError('INVALID_STATE', 'the order changed meanwhile; look at it again', { orderId: order.id });
    throw e;
  }
  if (refund) await submitRefund(deps, order, refund);
  await rewritePickList(withoutAudit(deps), order.waveDate, order.communityId);
  return { ...order, status: 'CANCELLED', cancelReason: 'MERCHANT', cancelledAt, refunds: refund ? [...order.refunds, refund] : order.refunds };
}

/** `POST /admin/orders/{id}/cancel { reason }`: any order not yet picked up; everything given back once. */
export const cancelOrderCommand = defineCommand({
  name: 'admin.cancelOrder',
  roles: ['owner', 'operations'],
  input: z.object({ id: id(), reason: z.string().check(z.minLength(1), z.maxLength(200)) }),
  http: { method: 'POST', path: '/admin/orders/{id}/cancel' },
  async run({ deps }, input) {
    const order = await requireOrder(deps, input.id);
    if (order.status === 'PICKED_UP' || order.status === 'DELIVERED') throw new AppError('INVALID_STATE', 'a picked-up order is not cancelled: refund it through after-sales', { status: order.status });
    if (order.status === 'EXPIRED') throw new AppError('INVALID_STATE', 'an expired order cannot be cancelled', { status: order.status });
    const done = order.status === 'CONFIRMED' || order.status === 'ARRIVED' ? await cancelLocked(deps, order, input.reason) : await cancelOrder(deps, order, 'MERCHANT');
    return staffOrderView(deps, done);
  },
});

export const adminOrderCommands = [adminOrdersCommand, adminOrderCommand, refundOrderCommand, cancelOrderCommand];
