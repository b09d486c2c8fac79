import * as z from 'zod/mini';
import { AFTER_SALES_STATUSES } from './model.ts';

/** Output schemas of the staff after-sales commands (documentation and tests only: shared/app/outputs.ts). */
const fen = () => z.int().check(z.minimum(0));
const count = () => z.int().check(z.minimum(0));

export const AfterSalesOut = z.object({
  id: z.string(),
  orderId: z.string(),
  orderShortNo: z.string(),
  communityId: z.string(),
  waveDate: z.string(),
  userId: z.string(),
  leaderId: z.optional(z.string()),
  lines: z.array(z.object({ productId: z.string(), title: z.string(), qty: z.int().check(z.minimum(1)) })),
  reason: z.string(),
  status: z.enum(AFTER_SALES_STATUSES),
  createdAt: z.string(),
  decidedAt: z.optional(z.string()),
  decidedBy: z.optional(z.string()),
  decisionReason: z.optional(z.string()),
  approvedLines: z.optional(z.array(z.object({ productId: z.string(), title: z.string(), qty: z.int().check(z.minimum(1)), amountFen: fen(), commissionFen: z.int() }))),
  refundId: z.optional(z.string()),
  refundFen: z.optional(fen()),
  clawbackFen: z.optional(z.int()),
  pointsTakenBack: z.optional(count()),
  pointsDebt: z.optional(count()),
  reaskedQty: z.optional(z.record(z.string(), count())),
  complaintCounted: z.optional(z.boolean()),
  assistedBy: z.optional(z.string()),
  photos: z.optional(z.array(z.string())),
});

export const afterSalesOutputs = {
  'admin.afterSales': z.object({ items: z.array(AfterSalesOut), nextCursor: z.optional(z.string()) }),
  'admin.decideAfterSales': AfterSalesOut,
};
