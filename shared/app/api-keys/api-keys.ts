import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, queryAll, type Item, type Key } from '#ports/item-store';
import type { SessionTokens } from '#ports/session';
import { INTEGRATION_ROLES, type IntegrationRole, type Role } from '#platform/command';
import type { Deps } from '../deps.ts';

/**
 * API keys for machines (DESIGN.md §14): `gbk_<id>_<secret>`, shown once, stored as a SHA-256
 * hash (the secret is 32 random bytes, so a plain hash cannot be guessed back), scoped to the
 * read-only integration roles, revocable; the last use is recorded (at most once a minute).
 *
 * A key authenticates as the subject `apikey:<id>` (no openid or staff subject contains `:`
 * in that form) whose roles are its scopes, looked up on every call: a revoked key stops at once.
 */
export const API_KEY_PREFIX = 'gbk_';
export const API_KEY_SUBJECT_PREFIX = 'apikey:';
export const MAX_API_KEYS = 50;
const LAST_USED_EVERY_MS = 60_000;

export const apiKeyKeys = {
  key: (id: string): Key => ({ pk: 'APIKEYS', sk: id }),
  all: { pk: 'APIKEYS' },
};

export const isApiKeySubject = (userId: string) => userId.startsWith(API_KEY_SUBJECT_PREFIX);
const hashOf = (key: string) => createHash('sha256').update(key).digest();
const KEY_FORMAT = /^gbk_([0-9a-z]{26})_([A-Za-z0-9_-]{43})$/;

const view = (it: Item) => ({
  id: String(it.sk),
  name: String(it.name),
  scopes: it.scopes as IntegrationRole[],
  status: it.revokedAt ? ('REVOKED' as const) : ('ACTIVE' as const),
  prefix: String(it.prefix),
  createdAt: String(it.createdAt),
  ...(typeof it.lastUsedAt === 'string' ? { lastUsedAt: it.lastUsedAt } : {}),
  ...(typeof it.revokedAt === 'string' ? { revokedAt: it.revokedAt } : {}),
  ...(typeof it.createdBy === 'string' ? { createdBy: it.createdBy } : {}),
});

export async function listApiKeys(deps: Deps) {
  return (await queryAll(deps.store, apiKeyKeys.all)).map(view);
}

/** A new key; the answer holds it this once (only its hash is kept). */
export async function createApiKey(deps: Deps, by: string, input: { name: string; scopes: IntegrationRole[] }) {
  const existing = await queryAll(deps.store, apiKeyKeys.all);
  if (existing.filter((k) => !k.revokedAt).length >= MAX_API_KEYS) throw new AppError('INVALID_STATE', `at most ${MAX_API_KEYS} active API keys`);
  const id = deps.ids.newId().toLowerCase();
  const key = `${API_KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  const item = {
    ...apiKeyKeys.key(id),
    kind: 'apiKey',
    name: input.name,
    scopes: INTEGRATION_ROLES.filter((r) => input.scopes.includes(r)),
    hash: hashOf(key).toString('hex'),
    prefix: key.slice(0, 12),
    createdAt: toBizIso(deps.clock.now()),
    createdBy: by,
  };
  await deps.store.write({ type: 'put', item, when: [{ op: 'notExists' }] });
  return { ...view(item), key };
}

export async function revokeApiKey(deps: Deps, id: string) {
  try {
    const after = await deps.store.write({ type: 'update', key: apiKeyKeys.key(id), update: { set: { revokedAt: toBizIso(deps.clock.now()) } }, when: [{ op: 'exists' }, { op: 'attrNotExists', path: 'revokedAt' }] });
    return view(after!);
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    const current = await deps.store.get(apiKeyKeys.key(id), { consistent: true });
    if (!current) throw new AppError('NOT_FOUND', `API key ${id} not found`);
    return view(current); // revoked already: the same answer
  }
}

/** The subject of a valid, unrevoked key (recording its use), or undefined. */
export async function verifyApiKey(deps: Deps, token: string): Promise<string | undefined> {
  const m = KEY_FORMAT.exec(token);
  if (!m) return undefined;
  const id = m[1]!;
  const item = await deps.store.get(apiKeyKeys.key(id), { consistent: true });
  if (!item || item.revokedAt || typeof item.hash !== 'string') return undefined;
  const stored = Buffer.from(item.hash, 'hex');
  const given = hashOf(token);
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined;
  const now = deps.clock.now();
  const last = typeof item.lastUsedAt === 'string' ? Date.parse(item.lastUsedAt) : 0;
  if (!(now - last < LAST_USED_EVERY_MS && now >= last)) {
    await deps.store.write({ type: 'update', key: apiKeyKeys.key(id), update: { set: { lastUsedAt: toBizIso(now) } }, when: [{ op: 'exists' }] }).catch(() => undefined);
  }
  return `${API_KEY_SUBJECT_PREFIX}${id}`;
}

/** The roles of a key's subject now: its scopes; undefined when revoked or gone (401). */
export async function apiKeyRoles(deps: Deps, subject: string): Promise<Role[] | undefined> {
  const item = await deps.store.get(apiKeyKeys.key(subject.slice(API_KEY_SUBJECT_PREFIX.length)), { consistent: true });
  if (!item || item.revokedAt) return undefined;
  return (item.scopes as IntegrationRole[]).filter((r) => (INTEGRATION_ROLES as readonly string[]).includes(r));
}

/** Session tokens that also accept API keys (`gbk_…`); everything else is the tokens' own check. */
export function withApiKeys(tokens: SessionTokens, deps: () => Deps): SessionTokens {
  return {
    issue: (u) => tokens.issue(u),
    issueStaff: (s) => tokens.issueStaff(s),
    verify: (token) => (token.startsWith(API_KEY_PREFIX) ? verifyApiKey(deps(), token) : tokens.verify(token)),
  };
}

/** Whether a command's caller is an API key (machines never see what a person of that role sees beyond the listed routes). */
export const isApiKeyCaller = (caller: { kind: string; userId?: string }) => caller.kind === 'user' && typeof caller.userId === 'string' && isApiKeySubject(caller.userId);
