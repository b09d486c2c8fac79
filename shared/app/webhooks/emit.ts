import { createHash } from 'node:crypto';
import { queryAll, type WriteOp } from '#ports/item-store';
import { toBizIso } from '#domain/time';
import type { Deps } from '../deps.ts';
import { outboxIndex, outboxKey } from '../outbox.ts';
import { webhookKeys } from './keys.ts';
import { WEBHOOK_RETRY_MS, endpointFromItem, type WebhookEndpoint, type WebhookEvent, type WebhookPayload } from './model.ts';

/** An event as it is posted: `{ id, type, createdAt, data }`. */
export interface WebhookEventBody {
  id: string;
  type: WebhookEvent;
  createdAt: string;
  data: Record<string, unknown>;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_:.-]/g, '_');

/** A stable id of an event: its type and what it is about (`eventKey`, e.g. the order id). */
export const eventIdOf = (type: WebhookEvent, eventKey: string) => `evt_${createHash('sha256').update(`${type}\n${eventKey}`).digest('hex').slice(0, 32)}`;

/** The active endpoints subscribed to `type` (a bounded read: at most MAX_ENDPOINTS). */
export async function subscribedEndpoints(deps: Deps, type: WebhookEvent): Promise<WebhookEndpoint[]> {
  const all = await queryAll(deps.store, webhookKeys.endpoints);
  return all.map(endpointFromItem).filter((e) => e.active && e.events.includes(type));
}

/** The two writes of one delivery: its outbox entry (due now) and its line in the endpoint's delivery list. */
export function deliveryOps(deps: Deps, endpointId: string, event: WebhookEventBody, deliveryId: string): WriteOp[] {
  const now = deps.clock.now();
  const at = toBizIso(now);
  const listSk = webhookKeys.delivery(endpointId, at, deliveryId).sk;
  const payload: WebhookPayload = { eventId: event.id, type: event.type, body: JSON.stringify(event), listSk, giveUpAt: toBizIso(now + WEBHOOK_RETRY_MS) };
  return [
    {
      type: 'put',
      item: {
        ...outboxKey(deliveryId),
        ...outboxIndex(deliveryId, at),
        id: deliveryId,
        channel: 'webhook',
        key: event.type,
        touser: endpointId,
        payload,
        status: 'pending',
        attempts: 0,
        dueAt: at,
        createdAt: at,
      },
      when: [{ op: 'notExists' }],
    },
    { type: 'put', item: { ...webhookKeys.delivery(endpointId, at, deliveryId), deliveryId, eventId: event.id, type: event.type, createdAt: at } },
  ];
}

/**
 * The writes that send event `type` to every subscribed endpoint: add them to the transaction
 * of the change itself (DESIGN.md §14), so a delivery exists exactly when the change does.
 * `eventKey` names what happened (an order id, `<date>#<communityId>`…): the event's id and
 * each delivery's id derive from it, so a repeated change never queues a second delivery.
 * Callers: order.paid (pay.ts), order.refunded (refunds.ts), wave.closed (close-community.ts),
 * withdrawal.paid (withdrawals.ts); purchase_order.created and delivery.late by their features.
 */
export async function webhookEvents(deps: Deps, type: WebhookEvent, data: Record<string, unknown>, eventKey: string = JSON.stringify(data)): Promise<WriteOp[]> {
  const endpoints = await subscribedEndpoints(deps, type);
  if (endpoints.length === 0) return [];
  const event: WebhookEventBody = { id: eventIdOf(type, eventKey), type, createdAt: toBizIso(deps.clock.now()), data };
  return endpoints.flatMap((e) => deliveryOps(deps, e.id, event, safe(`wh#${e.id}#${event.id}`)));
}
