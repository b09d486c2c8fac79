import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import type { Deps } from '../deps.ts';
import { receivePaymentNotification } from '../orders/pay.ts';
import { walletView } from './balance.ts';
import { createMembershipOrder, createRecharge, findTrade, tradeView } from './payments.ts';
import { withdrawWallet } from './withdrawal.ts';

const requestId = () => z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/));

/** POST /wallet/recharges: a recharge paid through WeChat Pay; bonus by the `rechargeBonus` tiers. */
export const rechargeCommand = defineCommand({
  name: 'order.recharge',
  roles: ['customer'],
  input: z.object({ requestId: requestId(), amountFen: z.int().check(z.minimum(1), z.maximum(5_000_000)) }),
  http: { method: 'POST', path: '/wallet/recharges', status: 201 },
  run: (ctx, input) => createRecharge(ctx.deps, userOf(ctx).userId, input),
});

/** GET /wallet: principal and bonus apart, and the immutable ledger, newest first. */
export const walletCommand = defineCommand({
  name: 'order.wallet',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'GET', path: '/wallet' },
  run: (ctx) => walletView(ctx.deps, userOf(ctx).userId),
});

/** POST /wallet/withdrawal: the unused principal refunded to its recharge payments, the bonus forfeited in proportion. */
export const walletRefundCommand = defineCommand({
  name: 'order.walletRefund',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'POST', path: '/wallet/withdrawal' },
  run: (ctx) => withdrawWallet(ctx.deps, userOf(ctx).userId),
});

/** POST /membership/orders: a paid membership plan (setting `membershipPlans`), paid like an order. */
export const buyMembershipCommand = defineCommand({
  name: 'order.buyMembership',
  roles: ['customer'],
  input: z.object({ requestId: requestId(), planId: id() }),
  http: { method: 'POST', path: '/membership/orders', status: 201 },
  run: (ctx, input) => createMembershipOrder(ctx.deps, userOf(ctx).userId, input),
});

export const walletCommands = [rechargeCommand, walletCommand, walletRefundCommand, buyMembershipCommand];

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

/** Local stage (`POST /dev/pay/{id}` of a recharge or membership order): the sandbox signs its notification and delivers it through /pay/notify's code. */
export async function devPayWalletTrade(deps: Deps, userId: string, roles: readonly string[], tradeId: string) {
  const trade = await findTrade(deps, tradeId);
  if (!trade || !deps.sandbox || (trade.userId !== userId && !roles.includes('staff'))) throw new AppError('NOT_FOUND', `order ${tradeId} not found`);
  const signed = deps.sandbox.signedPaymentNotification({ orderId: tradeId, amountFen: Number(trade.item.amountFen), openid: trade.userId });
  const res = await receivePaymentNotification(deps, { headers: lower(signed.headers), body: signed.body });
  const after = await findTrade(deps, tradeId);
  return { notification: { status: res.status, body: JSON.parse(res.body) as unknown }, ...(after ? tradeView(after.kind, after.item) : {}) };
}
