import type { Key } from '#ports/item-store';

/**
 * Keys of the webhook items (DESIGN.md §14).
 * - Endpoints: one partition `WEBHOOKS`, sort key the endpoint id (few per merchant, read whole).
 * - Each delivery is an outbox entry (`MSG#<id>`, channel `webhook`); its endpoint's list of
 *   deliveries is `WEBHOOK#<endpointId>` / `D#<createdAt>#<deliveryId>` (newest first by a
 *   descending query), which also holds the last response code.
 */
export const WEBHOOKS_PARTITION = 'WEBHOOKS';

export const webhookKeys = {
  endpoint: (id: string): Key => ({ pk: WEBHOOKS_PARTITION, sk: id }),
  endpoints: { pk: WEBHOOKS_PARTITION },
  delivery: (endpointId: string, createdAt: string, deliveryId: string): Key => ({ pk: `WEBHOOK#${endpointId}`, sk: `D#${createdAt}#${deliveryId}` }),
  deliveries: (endpointId: string) => ({ pk: `WEBHOOK#${endpointId}`, prefix: 'D#' }),
};
