import type { Item } from '#ports/item-store';
import type { Quote } from '#domain/pricing';
import type { BalanceParts } from '#domain/wallet';
import { maskName } from '#domain/masking';
import type { Deps } from '../deps.ts';
import { keys, pendingPartition, shardOf, userOrderIndex } from '../keys.ts';
import { sealedRecord } from '../contacts/sealed.ts';
import { effectiveOne } from './effective.ts';

/** TEAM_PENDING: a paid team order (拼团) waiting for its team to complete (then PAID) or dissolve (then CANCELLED). */
export type OrderStatus = 'PENDING_PAYMENT' | 'PAID' | 'CONFIRMED' | 'ARRIVED' | 'PICKED_UP' | 'DELIVERED' | 'CANCELLED' | 'EXPIRED' | 'TEAM_PENDING';
/** WAVE_CLOSED: a paid order found in a wave after its close (the cutoff's sweep), refunded in full. */
/** MERCHANT: cancelled by staff (POST /admin/orders/{id}/cancel). */
/** TEAM_FULL: paid after its team completed without it; TEAM_FAILED: its team dissolved incomplete (teams/). */
export type CancelReason = 'CUSTOMER' | 'PAYMENT_TIMEOUT' | 'CUTOFF_UNPAID' | 'WAVE_CLOSED' | 'PAYMENT_MISMATCH' | 'MERCHANT' | 'TEAM_FULL' | 'TEAM_FAILED';

export interface OrderLine {
  productId: string;
  title: string;
  qty: number;
  unitPriceFen: number;
  /** What the customer paid for the line after every discount (commission base). */
  paidFen: number;
  fresh: boolean;
  /** The product's commission rate when ordered (0.05–0.15). */
  commissionRate: number;
  supplierId: string;
  flash: boolean;
  /** The flash sale and the shards its units were taken from, to give them back exactly. */
  flashSaleId?: string;
  flashShards?: Record<string, number>;
  /** What placement held for a regular line: limited wave stock, a per-user limit. */
  holds?: ('stock' | 'limit')[];
  /** 2 for a 隔日达 product (arrives two days after the cutoff); absent: 次日达. */
  arrivalDays?: 2;
  /** A 满赠 gift line at 0 fen: the gift whose stock it holds (coupons/gifts.ts). */
  gift?: string;
}

export interface Refund {
  id: string;
  amountFen: number;
  reason: string;
  /** PROCESSING until the gateway's final word: SUCCESS, or ABNORMAL / CLOSED (listed for staff); FAILED: cloudPay's failure. */
  status: 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED' | 'FAILED';
  at: string;
  /** When the final word was recorded. */
  resultAt?: string;
  /** The payment it gives back, when not the order's payable amount (a mismatched payment). */
  totalFen?: number;
  lines?: { productId: string; qty: number; amountFen: number }[];
  /** An order the wallet paid in part: the order value this refund gives back, and its balance part (wallet/balance.ts); `amountFen` is the WeChat part. */
  valueFen?: number;
  balanceFen?: number;
  balance?: BalanceParts;
}

/** The order's amounts, exactly as pricing computed them. */
export type Amounts = Quote['amounts'] & { /** Paid from the wallet (then `payableFen` is the WeChat Pay part). */ balanceFen?: number };

/** The order as stored in its community's partition (C#<communityId> / O#<waveDate>#<id>). */
export interface Order {
  /** An order mixing 次日达 and 隔日达 lines: one delivery per arrival date (shared/app/supply/deliveries.ts). */
  deliveries?: import('#domain/deliveries').Delivery[];
  id: string;
  shortNo: string;
  communityId: string;
  waveDate: string;
  userId: string;
  status: OrderStatus;
  lines: OrderLine[];
  amounts: Amounts;
  couponId?: string;
  pointsUsed: number;
  firstOrder: boolean;
  /** AES-256-GCM sealed `{ name, phone }` (DESIGN.md §5). */
  contactSealed: string;
  /** Masked name and the phone's last four digits, for the leader's lookup and labels. */
  contactMasked: string;
  phoneTail: string;
  requestId: string;
  createdAt: string;
  payBy: string;
  paidAt?: string;
  transactionId?: string;
  pickupCode?: string;
  confirmedAt?: string;
  arrivedAt?: string;
  pickupDeadline?: string;
  pickedUpAt?: string;
  pickedUpBy?: string;
  cancelReason?: CancelReason;
  cancelledAt?: string;
  expiredAt?: string;
  refunds: Refund[];
  /** Bumped by every change of `refunds`, so a status update and an append never both win from one read. */
  refundRev?: number;
  /** Placement holds one of the customer's unpaid-order slots (at most 3) until the order leaves PENDING_PAYMENT. */
  unpaidSlot?: boolean;
  /** Payments whose amount differed from `amounts.payableFen`: recorded, refunded and alerted. */
  paymentMismatches?: { transactionId: string; amountFen: number; at: string }[];
  /** The wallet parts this order took (wallet/balance.ts), given back to their sources. */
  balance?: BalanceParts;
  /** Placed through a share scene: its leader and inviter (shared/app/share/attribution.ts). */
  attribution?: { leaderId?: string; inviterCode?: string };
  /** Home delivery (shared/app/delivery): slot, fee, district and masked detail; the full address is in the sealed contact. */
  delivery?: import('../delivery/pricing.ts').OrderDelivery;
  /** The expected arrival, when staff posted a late notice (`cutoff.late`). */
  arrivalAt?: string;
  /** When a delivery order was handed over (`verify.deliver`; `pickedUpAt` is set too). */
  deliveredAt?: string;
  /** A team order (拼团): its offer and team. */
  team?: { offerId: string; teamId: string };
}

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']);

export function orderFromItem(item: Item): Order {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!META.has(k)) out[k] = v;
  return out as unknown as Order;
}

export const orderKey = (o: Pick<Order, 'communityId' | 'waveDate' | 'id'>) => keys.order(o.communityId, o.waveDate, o.id);

/** GSI1 lists a customer's orders newest first. */
export const orderUserIndex = (o: Pick<Order, 'userId' | 'createdAt' | 'id'>) => userOrderIndex(o.userId, o.createdAt, o.id);

/** GSI2 holds unpaid orders by payBy while they are unpaid, so the expire job finds them. */
export const PENDING_SHARDS = 4;
export const pendingIndex = (o: Pick<Order, 'id' | 'payBy'>) => ({
  gsi2pk: pendingPartition(shardOf(o.id, PENDING_SHARDS)),
  gsi2sk: `${o.payBy}#${o.id}`,
});

/** Finds an order by id alone through its reference item, as it effectively stands (orders/effective.ts). */
export async function findOrder(deps: Deps, orderId: string): Promise<Order | undefined> {
  const ref = await deps.store.get(keys.orderRef(orderId));
  if (!ref) return undefined;
  const item = await deps.store.get(keys.order(String(ref.communityId), String(ref.waveDate), orderId));
  return item ? effectiveOne(deps, orderFromItem(item)) : undefined;
}

export type Viewer = 'owner' | 'leader' | 'staff';

/**
 * The pickup code as a QR payload (the mini-program draws it): `GB1:<communityId>:<code>`. The
 * leader's scanner reads it and sends `{ communityId, code }` to `POST /verify/redeem`.
 */
export const pickupQrPayload = (communityId: string, code: string) => `GB1:${communityId}:${code}`;

/**
 * The API shape of an order (API.md): the owner sees the contact in full, a leader the masked
 * name and the phone's last four digits.
 */
export function orderView(deps: Deps, o: Order, viewer: Viewer) {
  let contact: Record<string, string | null>;
  // Erased (account deleted) or past retention: no sealed contact; what is left of it, else nulls.
  if (viewer === 'leader' || !o.contactSealed) contact = { name: o.contactMasked ?? null, phoneTail: o.phoneTail ?? null };
  else {
    try {
      contact = JSON.parse(deps.contacts.decrypt(o.contactSealed, sealedRecord.orderContact(o.id))) as Record<string, string>;
    } catch {
      contact = { name: o.contactMasked ?? null, phoneTail: o.phoneTail ?? null };
    }
  }
  return {
    id: o.id,
    shortNo: o.shortNo,
    communityId: o.communityId,
    waveDate: o.waveDate,
    status: o.status,
    lines: o.lines.map((l) => ({ productId: l.productId, title: l.title, qty: l.qty, unitPriceFen: l.unitPriceFen, paidFen: l.paidFen, ...(l.gift ? { gift: l.gift } : {}) })),
    amounts: o.amounts,
    contact,
    ...(o.pickupCode && viewer === 'owner' && o.status !== 'TEAM_PENDING' ? { pickupCode: o.pickupCode, pickupQr: pickupQrPayload(o.communityId, o.pickupCode) } : {}),
    ...(o.status === 'PENDING_PAYMENT' ? { payBy: o.payBy } : {}),
    ...(o.pickupDeadline ? { pickupDeadline: o.pickupDeadline } : {}),
    ...(o.deliveries ? { deliveries: o.deliveries } : {}), // 次日达/隔日达 (shared/app/supply/deliveries.ts)
    createdAt: o.createdAt,
    ...(o.paidAt ? { paidAt: o.paidAt } : {}),
    ...(o.arrivalAt ? { arrivalAt: o.arrivalAt } : {}),
    ...(o.arrivedAt ? { arrivedAt: o.arrivedAt } : {}),
    ...(o.pickedUpAt ? { pickedUpAt: o.pickedUpAt } : {}),
    ...(o.deliveredAt ? { deliveredAt: o.deliveredAt } : {}),
    ...(o.delivery ? { delivery: o.delivery } : {}),
    ...(o.cancelReason ? { cancelReason: o.cancelReason } : {}),
    ...(o.couponId ? { couponId: o.couponId } : {}),
    pointsUsed: o.pointsUsed,
    refunds: o.refunds ?? [],
    ...(o.team ? { team: o.team } : {}),
  };
}

export const maskContactName = maskName;
