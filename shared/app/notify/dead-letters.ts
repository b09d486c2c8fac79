import { ConditionFailed } from '#ports/item-store';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import type { Deps } from '../deps.ts';
import { outboxIndex, outboxKey } from '../outbox.ts';
import { DEAD_INDEX_ATTRS, DEAD_PARTITION } from './keys.ts';
import { entryFromItem, type OutboxEntryView } from './model.ts';

/** Dead letters, newest first, a page at a time. */
export async function listDeadLetters(deps: Deps, input: { limit: number; cursor?: string }): Promise<{ items: OutboxEntryView[]; nextCursor?: string }> {
  const page = await deps.store.query({ index: 'gsi1', pk: DEAD_PARTITION, descending: true, limit: input.limit, cursor: input.cursor });
  return { items: page.items.map(entryFromItem), ...(page.cursor ? { nextCursor: page.cursor } : {}) };
}

/**
 * Puts a dead letter back in the queue, due now with its attempts reset (staff fixed the
 * template id, the user's openid, or waited out an outage). Only a dead entry can be retried.
 */
export async function retryDeadLetter(deps: Deps, id: string): Promise<OutboxEntryView> {
  const now = toBizIso(deps.clock.now());
  try {
    const after = await deps.store.write({
      type: 'update',
      key: outboxKey(id),
      update: {
        set: { status: 'pending', attempts: 0, dueAt: now, retriedAt: now, ...outboxIndex(id, now) },
        remove: [...DEAD_INDEX_ATTRS, 'deadAt', 'claimedUntil'],
      },
      when: [{ op: 'exists' }, { op: 'eq', path: 'status', value: 'dead' }],
    });
    return entryFromItem(after!);
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    const current = await deps.store.get(outboxKey(id));
    if (!current) throw new AppError('NOT_FOUND', `message ${id} not found`);
    throw new AppError('INVALID_STATE', `message ${id} is ${String(current.status)}, not dead`, { status: current.status });
  }
}
