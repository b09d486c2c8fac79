import * as z from 'zod/mini';
import { id, queryNumber } from '#platform/schema';
import { defineCommand, type RawResponse } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { rolesOf } from '../users.ts';
import { namedByCommunity } from '../verify/leader.ts';
import type { Deps } from '../deps.ts';
import { ordersOfUser } from '../keys.ts';
import { withEffectiveStatus } from './effective.ts';
import { findOrder, orderFromItem, orderView, type Order, type OrderStatus } from './model.ts';
import { priceFor } from './quote.ts';
import { placeOrder } from './place.ts';
import { cancelOrder, expireUnpaidOrders } from './cancel.ts';
import { receivePaymentNotification } from './pay.ts';
import { listRefundIssues, pollRefunds, receiveRefundNotification, retryRefunds } from './refunds.ts';
import { BasketInput, PlaceInput } from './schemas.ts';
import type { Job } from '#app/command';
import { retryWalletCredits } from '../wallet/balance.ts';
import { isWalletTrade } from '../wallet/keys.ts';
import { devPayWalletTrade } from '../wallet/commands.ts';
import { dissolveExpiredTeams } from '../teams/dissolve.ts';
import { priceTeamOrder } from '../teams/place.ts';

const STATUSES = ['PENDING_PAYMENT', 'PAID', 'CONFIRMED', 'ARRIVED', 'PICKED_UP', 'DELIVERED', 'CANCELLED', 'EXPIRED', 'TEAM_PENDING'] as const;

export const quoteCommand = defineCommand({
  name: 'order.quote',
  roles: ['customer'],
  rolesUnread: true,
  input: BasketInput,
  http: { method: 'POST', path: '/orders/quote' },
  async run(ctx, input) {
    const { quote, waveDate } = await (input.team ? priceTeamOrder : priceFor)(ctx.deps, userOf(ctx).userId, input); // 拼团 at the team price
    return { waveDate, lines: quote.lines, amounts: quote.amounts, pointsUsed: quote.pointsUsed, ...(quote.couponId ? { couponId: quote.couponId } : {}) };
  },
});

export const placeCommand = defineCommand({
  name: 'order.place',
  roles: ['customer'],
  rolesUnread: true,
  input: PlaceInput,
  http: { method: 'POST', path: '/orders', status: 201 },
  run: (ctx, input) => placeOrder(ctx.deps, userOf(ctx).userId, input),
});

/** An order the caller may see: the owner, staff, or the leader of its community (masked). */
async function visibleOrder(deps: Deps, userId: string, roles: string[], orderId: string): Promise<{ order: Order; viewer: 'owner' | 'leader' | 'staff' }> {
  const order = await findOrder(deps, orderId);
  if (order && order.userId === userId) return { order, viewer: 'owner' };
  if (order && roles.includes('staff')) return { order, viewer: 'staff' };
  if (order && roles.includes('leader')) {
    const { leader } = await rolesOf(deps, userId);
    if (leader?.communityId === order.communityId && (await namedByCommunity(deps, leader))) return { order, viewer: 'leader' };
  }
  // Another customer's order is NOT_FOUND, so ids cannot be probed.
  throw new AppError('NOT_FOUND', `order ${orderId} not found`);
}

export const getOrderCommand = defineCommand({
  name: 'order.get',
  roles: ['customer'],
  input: z.object({ id: id() }),
  http: { method: 'GET', path: '/orders/{id}' },
  async run(ctx, input) {
    const { userId, roles } = userOf(ctx);
    const { order, viewer } = await visibleOrder(ctx.deps, userId, roles, input.id);
    return orderView(ctx.deps, order, viewer);
  },
});

export const listOrdersCommand = defineCommand({
  name: 'order.list',
  roles: ['customer'],
  input: z.object({ status: z.optional(z.enum(STATUSES)), cursor: z.optional(z.string().check(z.maxLength(512))), limit: z.optional(z.pipe(queryNumber(), z.int().check(z.minimum(1), z.maximum(50)))) }),
  http: { method: 'GET', path: '/orders' },
  async run(ctx, input) {
    const { userId } = userOf(ctx);
    const limit = input.limit ?? 20;
    const items: ReturnType<typeof orderView>[] = [];
    let cursor = input.cursor;
    // Filter by status page by page until the page is full (own orders only, newest first).
    do {
      const page = await ctx.deps.store.query({ ...ordersOfUser(userId), descending: true, limit, cursor });
      for (const o of await withEffectiveStatus(ctx.deps, page.items.map(orderFromItem))) {
        if (!input.status || o.status === (input.status as OrderStatus)) items.push(orderView(ctx.deps, o, 'owner'));
      }
      cursor = page.cursor;
    } while (cursor && items.length < limit);
    return { items, ...(cursor ? { nextCursor: cursor } : {}) };
  },
});

export const cancelCommand = defineCommand({
  name: 'order.cancel',
  roles: ['customer'],
  input: z.object({ id: id() }),
  http: { method: 'POST', path: '/orders/{id}/cancel' },
  async run(ctx, input) {
    const { userId } = userOf(ctx);
    const order = await findOrder(ctx.deps, input.id);
    if (!order || order.userId !== userId) throw new AppError('NOT_FOUND', `order ${input.id} not found`);
    return orderView(ctx.deps, await cancelOrder(ctx.deps, order, 'CUSTOMER'), 'owner');
  },
});

/** WeChat Pay v3 notification: public, verified over the raw body, answered WeChat's way. */
export const payNotifyCommand = defineCommand({
  name: 'order.payNotify',
  roles: 'public',
  input: z.unknown(),
  http: { method: 'POST', path: '/pay/notify' },
  rawResponse: true,
  async run(ctx): Promise<RawResponse> {
    if (!ctx.raw) throw new AppError('VALIDATION_FAILED', 'a raw HTTP notification is expected');
    return receivePaymentNotification(ctx.deps, ctx.raw);
  },
});

/** Local stage: the sandbox signs a real notification for the order and delivers it through /pay/notify's code. */
export const devPayCommand = defineCommand({
  name: 'dev.pay',
  roles: ['customer'],
  input: z.object({ orderId: id() }),
  http: { method: 'POST', path: '/dev/pay/{orderId}' },
  async run(ctx, input) {
    const { deps } = ctx;
    if (!deps.devMode || !deps.sandbox) throw new AppError('NOT_FOUND', 'no route POST /dev/pay/{orderId}');
    const { userId, roles } = userOf(ctx);
    if (isWalletTrade(input.orderId)) return devPayWalletTrade(deps, userId, roles, input.orderId);
    const order = await findOrder(deps, input.orderId);
    if (!order || (order.userId !== userId && !roles.includes('staff'))) throw new AppError('NOT_FOUND', `order ${input.orderId} not found`);
    const signed = deps.sandbox.signedPaymentNotification({ orderId: order.id, amountFen: order.amounts.payableFen, openid: order.userId });
    const res = await receivePaymentNotification(deps, { headers: lower(signed.headers), body: signed.body });
    const after = await findOrder(deps, order.id);
    return { notification: { status: res.status, body: JSON.parse(res.body) }, order: after ? orderView(deps, after, 'owner') : undefined };
  },
});

/** WeChat Pay v3 refund-result notification (REFUND.SUCCESS / ABNORMAL / CLOSED): verified like /pay/notify, recorded once. */
export const refundNotifyCommand = defineCommand({
  name: 'order.refundNotify',
  roles: 'public',
  input: z.unknown(),
  http: { method: 'POST', path: '/pay/refund-notify' },
  rawResponse: true,
  async run(ctx): Promise<RawResponse> {
    if (!ctx.raw) throw new AppError('VALIDATION_FAILED', 'a raw HTTP notification is expected');
    return receiveRefundNotification(ctx.deps, ctx.raw);
  },
});

/** Staff: refunds that ended ABNORMAL or CLOSED and need a person (each was alerted when it happened). */
export const refundIssuesCommand = defineCommand({
  name: 'order.refundIssues',
  roles: ['owner', 'operations', 'finance'],
  input: z.object({
    status: z.optional(z.enum(['ABNORMAL', 'CLOSED'])),
    cursor: z.optional(z.string().check(z.maxLength(512))),
    limit: z.optional(z.pipe(queryNumber(), z.int().check(z.minimum(1), z.maximum(100)))),
  }),
  http: { method: 'GET', path: '/admin/refunds' },
  run: (ctx, input) => listRefundIssues(ctx.deps, input),
});

/**
 * Local stage: the sandbox gives a refund its final state (default SUCCESS) and delivers the
 * signed REFUND.* notification through /pay/refund-notify's code, as WeChat Pay would.
 */
export const devRefundCommand = defineCommand({
  name: 'dev.refund',
  roles: ['customer'],
  input: z.object({ refundId: id(), status: z.optional(z.enum(['SUCCESS', 'ABNORMAL', 'CLOSED'])) }),
  http: { method: 'POST', path: '/dev/refund/{refundId}' },
  async run(ctx, input) {
    const { deps } = ctx;
    if (!deps.devMode || !deps.sandbox) throw new AppError('NOT_FOUND', 'no route POST /dev/refund/{refundId}');
    const { userId, roles } = userOf(ctx);
    const known = deps.sandbox.refundOf(input.refundId);
    const order = known ? await findOrder(deps, known.orderId) : undefined;
    if (!known || !order || (order.userId !== userId && !roles.includes('staff'))) throw new AppError('NOT_FOUND', `refund ${input.refundId} not found`);
    const signed = deps.sandbox.settleRefund({ refundId: input.refundId, status: input.status ?? 'SUCCESS' });
    const res = await receiveRefundNotification(deps, { headers: lower(signed.headers), body: signed.body });
    const after = await findOrder(deps, order.id);
    return { notification: { status: res.status, body: JSON.parse(res.body) }, order: after ? orderView(deps, after, 'owner') : undefined };
  },
});

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

/** Every 5 minutes: cancel unpaid orders past their window, dissolve teams (拼团) whose window ended, and re-submit refunds the gateway refused. */
export const expireJob: Job = {
  name: 'expire',
  run: async (deps) => ({ ...(await expireUnpaidOrders(deps)), teams: await dissolveExpiredTeams(deps), refunds: await retryRefunds(deps), walletCredits: await retryWalletCredits(deps) }),
};

/** Every 10 minutes: refunds still PROCESSING 10 minutes after they were made are asked about and their result recorded. */
export const refundsJob: Job = {
  name: 'refunds',
  run: (deps) => pollRefunds(deps),
};

export const orderCommands = [quoteCommand, placeCommand, getOrderCommand, listOrdersCommand, cancelCommand, payNotifyCommand, refundNotifyCommand, refundIssuesCommand];
