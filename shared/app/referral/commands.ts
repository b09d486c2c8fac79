import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { bindInvite, invitesOf, type InviteOutcome } from './referral.ts';

/**
 * A sign-in's part in referral: `ensureProfile` runs between the look at the profile and the
 * binding, so "first sign-in" is the profile not yet welcomed when the call began (a first
 * sign-in interrupted before the welcome counts as first too). Without a scene: nothing.
 */
export async function inviteOnSignIn(deps: Deps, openid: string, scene: string | undefined, ensureProfile: () => Promise<unknown>): Promise<{ status: InviteOutcome } | undefined> {
  if (!scene) {
    await ensureProfile();
    return undefined;
  }
  const before = await deps.store.get(keys.user(openid), { consistent: true });
  await ensureProfile();
  if (before?.welcomed) return { status: 'NOT_FIRST_SIGN_IN' };
  return { status: await bindInvite(deps, openid, scene) };
}

/** GET /me/invites: the caller's invite code and scene, invitees (masked) and rewards. */
export const invitesCommand = defineCommand({
  name: 'auth.invites',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'GET', path: '/me/invites' },
  run: (ctx) => invitesOf(ctx.deps, userOf(ctx).userId),
});
