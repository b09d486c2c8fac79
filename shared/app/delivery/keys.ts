import type { Key } from '#ports/item-store';

/**
 * The last mile's own items (DESIGN.md §13). Address-book entries and their count live in the
 * customer's partition (`U#<userId>`), so erasure deletes them with it; late notices are
 * recorded per wave and requestId, dispatches per wave and route.
 */
export const addressIndex = (userId: string, addressId: string) => ({ gsi1pk: 'ADDRESSES', gsi1sk: `${userId}#${addressId}` });

export const deliveryKeys = {
  address: (userId: string, addressId: string): Key => ({ pk: `U#${userId}`, sk: `ADDR#${addressId}` }),
  addresses: (userId: string) => ({ pk: `U#${userId}`, prefix: 'ADDR#' }),
  addressCount: (userId: string): Key => ({ pk: `U#${userId}`, sk: 'ADDRCOUNT' }),
  /** Every address-book entry (GSI1 `ADDRESSES`), for `npm run contacts:rekey`'s walk of sealed values. */
  allAddresses: () => ({ index: 'gsi1' as const, pk: 'ADDRESSES' }),
  /** `cutoff.late`'s idempotency record: the input's fingerprint and the first answer. */
  lateRequest: (date: string, requestId: string): Key => ({ pk: `W#${date}`, sk: `LATE#${requestId}` }),
  /** A route's dispatch in a wave (`cutoff.dispatch`), written once. */
  dispatch: (date: string, routeId: string): Key => ({ pk: `W#${date}`, sk: `DISPATCH#${routeId}` }),
};
