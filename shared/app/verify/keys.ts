import type { Key } from '#ports/item-store';
import { shardOf } from '../keys.ts';

/**
 * Keys of the verify function's own items (the shared builders live in app/keys.ts).
 *
 * - ARRIVED orders sit in the sparse GSI2 partition `ARRIVED#<shard>` sorted by
 *   `<pickupDeadline>#<orderId>` from arrival until pickup or expiry, so the overdue job finds
 *   what falls due without scanning.
 * - Wrong pickup codes are counted per leader and minute (`L#<leaderId>` / `GUESS#<minute>`).
 * - The overdue job writes one return-list item per expired order into the community's
 *   partition (`C#<communityId>` / `RETURN#<date>#<orderId>`), read by `verify.returns`.
 */
export const ARRIVED_SHARDS = 4;

export const arrivedPartition = (shard: number) => `ARRIVED#${shard}`;

export const arrivedIndex = (o: { id: string; pickupDeadline: string }) => ({
  gsi2pk: arrivedPartition(shardOf(o.id, ARRIVED_SHARDS)),
  gsi2sk: `${o.pickupDeadline}#${o.id}`,
});

/** The GSI attributes an order drops when it stops being ARRIVED. */
export const ARRIVED_INDEX_ATTRS = ['gsi2pk', 'gsi2sk'];

export const wrongCodeCounterKey = (leaderId: string, minute: string): Key => ({ pk: `L#${leaderId}`, sk: `GUESS#${minute}` });

export const returnItemKey = (communityId: string, date: string, orderId: string): Key => ({
  pk: `C#${communityId}`,
  sk: `RETURN#${date}#${orderId}`,
});

export const returnsOfDay = (communityId: string, date: string) => ({ pk: `C#${communityId}`, prefix: `RETURN#${date}#` });
