import type { Item, Key } from '#ports/item-store';
import type { Order } from '../orders/model.ts';
import type { PickedUpOrder } from '../verify/redeem.ts';

export type AfterSalesStatus = 'PENDING' | 'APPROVED' | 'REJECTED';
export const AFTER_SALES_STATUSES = ['PENDING', 'APPROVED', 'REJECTED'] as const satisfies readonly AfterSalesStatus[];

/** A customer's after-sales request (售后) and, once decided, what was refunded. */
export interface AfterSales {
  id: string;
  orderId: string;
  orderShortNo: string;
  communityId: string;
  waveDate: string;
  userId: string;
  /** The leader who verified the pickup: their commission is clawed back, their complaints counted. */
  leaderId?: string;
  lines: { productId: string; title: string; qty: number }[];
  reason: string;
  status: AfterSalesStatus;
  createdAt: string;
  decidedAt?: string;
  decidedBy?: string;
  decisionReason?: string;
  /** Approved units with the refunded amount and the commission clawed back for each. */
  approvedLines?: { productId: string; title: string; qty: number; amountFen: number; commissionFen: number }[];
  refundId?: string;
  refundFen?: number;
  clawbackFen?: number;
  pointsTakenBack?: number;
}

/** The after-sales state kept on the order; `afterSalesRev` guards every change (optimistic lock by condition). */
export type OrderWithAfterSales = PickedUpOrder & {
  /** Units asked in pending or approved requests, per product (a customer cannot ask twice for a unit). */
  claimedQty?: Record<string, number>;
  /** Units refunded through after-sales, per product (units are refunded in order, never twice). */
  refundedQty?: Record<string, number>;
  afterSalesRefundedFen?: number;
  pointsTakenBack?: number;
  afterSalesRev?: number;
};

/** Item: pk `AS#<id>`, sk `AS`; GSI1 `AS#<status>` / `<createdAt>#<id>` lists them by status for staff. */
export const afterSalesKey = (id: string): Key => ({ pk: `AS#${id}`, sk: 'AS' });
export const afterSalesIndex = (a: Pick<AfterSales, 'status' | 'createdAt' | 'id'>) => ({ gsi1pk: `AS#${a.status}`, gsi1sk: `${a.createdAt}#${a.id}` });

/**
 * After-sales complaints per leader and month (`L#<leaderId>` / `COMPLAINTS#<YYYY-MM>`, `count`),
 * incremented when a request is created; the leader review reads it (settings review.maxMonthlyComplaints).
 */
export const complaintsKey = (leaderId: string, month: string): Key => ({ pk: `L#${leaderId}`, sk: `COMPLAINTS#${month}` });

export function afterSalesFromItem({ pk, sk, gsi1pk, gsi1sk, ...rest }: Item): AfterSales {
  return rest as unknown as AfterSales;
}

/** The condition that the order's after-sales state is still the one read. */
export const sameRevision = (order: OrderWithAfterSales) =>
  order.afterSalesRev === undefined ? ({ op: 'attrNotExists', path: 'afterSalesRev' } as const) : ({ op: 'eq', path: 'afterSalesRev', value: order.afterSalesRev } as const);

/** Total ordered units of a product (it may sit on several lines). */
export const orderedQty = (order: Pick<Order, 'lines'>, productId: string) =>
  order.lines.filter((l) => l.productId === productId).reduce((a, l) => a + l.qty, 0);

/** Merges repeated products of an input into one entry each, keeping the first position. */
export function mergeLines(lines: readonly { productId: string; qty: number }[]): { productId: string; qty: number }[] {
  const out = new Map<string, number>();
  for (const l of lines) out.set(l.productId, (out.get(l.productId) ?? 0) + l.qty);
  return [...out].map(([productId, qty]) => ({ productId, qty }));
}
