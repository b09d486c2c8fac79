import { toBizIso } from '#domain/time';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import type { Order } from '../orders/model.ts';
import { applyPayment } from '../orders/pay.ts';

/**
 * An order the balance paid wholly becomes PAID at once, through the same transaction a WeChat
 * payment takes (pickup code, leader binding, counters, the wave still open), with a
 * transaction id of its own (`BAL-<orderId>`, so a repeat changes nothing). If it cannot be
 * applied now (the wave is closing), the order stays unpaid and the cutoff or the expire job
 * cancels it, giving the balance back.
 */
export async function payByBalance(deps: Deps, order: Order): Promise<Order> {
  try {
    const paid = await applyPayment(deps, { orderId: order.id, transactionId: `BAL-${order.id}`, amountFen: 0, paidAt: toBizIso(deps.clock.now()), tradeState: 'SUCCESS' });
    return paid ?? order;
  } catch (e) {
    logger.warn('balance payment not applied', { orderId: order.id, error: e instanceof Error ? e.name : 'unknown' });
    return order;
  }
}
