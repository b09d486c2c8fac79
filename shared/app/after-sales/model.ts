import type { Item, Key } from '#ports/item-store';
import type { Order } from '../orders/model.ts';
import type { PickedUpOrder } from '../verify/redeem.ts';
import type { AfterSalesState } from '#domain/after-sales-plan';

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
  /** Points taken from the customer's balance (never below zero)… */
  pointsTakenBack?: number;
  /** …and the rest, recorded as the customer's `pointsDebt` when the balance held too few. */
  pointsDebt?: number;
  /** Units of this request, per product, that had been rejected once before (a second rejection closes them). */
  reaskedQty?: Record<string, number>;
  /** True when this approval counted the order's complaint against the leader (once per order). */
  complaintCounted?: boolean;
  /** Filed by this leader on the customer's behalf (the customer confirmed it), with their photos. */
  assistedBy?: string;
  photos?: string[];
}

/** An order with its after-sales state (the fields are declared once, in the domain's plan). */
export type OrderWithAfterSales = PickedUpOrder & AfterSalesState;

/** Item: pk `AS#<id>`, sk `AS`; GSI1 `AS#<status>` / `<createdAt>#<id>` lists them by status for staff. */
export const afterSalesKey = (id: string): Key => ({ pk: `AS#${id}`, sk: 'AS' });
export const afterSalesIndex = (a: Pick<AfterSales, 'status' | 'createdAt' | 'id'>) => ({ gsi1pk: `AS#${a.status}`, gsi1sk: `${a.createdAt}#${a.id}` });
export const afterSalesByStatus = (status: AfterSalesStatus) => ({ index: 'gsi1' as const, pk: `AS#${status}` });

/**
 * After-sales complaints per leader and month (`L#<leaderId>` / `COMPLAINTS#<YYYY-MM>`, `count`),
 * the one complaints key: incremented once per order, by the first APPROVED request of it, in
 * the month of the approval; the leader review reads it (settings review.maxMonthlyComplaints).
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

/** Units of a product the customer may still ask for: ordered, less those asked (pending or approved) and those rejected twice. */
export const askableQty = (order: OrderWithAfterSales, productId: string) =>
  orderedQty(order, productId) - (order.claimedQty?.[productId] ?? 0) - (order.closedQty?.[productId] ?? 0);

/** Merging repeated products of an input and the rejection bookkeeping are pure rules of the domain's after-sales plan. */
export { mergeLines } from '#domain/after-sales-plan';
