import { AppError } from '#domain/errors';
import type { Caller, Command, CommandContext, PlatformDeps, RawRequest } from './command.ts';
import { toIssues } from './schema.ts';

export type Identity =
  | { kind: 'bearer'; token: string | undefined }
  | { kind: 'openid'; openid: string | undefined }
  | { kind: 'scheduler' };

/**
 * Runs a command through the contract's checks, in order, the first failure answering:
 * token (401) → role (403) → schema (400) → the use case (404 / 409 ...).
 */
export async function dispatch<D extends PlatformDeps>(command: Command<any, any, any>, rawInput: unknown, identity: Identity, deps: D, raw?: RawRequest): Promise<unknown> {
  const caller = await identify(command, identity, deps);
  if (command.roles !== 'public') {
    if (caller.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'sign in first');
    if (!command.roles.some((r) => caller.roles.includes(r))) throw new AppError('FORBIDDEN', `${command.name} needs the role ${command.roles.join(' or ')}`);
  }
  if (rawInput && typeof rawInput === 'object' && (rawInput as Record<string, unknown>).__badJson) {
    throw new AppError('VALIDATION_FAILED', 'the body is not JSON', { issues: [{ path: '', message: 'the body is not JSON' }] });
  }
  const parsed = command.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    throw new AppError('VALIDATION_FAILED', 'input does not match the schema', { issues: toIssues(parsed.error) });
  }
  const ctx: CommandContext<D> = { caller, deps, raw };
  return command.run(ctx, parsed.data);
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
  return { kind: 'user', userId, roles: await deps.callerRoles(userId) };
}

/** The signed-in user of a command that requires one. */
export function userOf(ctx: CommandContext<unknown>): { userId: string; roles: string[] } {
  if (ctx.caller.kind !== 'user') throw new AppError('UNAUTHENTICATED', 'sign in first');
  return ctx.caller;
}
