import type { WriteOp } from '#ports/item-store';
import type { MessageKey, MessagePayload } from '#domain/messages';
import { toBizIso } from '#domain/time';
import type { Deps } from './deps.ts';
import { keys, outboxPartition, shardOf } from './keys.ts';

/**
 * The notification outbox (DESIGN.md §8). A state change that should tell someone adds
 * `outboxOp(...)` to its own transaction, so the push is written exactly when the change is.
 * The entry's id is derived from `dedupe` (e.g. `cutoff#<leaderId>#<date>`), so a retried or
 * repeated change never queues a second message.
 *
 * Item: pk `MSG#<id>`, sk `MSG`; while waiting to be sent it sits in the sparse GSI2 partition
 * `OUTBOX#<shard>` sorted by `<dueAt>#<id>` (removed once sent, skipped or dead-lettered).
 */
export const OUTBOX_SHARDS = 4;

export interface OutboxEntry<K extends MessageKey = MessageKey> {
  id: string;
  key: K;
  /** The recipient's openid. */
  touser: string;
  payload: MessagePayload<K>;
  status: 'pending' | 'sending' | 'sent' | 'skipped_no_quota' | 'dead';
  attempts: number;
  dueAt: string;
  createdAt: string;
  lastError?: string;
  sentAt?: string;
}

export const outboxKey = (id: string) => keys.outboxEntry(id);

export const outboxIndex = (id: string, dueAt: string) => ({ gsi2pk: outboxPartition(shardOf(id, OUTBOX_SHARDS)), gsi2sk: `${dueAt}#${id}` });

/** The write that queues a message; put it in the same transaction as the change. */
export function outboxOp<K extends MessageKey>(
  deps: Deps,
  message: { key: K; touser: string; payload: MessagePayload<K>; dedupe: string; dueAt?: number },
): WriteOp {
  const id = message.dedupe.replace(/[^A-Za-z0-9_#:.-]/g, '_');
  const now = deps.clock.now();
  const dueAt = toBizIso(message.dueAt ?? now);
  return {
    type: 'put',
    item: {
      ...outboxKey(id),
      ...outboxIndex(id, dueAt),
      id,
      key: message.key,
      touser: message.touser,
      payload: message.payload,
      status: 'pending',
      attempts: 0,
      dueAt,
      createdAt: toBizIso(now),
    },
    when: [{ op: 'notExists' }],
  };
}
