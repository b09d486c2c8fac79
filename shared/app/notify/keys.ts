import type { Key } from '#ports/item-store';
import { keys, outboxPartition } from '../keys.ts';

/**
 * Keys of the notify function's own items (the shared builders live in app/keys.ts).
 *
 * - Quota: one counter per user (openid) and template id, `U#<userId>` / `QUOTA#<templateId>`,
 *   attribute `count` (keys.quota).
 * - Dead letters sit in the GSI1 partition `DEAD` sorted by `<deadAt>#<id>`, so staff list them
 *   newest first without a scan; retrying one removes it from there.
 * - The local sink's "sent" pushes are items under `DEV_SINK_PARTITION` (#ports/message-sender).
 */
/** The GSI2 partition of one outbox shard; the same partitions outbox.ts writes (`outboxIndex`). */
export { outboxPartition };

export const quotaKey = (userId: string, templateId: string): Key => keys.quota(userId, templateId);

export const DEAD_PARTITION = 'DEAD';

export const deadIndex = (deadAt: string, id: string) => ({ gsi1pk: DEAD_PARTITION, gsi1sk: `${deadAt}#${id}` });

/** GSI attributes of each outbox state, removed when the entry leaves that state. */
export const QUEUE_INDEX_ATTRS = ['gsi2pk', 'gsi2sk'];
export const DEAD_INDEX_ATTRS = ['gsi1pk', 'gsi1sk'];
