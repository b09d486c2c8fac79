import { AppError } from '#domain/errors';
import { rolesAllow, type Caller, type Command, type CommandContext, type PlatformDeps, type RawRequest } from './command.ts';
import { toIssues } from './schema.ts';
import { sealCursor, splitCursor, verifyCursor, type CursorScope } from './cursors.ts';

/**
 * A transport that could not read the request (body not JSON, not an object, too large, a
 * malformed `%` escape) puts the reason under this key of the input; dispatch answers it with
 * VALIDATION_FAILED after the token and role checks (API.md's order). A symbol, so no client
 * data can carry it.
 */
export const UNREADABLE = Symbol('unreadable request');

export type Identity =
  | { kind: 'bearer'; token: string | undefined }
  | { kind: 'openid'; openid: string | undefined }
  | { kind: 'scheduler' };

/**
 * Runs a command through the contract's checks, in order, the first failure answering:
 * token (401) → role (403) → schema and cursor (400) → the use case (404 / 409 ...).
 */
export async function dispatch<D extends PlatformDeps>(command: Command<any, any, any>, rawInput: unknown, identity: Identity, deps: D, raw?: RawRequest): Promise<unknown> {
  const caller = await identify(command, identity, deps);
  if (command.roles !== 'public') {
    if (caller.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'sign in first');
    if (!rolesAllow(command.roles, caller.roles)) throw new AppError('FORBIDDEN', `${command.name} needs the role ${command.roles.join(' or ')}`);
  }
  const unreadable = rawInput && typeof rawInput === 'object' ? (rawInput as { [UNREADABLE]?: string })[UNREADABLE] : undefined;
  if (unreadable) throw new AppError('VALIDATION_FAILED', unreadable, { issues: [{ path: '', message: unreadable }] });
  const { input, cursor } = openCursorInput(command, rawInput ?? {});
  const parsed = command.input.safeParse(input);
  if (!parsed.success) {
    throw new AppError('VALIDATION_FAILED', 'input does not match the schema', { issues: toIssues(parsed.error) });
  }
  const scope: CursorScope = { command: command.name, caller: caller.kind === 'user' ? `user:${caller.userId}` : caller.kind, input: parsed.data };
  if (cursor) verifyCursor(keyOf(deps), scope, cursor.inner, cursor.tag);
  const ctx: CommandContext<D> = { caller, deps, raw };
  return sealNextCursor(await command.run(ctx, parsed.data), deps, scope);
}

/**
 * A paged command (its input declares `cursor`) gets the store's cursor out of the client's
 * signed one; the signature is checked once the input is parsed (it covers the filter inputs).
 */
function openCursorInput(command: Command<any, any, any>, rawInput: unknown): { input: unknown; cursor?: { inner: string; tag: string } } {
  const paged = (command.input as { _zod?: { def?: { shape?: Record<string, unknown> } } })._zod?.def?.shape?.cursor !== undefined;
  if (!paged || typeof rawInput !== 'object' || Array.isArray(rawInput)) return { input: rawInput };
  const given = (rawInput as Record<string, unknown>).cursor;
  if (typeof given !== 'string' || given === '') return { input: rawInput };
  const cursor = splitCursor(given);
  return { input: { ...(rawInput as object), cursor: cursor.inner }, cursor };
}

/** A page's `nextCursor` leaves signed and bound to the query that produced it. */
function sealNextCursor(result: unknown, deps: PlatformDeps, scope: CursorScope): unknown {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return result;
  const next = (result as { nextCursor?: unknown }).nextCursor;
  return typeof next === 'string' && next !== '' ? { ...result, nextCursor: sealCursor(keyOf(deps), scope, next) } : result;
}

function keyOf(deps: PlatformDeps): Uint8Array {
  if (!deps.cursorKey) throw new Error('no cursorKey in the deps: page cursors cannot be signed');
  return deps.cursorKey;
}

async function identify(command: Command<any, any, any>, identity: Identity, deps: PlatformDeps): Promise<Caller> {
  if (identity.kind === 'scheduler') return { kind: 'scheduler' };
  const userId =
    identity.kind === 'openid'
      ? identity.openid
      : identity.token
        ? await deps.sessions.verify(identity.token)
        : undefined;
  if (!userId) {
    if (command.roles === 'public') return { kind: 'anonymous' };
    throw new AppError('UNAUTHENTICATED', identity.kind === 'bearer' && identity.token ? 'the token is invalid or expired' : 'sign in first');
  }
  if (command.roles === 'public') return { kind: 'user', userId, roles: ['customer'] };
  // A customer command reading no role, called by a customer by identity: nothing to look up.
  if (command.rolesUnread && command.roles.includes('customer') && deps.customerBySubject?.(userId)) return { kind: 'user', userId, roles: ['customer'] };
  const roles = await deps.callerRoles(userId);
  // A staff member disabled (or removed) since the token was issued: the token stops working at once.
  if (!roles) throw new AppError('UNAUTHENTICATED', 'the token is invalid or expired');
  return { kind: 'user', userId, roles };
}

/** The signed-in user of a command that requires one. */
export function userOf(ctx: CommandContext<unknown>): { userId: string; roles: string[] } {
  if (ctx.caller.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'sign in first');
  return ctx.caller;
}
