import { createCloudbaseMain } from '#platform/cloudbase-entry';
import { cloudPayGateway } from '#platform/cloudbase-runtime';
import { CLOUD_PAY_CALLBACK_ANSWER } from '#adapters/cloudbase/cloud-pay';
import { applyPayment } from '#app/orders/pay';
import { logger } from '#platform/logger';
import { orderModule } from './module.ts';
import { cloudbaseDeps } from '#platform/cloudbase-runtime';

const actions = createCloudbaseMain(orderModule);
const getDeps = cloudbaseDeps();

/** A cloudPay payment callback (the function named in unifiedOrder), not a mini-program call. */
const isPayCallback = (e: any) => !!e && typeof e === 'object' && 'outTradeNo' in e && 'returnCode' in e && !('action' in e);

/**
 * CloudBase entry of the order function: mini-program actions, the expire timer, and cloudPay's
 * payment callback, which must answer `{ errcode: 0 }` once the payment is applied (or WeChat
 * calls again). A callback WeChat Pay does not confirm changes nothing.
 */
export const main = async (event: unknown, context: unknown) => {
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
