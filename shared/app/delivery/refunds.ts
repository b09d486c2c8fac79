import type { AfterSalesPlan } from '#domain/after-sales-plan';
import type { Order } from '../orders/model.ts';

/**
 * A delivery order's fee is refunded like a line (DESIGN.md §13): a cancel refunds the whole
 * payable amount, fee included (orders/cancel.ts); an after-sales approval that leaves every unit
 * of the order refunded adds the fee to its refund, once (`deliveryFeeRefunded` is set in the same
 * guarded write as the refund). Partial refunds leave the fee.
 */
export function withDeliveryFeeRefund(order: Order & { deliveryFeeRefunded?: boolean }, plan: AfterSalesPlan): AfterSalesPlan {
  const fee = order.amounts.deliveryFen ?? 0;
  if (plan.status !== 'APPROVED' || fee <= 0 || order.deliveryFeeRefunded) return plan;
  const refunded = (plan.orderSet.refundedQty ?? {}) as Record<string, number>;
  const ordered = new Map<string, number>();
  for (const l of order.lines) ordered.set(l.productId, (ordered.get(l.productId) ?? 0) + l.qty);
  if ([...ordered].some(([productId, qty]) => (refunded[productId] ?? 0) < qty)) return plan;
  return {
    ...plan,
    refund: { amountFen: (plan.refund?.amountFen ?? 0) + fee, lines: plan.refund?.lines ?? [] },
    orderSet: { ...plan.orderSet, deliveryFeeRefunded: true },
  };
}
