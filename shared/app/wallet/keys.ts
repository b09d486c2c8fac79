import type { Key } from '#ports/item-store';

/**
 * The wallet's, membership's and levels' items (DESIGN.md §12). A customer's wallet, ledger,
 * recharges and membership orders live in the customer's partition (`U#<userId>`, so export and
 * erasure find them); a payment's out_trade_no names a recharge (`RC…`) or a membership order
 * (`MB…`), whose reference item finds its customer; growth is counted per month in one
 * partition per month, so the monthly job reads 12 partitions.
 */
export const walletKeys = {
  wallet: (userId: string): Key => ({ pk: `U#${userId}`, sk: 'WALLET' }),
  /** Immutable ledger entries; the entry id is its cause (`pay-<orderId>`, `back-<refundId>`, `rch-<rechargeId>`…), so each happens once. */
  entry: (userId: string, entryId: string): Key => ({ pk: `U#${userId}`, sk: `WL#${entryId}` }),
  entries: (userId: string) => ({ pk: `U#${userId}`, prefix: 'WL#' }),
  recharge: (userId: string, id: string): Key => ({ pk: `U#${userId}`, sk: `RCH#${id}` }),
  recharges: (userId: string) => ({ pk: `U#${userId}`, prefix: 'RCH#' }),
  membershipOrder: (userId: string, id: string): Key => ({ pk: `U#${userId}`, sk: `MBO#${id}` }),
  /** A recharge's or membership order's id → its customer. */
  tradeRef: (id: string): Key => ({ pk: `TREF#${id}`, sk: 'REF' }),
  request: (userId: string, requestId: string): Key => ({ pk: `WREQ#${userId}#${requestId}`, sk: 'REQ' }),
  /** Growth value earned in a month (YYYY-MM) by a customer. */
  growth: (month: string, userId: string): Key => ({ pk: `GROWTH#${month}`, sk: userId }),
  growthOfMonth: (month: string) => ({ pk: `GROWTH#${month}` }),
  /** The growth an order's pickup earned (and what refunds took back). */
  orderGrowth: (userId: string, orderId: string): Key => ({ pk: `U#${userId}`, sk: `GRO#${orderId}` }),
  /** A give-back of growth by a refund, once per refund. */
  growthBack: (userId: string, refundId: string): Key => ({ pk: `U#${userId}`, sk: `GROB#${refundId}` }),
  /** The customer's evaluated level. */
  level: (userId: string): Key => ({ pk: `U#${userId}`, sk: 'LEVEL' }),
  /** The monthly level evaluation's record of a month (done once). */
  levelRun: (month: string): Key => ({ pk: 'JOB#levels', sk: `M#${month}` }),
  /** A monthly coupon granted for a month (once). */
  monthlyCoupon: (userId: string, month: string): Key => ({ pk: `U#${userId}`, sk: `LVCPN#${month}` }),
  /** Wallet credits whose write failed after their cause committed: retried by the expire job. */
  parked: (entryId: string): Key => ({ pk: 'JOB#wallet-credit', sk: entryId }),
  parkedAll: () => ({ pk: 'JOB#wallet-credit' }),
} as const;

export const RECHARGE_PREFIX = 'RC';
export const MEMBERSHIP_PREFIX = 'MB';

/** Whether a payment's out_trade_no is a recharge or membership order (order ids are ULIDs, starting with a digit). */
export const isWalletTrade = (id: string) => id.startsWith(RECHARGE_PREFIX) || id.startsWith(MEMBERSHIP_PREFIX);
