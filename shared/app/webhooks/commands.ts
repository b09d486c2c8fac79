import * as z from 'zod/mini';
import { id, queryNumber } from '#platform/schema';
import { defineCommand } from '#app/command';
import type { Role } from '#platform/command';
import { WEBHOOK_EVENTS } from './model.ts';
import { createWebhook, listDeliveries, listWebhooks, replayDelivery, rotateWebhookSecret, updateWebhook } from './endpoints.ts';

/** Who manages webhooks (the owner always may: rolesAllow). */
const ROLES: Role[] = ['owner', 'operations'];

const url = () => z.string().check(z.minLength(8), z.maxLength(500));
const events = () => z.array(z.enum(WEBHOOK_EVENTS)).check(z.minLength(1), z.maxLength(WEBHOOK_EVENTS.length));

export const webhooksCommand = defineCommand({
  name: 'admin.webhooks',
  roles: ROLES,
  input: z.object({}),
  http: { method: 'GET', path: '/admin/webhooks' },
  run: ({ deps }) => listWebhooks(deps),
});

/** `POST /admin/webhooks { url, events }` → the endpoint with its `secret`, shown this once. */
export const createWebhookCommand = defineCommand({
  name: 'admin.createWebhook',
  roles: ROLES,
  input: z.object({ url: url(), events: events() }),
  http: { method: 'POST', path: '/admin/webhooks', status: 201 },
  run: ({ deps }, input) => createWebhook(deps, input),
});

export const updateWebhookCommand = defineCommand({
  name: 'admin.updateWebhook',
  roles: ROLES,
  input: z.object({ id: id(), url: z.optional(url()), events: z.optional(events()), active: z.optional(z.boolean()) }),
  http: { method: 'PUT', path: '/admin/webhooks/{id}' },
  run: ({ deps }, input) => updateWebhook(deps, input),
});

/** A new secret, shown once; the previous one still signs (a second `v1`) for 24 h. */
export const rotateWebhookSecretCommand = defineCommand({
  name: 'admin.rotateWebhookSecret',
  roles: ROLES,
  input: z.object({ id: id() }),
  http: { method: 'POST', path: '/admin/webhooks/{id}/rotate' },
  run: ({ deps }, input) => rotateWebhookSecret(deps, input.id),
});

export const webhookDeliveriesCommand = defineCommand({
  name: 'admin.webhookDeliveries',
  roles: ROLES,
  input: z.object({ id: id(), limit: z.optional(queryNumber().check(z.multipleOf(1), z.gte(1), z.lte(200))), cursor: z.optional(z.string().check(z.maxLength(2048))) }),
  http: { method: 'GET', path: '/admin/webhooks/{id}/deliveries' },
  run: ({ deps }, input) => listDeliveries(deps, input),
});

export const replayWebhookCommand = defineCommand({
  name: 'admin.replayWebhook',
  roles: ROLES,
  input: z.object({ id: z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[A-Za-z0-9_:.-]+$/)) }),
  http: { method: 'POST', path: '/admin/webhook-deliveries/{id}/replay', status: 202 },
  run: ({ deps }, input) => replayDelivery(deps, input.id),
});

export const webhookCommands = [webhooksCommand, createWebhookCommand, updateWebhookCommand, rotateWebhookSecretCommand, webhookDeliveriesCommand, replayWebhookCommand];
