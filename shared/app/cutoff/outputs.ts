import * as z from 'zod/mini';
import { DIMENSIONS, type Dimension } from './keys.ts';

/**
 * Output schemas of the wave reports and the dashboard (documentation and tests only:
 * shared/app/outputs.ts; checked against real answers in test/integration/back-office-outputs.test.ts).
 */
const fen = () => z.int().check(z.minimum(0));
const count = () => z.int().check(z.minimum(0));
const WAVE_STATUS = z.enum(['OPEN', 'CLOSING', 'CLOSED']);

/** Shortage columns (缺货): present on every line, supplier and total once the list is read with its shortages. */
const shortage = { shortQty: z.optional(count()), deliverQty: z.optional(count()) };

export const PurchaseListOut = z.object({
  date: z.string(),
  suppliers: z.array(
    z.object({
      supplierId: z.string(),
      lines: z.array(
        z.object({ productId: z.string(), title: z.string(), qty: count(), costFen: z.optional(fen()), costAmountFen: z.optional(fen()), salesFen: fen(), ...shortage }),
      ),
      qty: count(),
      costAmountFen: fen(),
      salesFen: fen(),
      ...shortage,
    }),
  ),
  qty: count(),
  costAmountFen: fen(),
  salesFen: fen(),
  ...shortage,
});

/** One community's pick list: product totals and one label per order (masked name, phone tail; never the phone or the pickup code). */
export const PickListOut = z.object({
  communityId: z.string(),
  name: z.string(),
  products: z.array(z.object({ productId: z.string(), title: z.string(), qty: count() })),
  labels: z.array(z.object({ shortNo: z.string(), contactName: z.string(), phoneTail: z.string(), lines: z.array(z.object({ title: z.string(), qty: count() })) })),
});

export const PickListsOut = z.object({ date: z.string(), lists: z.array(PickListOut), nextCursor: z.optional(z.string()) });

export const RoutesOut = z.object({
  date: z.string(),
  warehouse: z.object({ lat: z.number(), lng: z.number() }),
  routes: z.array(
    z.object({
      routeId: z.string(),
      totalM: count(),
      stops: z.array(z.object({ seq: z.int().check(z.minimum(1)), communityId: z.string(), name: z.string(), legM: count() })),
    }),
  ),
});

export const WaveOut = z.object({
  date: z.string(),
  cutoffAt: z.string(),
  arrivalAt: z.string(),
  status: WAVE_STATUS,
  closedAt: z.optional(z.string()),
  communities: z.array(
    z.object({
      communityId: z.string(),
      name: z.string(),
      routeId: z.optional(z.string()),
      status: WAVE_STATUS,
      closedAt: z.optional(z.string()),
      orders: count(),
      units: count(),
      gmvFen: fen(),
    }),
  ),
  /** Once the wave is cut off. */
  summary: z.optional(
    z.object({
      orders: count(),
      units: count(),
      gmvFen: fen(),
      customers: count(),
      newCustomers: count(),
      communitiesWithOrders: count(),
      purchase: z.object({ suppliers: count(), qty: count(), costAmountFen: fen(), salesFen: fen() }),
    }),
  ),
  warnings: z.array(
    z.object({
      productId: z.string(),
      kind: z.enum(['SOLD_OUT', 'LOW_STOCK', 'OVER_SUPPLIER_CAPACITY']),
      detail: z.object({ orderedQty: count(), remaining: z.optional(z.int()), lowStockThreshold: z.optional(count()), supplierCapacity: z.optional(count()) }),
    }),
  ),
});

const DashboardBucket = z.object({
  gmvFen: fen(),
  orders: count(),
  units: count(),
  customers: count(),
  newCustomers: count(),
  /** (customers − new) ÷ customers, 4 decimals; 0 without customers. */
  repurchaseRate: z.number().check(z.minimum(0), z.maximum(1)),
});

export const DashboardOut = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.optional(z.enum([...DIMENSIONS, 'district'] as unknown as [string, ...string[]])),
  /** With `groupBy`: one bucket per group (`key`: the group's id, `name` when it has one). */
  groups: z.optional(z.array(z.extend(DashboardBucket, { key: z.string(), name: z.optional(z.string()) }))),
  totals: DashboardBucket,
  days: z.array(z.extend(DashboardBucket, { date: z.string() })),
  /** Orders and sales (paid fen) by the leader of the share scene they were placed through, most sales first. */
  attributed: z.optional(z.array(z.object({ leaderId: z.string(), name: z.optional(z.string()), orders: z.int(), gmvFen: z.int() }))),
});

export const cutoffOutputs = {
  'cutoff.purchaseList': PurchaseListOut,
  'cutoff.pickLists': PickListsOut,
  'cutoff.routes': RoutesOut,
  'admin.wave': WaveOut,
  'admin.dashboard': DashboardOut,
};
