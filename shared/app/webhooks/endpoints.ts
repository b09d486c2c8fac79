import { randomBytes } from 'node:crypto';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, queryAll, type Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { outboxKey } from '../outbox.ts';
import { deliveryOps, type WebhookEventBody } from './emit.ts';
import { addressPolicy, isWebhookEntry, secretRecordId } from './deliver.ts';
import { webhookKeys } from './keys.ts';
import { MAX_ENDPOINTS, PREVIOUS_SECRET_MS, endpointFromItem, endpointView, type WebhookEndpoint, type WebhookEvent, type WebhookPayload } from './model.ts';

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/** 400 naming `url` when the URL may not receive webhooks here (scheme, forbidden resolved address). */
async function requireAllowedUrl(deps: Deps, url: string): Promise<void> {
  const why = await deps.webhooks.check(url, addressPolicy(deps));
  if (why) throw new AppError('VALIDATION_FAILED', `the webhook URL is refused: ${why}`, { issues: [{ path: 'url', message: why }] });
}

async function requireEndpoint(deps: Deps, id: string): Promise<WebhookEndpoint> {
  const item = await deps.store.get(webhookKeys.endpoint(id), { consistent: true });
  if (!item) throw new AppError('NOT_FOUND', `webhook ${id} not found`);
  return endpointFromItem(item);
}

export async function listWebhooks(deps: Deps) {
  const all = await queryAll(deps.store, webhookKeys.endpoints);
  return all.map(endpointFromItem).map(endpointView);
}

/** Registers an endpoint; the answer holds its secret, shown this once (stored sealed). */
export async function createWebhook(deps: Deps, input: { url: string; events: WebhookEvent[] }) {
  await requireAllowedUrl(deps, input.url);
  const existing = await queryAll(deps.store, webhookKeys.endpoints);
  if (existing.length >= MAX_ENDPOINTS) throw new AppError('INVALID_STATE', `at most ${MAX_ENDPOINTS} webhook endpoints`);
  const id = `wh-${deps.ids.newId().toLowerCase()}`;
  const secret = newSecret();
  const at = toBizIso(deps.clock.now());
  const endpoint: WebhookEndpoint = {
    id,
    url: input.url,
    events: [...new Set(input.events)],
    active: true,
    secretSealed: deps.contacts.encrypt(secret, secretRecordId(id)),
    createdAt: at,
    updatedAt: at,
  };
  await deps.store.write({ type: 'put', item: { ...webhookKeys.endpoint(id), kind: 'webhook', ...endpoint }, when: [{ op: 'notExists' }] });
  return { ...endpointView(endpoint), secret };
}

export async function updateWebhook(deps: Deps, input: { id: string; url?: string; events?: WebhookEvent[]; active?: boolean }) {
  const current = await requireEndpoint(deps, input.id);
  if (input.url !== undefined && input.url !== current.url) await requireAllowedUrl(deps, input.url);
  const set: Record<string, unknown> = { updatedAt: toBizIso(deps.clock.now()) };
  if (input.url !== undefined) set.url = input.url;
  if (input.events !== undefined) set.events = [...new Set(input.events)];
  if (input.active !== undefined) set.active = input.active;
  const after = await deps.store.write({ type: 'update', key: webhookKeys.endpoint(input.id), update: { set }, when: [{ op: 'exists' }] });
  return endpointView(endpointFromItem(after!));
}

/** A new secret (shown once); the previous one keeps signing deliveries for 24 h beside it. */
export async function rotateWebhookSecret(deps: Deps, id: string) {
  const current = await requireEndpoint(deps, id);
  const secret = newSecret();
  const now = deps.clock.now();
  const previousSecretUntil = toBizIso(now + PREVIOUS_SECRET_MS);
  try {
    const after = await deps.store.write({
      type: 'update',
      key: webhookKeys.endpoint(id),
      update: { set: { secretSealed: deps.contacts.encrypt(secret, secretRecordId(id)), previousSecretSealed: current.secretSealed, previousSecretUntil, updatedAt: toBizIso(now) } },
      // Two rotations at once: one wins, the other is told to read again.
      when: [{ op: 'eq', path: 'secretSealed', value: current.secretSealed }],
    });
    return { ...endpointView(endpointFromItem(after!)), secret };
  } catch (e) {
    if (e instanceof ConditionFailed) throw new AppError('INVALID_STATE', `webhook ${id} was rotated meanwhile`);
    throw e;
  }
}

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  type: string;
  status: string;
  attempts: number;
  createdAt: string;
  lastStatus?: number;
  lastError?: string;
  lastAttemptAt?: string;
  dueAt?: string;
  sentAt?: string;
  deadAt?: string;
  replayOf?: string;
}

function deliveryView(line: Item, entry: Item | undefined): DeliveryView {
  const pick = <T>(k: string) => (entry?.[k] !== undefined ? { [k]: entry[k] as T } : {});
  return {
    id: String(line.deliveryId),
    webhookId: String(line.pk).slice('WEBHOOK#'.length),
    eventId: String(line.eventId),
    type: String(line.type),
    status: String(entry?.status ?? 'unknown'),
    attempts: Number(entry?.attempts ?? 0),
    createdAt: String(line.createdAt),
    ...(typeof line.lastStatus === 'number' ? { lastStatus: line.lastStatus } : {}),
    ...(typeof line.lastError === 'string' ? { lastError: line.lastError } : {}),
    ...(typeof line.lastAttemptAt === 'string' ? { lastAttemptAt: line.lastAttemptAt } : {}),
    ...(entry?.status === 'pending' ? pick<string>('dueAt') : {}),
    ...pick<string>('sentAt'),
    ...pick<string>('deadAt'),
    ...(typeof line.replayOf === 'string' ? { replayOf: line.replayOf } : {}),
  };
}

/** An endpoint's deliveries, newest first, a page at a time. */
export async function listDeliveries(deps: Deps, input: { id: string; limit?: number; cursor?: string }) {
  await requireEndpoint(deps, input.id);
  const page = await deps.store.query({ ...webhookKeys.deliveries(input.id), descending: true, limit: input.limit ?? 50, ...(input.cursor ? { cursor: input.cursor } : {}) });
  const entries = page.items.length ? await deps.store.getMany(page.items.map((l) => outboxKey(String(l.deliveryId)))) : [];
  const byId = new Map(entries.map((e) => [String(e.id), e]));
  return { items: page.items.map((l) => deliveryView(l, byId.get(String(l.deliveryId)))), ...(page.cursor ? { nextCursor: page.cursor } : {}) };
}

/**
 * Sends a finished delivery (sent or dead-lettered) again as a new delivery of the same event
 * (same event id and body, so the receiver can tell a replay), due now, retried for 24 h.
 */
export async function replayDelivery(deps: Deps, deliveryId: string): Promise<DeliveryView> {
  const entry = await deps.store.get(outboxKey(deliveryId), { consistent: true });
  if (!entry || !isWebhookEntry(entry as { channel?: unknown })) throw new AppError('NOT_FOUND', `webhook delivery ${deliveryId} not found`);
  if (entry.status !== 'sent' && entry.status !== 'dead') throw new AppError('INVALID_STATE', `delivery ${deliveryId} is ${String(entry.status)}: only a sent or dead delivery is replayed`, { status: entry.status });
  const endpointId = String(entry.touser);
  await requireEndpoint(deps, endpointId);
  const event = JSON.parse((entry.payload as WebhookPayload).body) as WebhookEventBody;
  const newId = `${deliveryId.slice(0, 80)}-r${deps.ids.newId().toLowerCase()}`;
  const ops = deliveryOps(deps, endpointId, event, newId);
  const line = ops[1] as { type: 'put'; item: Item };
  line.item.replayOf = deliveryId;
  await deps.store.transact(ops);
  return deliveryView(line.item, (ops[0] as { item: Item }).item);
}
