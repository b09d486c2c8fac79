import { dispatch } from '#platform/dispatch';
import { outputOf } from '#app/outputs';
import { receivePaymentNotification } from '#app/orders/pay';
import { FUNCTIONS } from '../../functions/registry.ts';
import type { TestWorld } from './harness.ts';

/** Runs a command through dispatch as the user signed in with `openid` (roles looked up as in production). */
export const call = (w: TestWorld, command: Parameters<typeof dispatch>[0], input: unknown, openid: string) =>
  dispatch(command, input, { kind: 'openid', openid }, w.deps) as Promise<any>;

/** Headers as the HTTP transports hand them over: lower-case names. */
export const lowerHeaders = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

/** The sandbox's signed payment notification for `input`, received as WeChat Pay would send it. */
export function notifyPayment(w: TestWorld, input: { orderId: string; amountFen: number; openid: string; transactionId?: string }) {
  const signed = w.sandbox.signedPaymentNotification(input);
  return receivePaymentNotification(w.deps, { headers: lowerHeaders(signed.headers), body: signed.body });
}

/** Pays an order: the sandbox's signed payment notification, received as WeChat Pay would send it. */
export const pay = (w: TestWorld, order: { id: string; amounts: { payableFen: number } }, openid: string) => notifyPayment(w, { orderId: order.id, amountFen: order.amounts.payableFen, openid });

/** The command registered under `name` in any function module. */
export function commandNamed(name: string) {
  const c = FUNCTIONS.flatMap((m) => m.commands).find((x) => x.name === name);
  if (!c) throw new Error(`no command ${name}`);
  return c;
}

/** Runs the command `name` as the user signed in with `openid`, and fails when it answers outside its output schema. */
export const callAs = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) =>
  dispatch(commandNamed(name), input, { kind: 'openid', openid }, w.deps).then((data) => {
    const r = outputOf(commandNamed(name))?.safeParse(data);
    if (r && !r.success) throw new Error(`${name} answered outside its output schema: ${JSON.stringify(r.error.issues).slice(0, 400)}`);
    return data as any;
  });

/** The error a promise rejects with (undefined when it resolves). */
export const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);
