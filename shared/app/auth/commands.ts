import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { queryAll } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { ensureProfile, rolesOf, sessionUser } from '../users.ts';
import { meGrowth } from '../wallet/me.ts';
import { staffAuthCommands } from '../staff/commands.ts';
import { sceneSchema } from '../share/scenes.ts';
import { inviteOnSignIn, invitesCommand } from '../referral/commands.ts';

async function signIn(deps: Deps, openid: string, scene?: string) {
  const invite = await inviteOnSignIn(deps, openid, scene, () => ensureProfile(deps, openid));
  const { token, expiresAt } = await deps.sessions.issue(openid);
  return { token, expiresAt: new Date(expiresAt).toISOString(), user: sessionUser(openid, await rolesOf(deps, openid)), ...(invite ? { invite } : {}) };
}

/** Exchanges a `wx.login` code at WeChat's jscode2session for a signed session token. */
export const loginCommand = defineCommand({
  name: 'auth.login',
  roles: 'public',
  input: z.object({ code: z.string().check(z.minLength(1), z.maxLength(128)), scene: z.optional(sceneSchema()) }),
  http: { method: 'POST', path: '/auth/login' },
  async run({ deps }, input) {
    const { openid } = await deps.wechatLogin.exchange(input.code);
    return signIn(deps, openid, input.scene);
  },
});

/**
 * Local stage only: sign in as any openid (demo-staff, a leader, a customer). A command of the
 * local-only dev function, so no other stage has the route at all (404 before any check).
 */
export const devLoginCommand = defineCommand({
  name: 'dev.login',
  roles: 'public',
  input: z.object({ openid: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/)), scene: z.optional(sceneSchema()) }),
  http: { method: 'POST', path: '/auth/dev-login' },
  async run({ deps }, input) {
    if (!deps.devMode) throw new AppError('NOT_FOUND', 'no route POST /auth/dev-login');
    return signIn(deps, input.openid, input.scene);
  },
});

/** The caller: roles, points, coupons, membership, leader binding. */
export const meCommand = defineCommand({
  name: 'auth.me',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'GET', path: '/me' },
  async run(ctx) {
    const { userId } = userOf(ctx);
    const { deps } = ctx;
    const profile = await ensureProfile(deps, userId);
    const { roles, leader, staffRoles } = await rolesOf(deps, userId);
    const owned = await queryAll(deps.store, keys.userCoupons(userId));
    const defs = await deps.store.getMany(owned.map((c) => keys.coupon(String(c.couponId))));
    const byId = new Map(defs.map((d) => [String(d.id), d]));
    const now = deps.clock.now();
    const coupons = owned.flatMap((c) => {
      const d = byId.get(String(c.couponId));
      if (!d) return [];
      const status = c.status === 'used' ? 'used' : Date.parse(String(d.validTo)) <= now ? 'expired' : 'available';
      const { pk, sk, gsi1pk, gsi1sk, ...terms } = d;
      return [{ ...terms, status }];
    });
    return {
      id: userId,
      roles,
      ...(roles.includes('staff') ? { staffRoles } : {}),
      points: profile.points ?? 0,
      coupons,
      ...(profile.memberUntil ? { memberUntil: profile.memberUntil } : {}),
      ...(leader ? { leader: { id: leader.leaderId, communityId: leader.communityId, status: leader.status } } : {}),
      ...(await meGrowth(deps, userId)),
    };
  },
});

export const authCommands = [loginCommand, meCommand, ...staffAuthCommands, invitesCommand];
