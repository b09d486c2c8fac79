import type { Item } from '#ports/item-store';
import type { OutboxEntry } from '../outbox.ts';

/** An outbox entry as staff see it (dead letters, retries): the stored fields without keys. */
export interface OutboxEntryView extends OutboxEntry {
  deadAt?: string;
  skippedAt?: string;
  claimedUntil?: string;
}

export function entryFromItem(item: Item): OutboxEntryView {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, expiresAt, ...rest } = item;
  return rest as unknown as OutboxEntryView;
}
