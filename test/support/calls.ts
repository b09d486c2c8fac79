import { dispatch } from '#platform/dispatch';
import { receivePaymentNotification } from '#app/orders/pay';
import type { TestWorld } from './harness.ts';

/** Runs a command through dispatch as the user signed in with `openid` (roles looked up as in production). */
export const call = (w: TestWorld, command: Parameters<typeof dispatch>[0], input: unknown, openid: string) =>
  dispatch(command, input, { kind: 'openid', openid }, w.deps) as Promise<any>;

/** Pays an order: the sandbox's signed payment notification, received as WeChat Pay would send it. */
export async function pay(w: TestWorld, order: { id: string; amounts: { payableFen: number } }, openid: string) {
  const signed = w.sandbox.signedPaymentNotification({ orderId: order.id, amountFen: order.amounts.payableFen, openid });
  return receivePaymentNotification(w.deps, { headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])), body: signed.body });
}
