import * as z from 'zod/mini';
import { SUPPLIER_CHANNELS } from './suppliers.ts';

/** Output schemas of the supply commands (documentation and tests only: shared/app/outputs.ts). */
const count = () => z.int().check(z.minimum(0));
const fen = () => z.int().check(z.minimum(0));
const PO_STATUS = z.enum(['SENT', 'CONFIRMED', 'RECEIVED']);

export const SupplierOut = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.enum(SUPPLIER_CHANNELS),
  contactName: z.string(),
  phoneTail: z.string(),
  leadDays: count(),
  capacity: z.optional(z.record(z.string(), count())),
  status: z.enum(['active', 'inactive']),
  updatedAt: z.string(),
});

export const PurchaseOrderOut = z.object({
  id: z.string(),
  date: z.string(),
  supplierId: z.string(),
  supplierName: z.optional(z.string()),
  status: PO_STATUS,
  lines: z.array(z.object({ productId: z.string(), title: z.string(), qty: count(), productOrderedQty: count(), costFen: z.optional(fen()), amountFen: z.optional(fen()) })),
  qty: count(),
  amountFen: fen(),
  createdAt: z.string(),
  history: z.array(z.object({ status: PO_STATUS, at: z.string(), by: z.string() })),
  received: z.optional(z.array(z.object({ productId: z.string(), receivedQty: count(), rejectedQty: count(), acceptedQty: count(), grade: z.optional(z.string()) }))),
  receiveRequestId: z.optional(z.string()),
  receivedAt: z.optional(z.string()),
  shortages: z.optional(z.array(z.object({ productId: z.string(), qty: count(), requestId: z.string() }))),
});

const Refunds = z.array(
  z.object({
    productId: z.string(),
    shortQty: count(),
    refunded: z.array(z.object({ orderId: z.string(), qty: count(), refundFen: fen() })),
    remainingShortQty: count(),
  }),
);

export const supplyOutputs: Record<string, z.ZodMiniType> = {
  'admin.suppliers': z.array(SupplierOut),
  'admin.createSupplier': SupplierOut,
  'admin.updateSupplier': SupplierOut,
  'admin.supplierQuality': z.array(z.object({ supplierId: z.string(), receivedQty: count(), rejectedQty: count(), defectRate: z.number().check(z.minimum(0), z.maximum(1)), qualityAfterSales: count() })),
  'cutoff.purchaseOrders': z.object({ date: z.string(), purchaseOrders: z.array(PurchaseOrderOut) }),
  'cutoff.purchaseOrderStatus': z.extend(PurchaseOrderOut, { refunds: z.optional(Refunds) }),
  'cutoff.receive': z.extend(PurchaseOrderOut, { refunds: Refunds }),
};
