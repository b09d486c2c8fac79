import * as z from 'zod/mini';
import { defineCommand, type CommandContext } from '#app/command';
import { AppError } from '#domain/errors';
import { logger } from '#platform/logger';
import { receivePaymentNotification } from './pay.ts';
import { receiveRefundNotification } from './refunds.ts';

/**
 * cloudPay's callbacks on CloudBase (the counterpart of AWS's `/pay/notify` and
 * `/pay/refund-notify`): WeChat calls the order function with the payment result, or the refund
 * result, as a plain event. They are commands of the order module with no HTTP route; the
 * CloudBase transport hands an event to them only when it carries no client identity (a
 * mini-program can call the function with any data, never without its OPENID). Each is then
 * confirmed with cloudPay (queryOrder / queryRefund, by the payment port) before anything
 * changes: a forged one changes nothing.
 *
 * The answer is cloudPay's: `{ errcode: 0 }` once handled, anything else and WeChat calls again.
 */
const HANDLED = { errcode: 0, errmsg: '' } as const;
const notHandled = (errmsg: string) => ({ errcode: 1, errmsg });

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';

/** A payment result: `outTradeNo` and `returnCode` at the top level (the function named in unifiedOrder). */
export const isCloudPayPayment = (e: Record<string, unknown>) => 'returnCode' in e && 'outTradeNo' in e && 'transactionId' in e && !('outRefundNo' in e);

/** A refund result: `returnCode` with the refund's fields flat or under `reqInfo`. */
export const isCloudPayRefund = (e: Record<string, unknown>) => 'returnCode' in e && (isObject(e.reqInfo) ? 'outRefundNo' in e.reqInfo : 'outRefundNo' in e);

/** Defence in depth: the transport routes only identity-less events here; a signed-in caller is refused. */
function requireNoCaller(ctx: CommandContext): void {
  if (ctx.caller.kind === 'user') throw new AppError('FORBIDDEN', 'a client call is never a payment callback');
}

export const cloudPayNotifyCommand = defineCommand({
  name: 'order.cloudPayNotify',
  roles: 'public',
  input: z.unknown(),
  rawResponse: true,
  cloudbaseEvent: isCloudPayPayment,
  async run(ctx, event) {
    requireNoCaller(ctx);
    // The same path as /pay/notify: the port (cloudPay) confirms it with queryOrder, then it is applied once.
    const res = await receivePaymentNotification(ctx.deps, { headers: {}, body: JSON.stringify(event) });
    if (res.status === 200) return HANDLED;
    logger.warn('cloudPay payment callback not applied', { status: res.status });
    return notHandled('not applied');
  },
});

export const cloudPayRefundNotifyCommand = defineCommand({
  name: 'order.cloudPayRefundNotify',
  roles: 'public',
  input: z.unknown(),
  rawResponse: true,
  cloudbaseEvent: isCloudPayRefund,
  async run(ctx, event) {
    requireNoCaller(ctx);
    // Confirmed with queryRefund (the port answers WeChat's state, never the event's) and recorded once.
    const res = await receiveRefundNotification(ctx.deps, { headers: {}, body: JSON.stringify(event) });
    if (res.status === 200) return HANDLED;
    // Forged or malformed: nothing changed; answering "handled" stops a forger's retries, a real
    // callback WeChat could not confirm yet is picked up by the refunds job's queryRefund.
    if (res.status === 400 || res.status === 401) {
      logger.warn('cloudPay refund callback refused', { status: res.status });
      return HANDLED;
    }
    return notHandled('not recorded');
  },
});

export const cloudPayCallbackCommands = [cloudPayNotifyCommand, cloudPayRefundNotifyCommand];
