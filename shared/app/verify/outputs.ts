import * as z from 'zod/mini';
import { OrderView } from '../orders/outputs.ts';

/** Output schemas of the pickup commands (documentation and tests only: shared/app/outputs.ts). */
export const LeaderOrders = z.object({
  waveDate: z.string(),
  /** What is listed, cancelled orders aside: order count and product totals. */
  summary: z.object({ orders: z.int(), items: z.array(z.object({ productId: z.string(), title: z.string(), qty: z.int() })) }),
  items: z.array(OrderView),
});

export const Arrival = z.object({ arrived: z.int(), pickupDeadline: z.string(), freshPickupDeadline: z.optional(z.string()) });

export const verifyOutputs = {
  'verify.orders': LeaderOrders,
  'verify.redeem': OrderView,
  'verify.arrival': Arrival,
};
