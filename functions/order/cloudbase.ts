import { createCloudbaseMain } from '#wiring/cloudbase';
import { cloudPayGateway } from '#wiring/cloudbase';
import { CLOUD_PAY_CALLBACK_ANSWER } from '#adapters/cloudbase/cloud-pay';
import { applyPayment } from '#app/orders/pay';
import { markRefundResult } from '#app/orders/refunds';
import { logger } from '#platform/logger';
import { orderModule } from './module.ts';
import { cloudbaseDeps } from '#wiring/cloudbase';

const actions = createCloudbaseMain(orderModule);
const getDeps = cloudbaseDeps();

/** A cloudPay refund result callback (refunds name this function too): fields flat or under reqInfo. */
const refundOf = (e: any): Record<string, unknown> | undefined => {
  if (!e || typeof e !== 'object' || 'action' in e || !('returnCode' in e)) return undefined;
  const info = e.reqInfo && typeof e.reqInfo === 'object' ? e.reqInfo : e;
  return 'outRefundNo' in info ? info : undefined;
};

/** A cloudPay payment callback (the function named in unifiedOrder), not a mini-program call. */
const isPayCallback = (e: any) => !!e && typeof e === 'object' && 'outTradeNo' in e && 'returnCode' in e && !('action' in e);

/**
 * CloudBase entry of the order function: mini-program actions, the expire timer, and cloudPay's
 * payment callback, which must answer `{ errcode: 0 }` once the payment is applied (or WeChat
 * calls again). A callback WeChat Pay does not confirm changes nothing.
 */
export const main = async (event: unknown, context: unknown) => {
  const refund = refundOf(event);
  if (refund) {
    // Acknowledge, or WeChat calls again for two days; the refund's state is recorded once.
    try {
      await markRefundResult(await getDeps(), String(refund.outTradeNo), String(refund.outRefundNo), refund.refundStatus === 'SUCCESS');
    } catch (e) {
      logger.warn('cloudPay refund callback not recorded', { error: e instanceof Error ? e.name : 'unknown' });
    }
    return CLOUD_PAY_CALLBACK_ANSWER;
  }
  if (!isPayCallback(event)) return actions(event, context);
  try {
    const deps = await getDeps();
    const notice = await (await cloudPayGateway()).confirmCallback(event);
    await applyPayment(deps, notice);
    return CLOUD_PAY_CALLBACK_ANSWER;
  } catch (e) {
    logger.warn('cloudPay callback not applied', { error: e instanceof Error ? e.name : 'unknown' });
    return { errcode: 1, errmsg: 'not applied' };
  }
};
