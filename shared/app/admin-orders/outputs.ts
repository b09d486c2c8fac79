import * as z from 'zod/mini';
import { OrderView } from '../orders/outputs.ts';

/** Output schemas of the staff order, shortage and audit commands (documentation and tests only: shared/app/outputs.ts). */
const fen = () => z.int().check(z.minimum(0));

/** The staff view: masked contact (name, phone tail), no pickup code; the customer id and the units refunded. */
export const StaffOrder = z.extend(OrderView, {
  userId: z.string(),
  confirmedAt: z.optional(z.string()),
  cancelledAt: z.optional(z.string()),
  refundedQty: z.optional(z.record(z.string(), z.int())),
});

export const StaffOrderDetail = z.extend(StaffOrder, {
  timeline: z.array(z.object({ at: z.string(), event: z.string(), by: z.optional(z.string()) })),
});

export const AuditPage = z.object({
  items: z.array(
    z.object({
      at: z.string(),
      actor: z.string(),
      command: z.string(),
      target: z.string(),
      changes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    }),
  ),
  nextCursor: z.optional(z.string()),
});

export const ShortageReport = z.object({
  refunded: z.array(z.object({ orderId: z.string(), qty: z.int().check(z.minimum(1)), refundFen: fen() })),
  remainingShortQty: z.int().check(z.minimum(0)),
});

export const adminOrderOutputs = {
  'admin.orders': z.object({ items: z.array(StaffOrder), nextCursor: z.optional(z.string()) }),
  'admin.order': StaffOrderDetail,
  'admin.refundOrder': StaffOrder,
  'admin.cancelOrder': StaffOrder,
  'admin.audit': AuditPage,
  'cutoff.shortage': ShortageReport,
};
