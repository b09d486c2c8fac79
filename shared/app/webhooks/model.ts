import type { Item } from '#ports/item-store';

/** The events a webhook endpoint may subscribe to (API.md "Supply and integrations"). */
export const WEBHOOK_EVENTS = ['order.paid', 'order.refunded', 'wave.closed', 'purchase_order.created', 'delivery.late', 'withdrawal.paid'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** At most this many endpoints: each event's write carries one delivery per subscribed endpoint. */
export const MAX_ENDPOINTS = 10;

/** A delivery is retried this long after it was written, then dead-lettered. */
export const WEBHOOK_RETRY_MS = 24 * 3600_000;
/** After a rotation the previous secret also signs deliveries this long. */
export const PREVIOUS_SECRET_MS = 24 * 3600_000;

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEvent[];
  active: boolean;
  /** Sealed (the contact cipher, bound to the endpoint id); never shown after creation or rotation. */
  secretSealed: string;
  previousSecretSealed?: string;
  previousSecretUntil?: string;
  createdAt: string;
  updatedAt: string;
}

export const endpointFromItem = (it: Item): WebhookEndpoint => {
  const { pk, sk, ...rest } = it;
  return rest as unknown as WebhookEndpoint;
};

/** What staff see of an endpoint: never a secret. */
export const endpointView = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  events: e.events,
  active: e.active,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
  ...(e.previousSecretUntil ? { previousSecretUntil: e.previousSecretUntil } : {}),
});

/** The payload of a delivery's outbox entry (channel `webhook`, touser = the endpoint id). */
export interface WebhookPayload {
  eventId: string;
  type: WebhookEvent;
  /** The exact body posted, fixed when the event was written. */
  body: string;
  /** The sort key of the endpoint's delivery list item. */
  listSk: string;
  giveUpAt: string;
}
