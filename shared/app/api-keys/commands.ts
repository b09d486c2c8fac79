import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { INTEGRATION_ROLES } from '#platform/command';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';

export const apiKeysCommand = defineCommand({
  name: 'admin.apiKeys',
  roles: ['owner'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/api-keys' },
  run: ({ deps }) => listApiKeys(deps),
});

/** `POST /admin/api-keys { name, scopes }` → `{ id, key: "gbk_…" }`, the key shown this once. */
export const createApiKeyCommand = defineCommand({
  name: 'admin.createApiKey',
  roles: ['owner'],
  input: z.object({ name: z.string().check(z.minLength(1), z.maxLength(60)), scopes: z.array(z.enum(INTEGRATION_ROLES)).check(z.minLength(1), z.maxLength(3)) }),
  http: { method: 'POST', path: '/admin/api-keys', status: 201 },
  run: (ctx, input) => createApiKey(ctx.deps, userOf(ctx).userId, input),
});

export const revokeApiKeyCommand = defineCommand({
  name: 'admin.revokeApiKey',
  roles: ['owner'],
  input: z.object({ id: id() }),
  http: { method: 'DELETE', path: '/admin/api-keys/{id}' },
  run: ({ deps }, input) => revokeApiKey(deps, input.id),
});

export const apiKeyCommands = [apiKeysCommand, createApiKeyCommand, revokeApiKeyCommand];
