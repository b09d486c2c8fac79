import { createHmac } from 'node:crypto';
import type { WriteOp } from '#ports/item-store';
import { toBizIso } from '#domain/time';
import type { AddressPolicy } from '#ports/webhook';
import type { Deps } from '../deps.ts';
import type { OutboxEntry } from '../outbox.ts';
import { webhookKeys } from './keys.ts';
import { endpointFromItem, type WebhookEndpoint, type WebhookPayload } from './model.ts';

/** A delivery's outbox entry (written by emit.ts). */
export const isWebhookEntry = (entry: { channel?: unknown }) => entry.channel === 'webhook';

/** Claims without an outcome (a run dying while posting) before a delivery is dead-lettered. */
export const WEBHOOK_MAX_CLAIMS = 200;

/** The local stage accepts loopback endpoints (and http:// to them); every other stage refuses them. */
export const addressPolicy = (deps: Pick<Deps, 'devMode'>): AddressPolicy => ({ allowLoopback: deps.devMode });

/** What the record id of an endpoint's sealed secrets is (binds a sealed secret to its endpoint). */
export const secretRecordId = (endpointId: string) => `webhook:${endpointId}`;

/** `t=<unix s>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`, one `v1` per secret in force. */
export function signatureHeader(secrets: string[], t: number, body: string): string {
  return [`t=${t}`, ...secrets.map((s) => `v1=${createHmac('sha256', s).update(`${t}.${body}`).digest('hex')}`)].join(',');
}

/** The secrets a delivery is signed with now: the current one, and the previous one during its 24 h after a rotation. */
export function secretsInForce(deps: Deps, e: WebhookEndpoint): string[] {
  const rid = secretRecordId(e.id);
  const secrets = [deps.contacts.decrypt(e.secretSealed, rid)];
  if (e.previousSecretSealed && e.previousSecretUntil && Date.parse(e.previousSecretUntil) > deps.clock.now()) secrets.push(deps.contacts.decrypt(e.previousSecretSealed, rid));
  return secrets;
}

export type WebhookOutcome = ({ kind: 'sent' } | { kind: 'retry'; error: string } | { kind: 'dead'; error: string }) & { ops?: WriteOp[] };

/**
 * One attempt of a delivery: the endpoint as it is now (its URL, its secrets), signed with the
 * business clock's time, posted through the client that refuses forbidden addresses. 2xx ends
 * it; anything else is retried (drain.ts: backoff with jitter) until 24 h after the event, then
 * dead-lettered. The delivery list line records the attempt's response code in the same write.
 */
export async function attemptWebhook(deps: Deps, entry: OutboxEntry): Promise<WebhookOutcome> {
  const payload = entry.payload as unknown as WebhookPayload;
  const endpointId = entry.touser;
  const now = deps.clock.now();
  const note = (lastStatus: number, lastError?: string): WriteOp[] => [
    {
      type: 'update',
      key: { pk: webhookKeys.deliveries(endpointId).pk, sk: payload.listSk },
      update: { set: { lastStatus, lastAttemptAt: toBizIso(now), ...(lastError ? { lastError } : {}) }, ...(lastError ? {} : { remove: ['lastError'] }) },
      when: [{ op: 'exists' }],
    },
  ];
  const item = await deps.store.get(webhookKeys.endpoint(endpointId));
  if (!item) return { kind: 'dead', error: 'endpoint removed' };
  const endpoint = endpointFromItem(item);
  if (!endpoint.active) return { kind: 'dead', error: 'endpoint disabled', ops: note(0, 'endpoint disabled') };
  const t = Math.floor(now / 1000);
  const headers = {
    'x-signature': signatureHeader(secretsInForce(deps, endpoint), t, payload.body),
    'x-webhook-id': payload.eventId,
    'x-webhook-event': payload.type,
  };
  const result = await deps.webhooks.post(endpoint.url, payload.body, headers, addressPolicy(deps));
  if (result.status >= 200 && result.status < 300) return { kind: 'sent', ops: note(result.status) };
  const error = result.status ? `HTTP ${result.status}` : (result.error ?? 'no answer');
  if (now >= Date.parse(payload.giveUpAt)) return { kind: 'dead', error: `${error} (gave up after 24 h)`, ops: note(result.status, error) };
  return { kind: 'retry', error, ops: note(result.status, error) };
}
