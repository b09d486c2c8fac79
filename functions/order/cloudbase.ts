import { createCloudbaseMain } from '#wiring/cloudbase';
import { orderModule } from './module.ts';

/**
 * CloudBase entry of the order function: mini-program actions, its timers, and cloudPay's
 * payment and refund callbacks (commands `order.cloudPayNotify` / `order.cloudPayRefundNotify`,
 * reached only by events without a client identity).
 */
export const main = createCloudbaseMain(orderModule);
