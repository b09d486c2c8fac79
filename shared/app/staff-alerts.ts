import type { MessageKey, MessagePayload } from '#domain/messages';
import type { WriteOp } from '#ports/item-store';
import type { Deps } from './deps.ts';
import { outboxOp } from './outbox.ts';

/**
 * Pushes to staff through the outbox, one entry per configured staff openid (STAFF_OPENIDS), in
 * the caller's transaction. `dedupe` names the event, so a repeated change queues nothing new.
 */
export function staffAlertOps<K extends MessageKey>(deps: Deps, message: { key: K; payload: MessagePayload<K>; dedupe: string }): WriteOp[] {
  return [...new Set(deps.staffOpenids)].map((touser) => outboxOp(deps, { key: message.key, touser, payload: message.payload, dedupe: `${message.dedupe}#${touser}` }));
}
