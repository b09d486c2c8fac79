import type { Key } from '#ports/item-store';

/**
 * The keys shared by several use cases (DESIGN.md §4); an area's own items have their keys in
 * its keys.ts (cutoff, notify, settle, verify, after-sales), and nothing else spells a key.
 * Orders live in their community's partition; GSI1 overloads "list by owner / by type", GSI2 is
 * sparse and holds what a job must find when it falls due (unpaid orders by payBy, arrived
 * orders by deadline, the outbox).
 */
export const keys = {
  community: (id: string): Key => ({ pk: `C#${id}`, sk: 'META' }),
  communityWave: (communityId: string, date: string): Key => ({ pk: `C#${communityId}`, sk: `WAVE#${date}` }),
  /** One of a wave's gate shards: what a transaction needing the wave open checks (shared/app/waves.ts). */
  waveGate: (communityId: string, date: string, shard: number): Key => ({ pk: `C#${communityId}`, sk: `WAVE#${date}#GATE#${shard}` }),
  order: (communityId: string, date: string, orderId: string): Key => ({ pk: `C#${communityId}`, sk: `O#${date}#${orderId}` }),
  ordersOfWave: (communityId: string, date: string) => ({ pk: `C#${communityId}`, prefix: `O#${date}#` }),
  ordersOfCommunity: (communityId: string) => ({ pk: `C#${communityId}`, prefix: 'O#' }),
  /** A community's orders of the waves from `fromDate` (every wave when absent) through `throughDate`. */
  ordersOfWavesThrough: (communityId: string, fromDate: string | undefined, throughDate: string) => ({
    pk: `C#${communityId}`,
    from: fromDate ? `O#${fromDate}` : 'O#',
    to: `O#${throughDate}#\uffff`,
  }),
  pickupCode: (communityId: string, code: string): Key => ({ pk: `C#${communityId}`, sk: `CODE#${code}` }),
  /** Locates an order by id alone (order.get, payment notifications). */
  orderRef: (orderId: string): Key => ({ pk: `OREF#${orderId}`, sk: 'REF' }),

  product: (id: string): Key => ({ pk: `P#${id}`, sk: 'META' }),
  waveStock: (productId: string, date: string, shard?: number): Key => ({
    pk: `P#${productId}`,
    sk: shard === undefined ? `STOCK#${date}` : `STOCK#${date}#${shard}`,
  }),
  flashStock: (productId: string, saleId: string, shard: number): Key => ({ pk: `P#${productId}`, sk: `FLASH#${saleId}#${shard}` }),

  user: (userId: string): Key => ({ pk: `U#${userId}`, sk: 'PROFILE' }),
  /** Everything in a customer's partition (profile, roles, coupons, quota, limits, counters). */
  userItems: (userId: string) => ({ pk: `U#${userId}` }),
  userRoles: (userId: string) => ({ pk: `U#${userId}`, prefix: 'R#' }),
  leaderRole: (userId: string): Key => ({ pk: `U#${userId}`, sk: 'R#LEADER' }),
  staffRole: (userId: string): Key => ({ pk: `U#${userId}`, sk: 'R#STAFF' }),
  userLimit: (userId: string, scope: string, productId: string): Key => ({ pk: `U#${userId}`, sk: `LIMIT#${scope}#${productId}` }),
  userCoupon: (userId: string, couponId: string): Key => ({ pk: `U#${userId}`, sk: `CPN#${couponId}` }),
  userCoupons: (userId: string) => ({ pk: `U#${userId}`, prefix: 'CPN#' }),
  quota: (userId: string, templateId: string): Key => ({ pk: `U#${userId}`, sk: `QUOTA#${templateId}` }),

  coupon: (id: string): Key => ({ pk: `CPN#${id}`, sk: 'META' }),
  supplier: (id: string): Key => ({ pk: `S#${id}`, sk: 'META' }),

  idempotency: (userId: string, requestId: string): Key => ({ pk: `REQ#${userId}#${requestId}`, sk: 'REQ' }),
  /** The customer's count of unpaid orders (at most 3 at once). */
  unpaidOrders: (userId: string): Key => ({ pk: `U#${userId}`, sk: 'UNPAID' }),
  /** Refunds still PROCESSING, by creation time, for the refunds poll job. */
  refundPoll: (at: string, refundId: string): Key => ({ pk: 'JOB#refund-poll', sk: `${at}#${refundId}` }),
  /** Refunds that ended ABNORMAL or CLOSED, listed for staff. */
  refundIssue: (status: 'ABNORMAL' | 'CLOSED', at: string, refundId: string): Key => ({ pk: `REFUNDS#${status}`, sk: `${at}#${refundId}` }),

  leader: (id: string): Key => ({ pk: `L#${id}`, sk: 'META' }),
  leaderBalance: (id: string): Key => ({ pk: `L#${id}`, sk: 'BAL' }),
  leaderEntry: (id: string, ts: string, entryId: string): Key => ({ pk: `L#${id}`, sk: `E#${ts}#${entryId}` }),
  leaderStatement: (id: string, period: string): Key => ({ pk: `L#${id}`, sk: `STMT#${period}` }),
  leaderWithdrawal: (id: string, withdrawalId: string): Key => ({ pk: `L#${id}`, sk: `WD#${withdrawalId}` }),

  waveReport: (date: string, part: string): Key => ({ pk: `W#${date}`, sk: part }),
  waveReports: (date: string, prefix: string) => ({ pk: `W#${date}`, prefix }),

  outboxEntry: (id: string): Key => ({ pk: `MSG#${id}`, sk: 'MSG' }),

  /** Jobs' own progress records (checkpoints, last run). */
  job: (name: string, scope: string): Key => ({ pk: `JOB#${name}`, sk: scope }),
  jobItems: (name: string) => ({ pk: `JOB#${name}` }),
} as const;

export type ItemType = 'community' | 'product' | 'leader' | 'coupon' | 'supplier';

/** GSI1 partitions used to list things by type (communities, products, leaders, coupons). */
export const typeIndex = (type: ItemType, id: string) => ({
  gsi1pk: `T#${type}`,
  gsi1sk: id,
});

/** Every item of a type (GSI1 `T#<type>`). */
export const allOfType = (type: ItemType) => ({ index: 'gsi1' as const, pk: `T#${type}` });

/** GSI1 lists a customer's orders newest first: `U#<userId>` / `O#<createdAt>#<orderId>`. */
export const userOrderIndex = (userId: string, createdAt: string, orderId: string) => ({ gsi1pk: `U#${userId}`, gsi1sk: `O#${createdAt}#${orderId}` });
export const ordersOfUser = (userId: string) => ({ index: 'gsi1' as const, pk: `U#${userId}`, prefix: 'O#' });

/** GSI2 partitions of what falls due: unpaid orders by payBy, and queued pushes by dueAt. */
export const pendingPartition = (shard: number) => `PENDING#${shard}`;
export const outboxPartition = (shard: number) => `OUTBOX#${shard}`;

/** The one hash that spreads ids over shards (unpaid and arrived orders, the outbox, finance counters). */
export function shardOf(id: string, shards: number): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % shards;
}
