import type { Deps } from './deps.ts';
import { allOfType, keys } from './keys.ts';
import type { Role } from '#app/command';
import { queryAll } from '#ports/item-store';
import { toBizIso } from '#domain/time';

export interface UserProfile {
  id: string;
  points: number;
  memberUntil?: string;
  /** Set when the first order is paid: the customer is no longer new. */
  firstPaidOrderId?: string;
  createdAt: string;
}

export interface LeaderBinding {
  leaderId: string;
  communityId: string;
  status: 'active' | 'warned' | 'suspended' | 'removed';
}

/**
 * The caller's roles, looked up on every call from data (API.md "Auth"): customer always,
 * leader while an active or warned leader record is bound to the openid, staff when listed.
 */
export async function rolesOf(deps: Deps, userId: string): Promise<{ roles: Role[]; leader?: LeaderBinding }> {
  const items = await queryAll(deps.store, { ...keys.userRoles(userId), consistent: true });
  const roles: Role[] = ['customer'];
  let leader: LeaderBinding | undefined;
  for (const it of items) {
    if (it.sk === keys.leaderRole(userId).sk) {
      leader = { leaderId: String(it.leaderId), communityId: String(it.communityId), status: it.status as LeaderBinding['status'] };
      if (leader.status === 'active' || leader.status === 'warned') roles.push('leader');
    }
    if (it.sk === keys.staffRole(userId).sk && it.active !== false && !roles.includes('staff')) roles.push('staff');
  }
  if (deps.staffOpenids.includes(userId) && !roles.includes('staff')) roles.push('staff');
  return { roles, leader };
}

/** Creates the profile on first sign-in (granting new-user coupons), returns it either way. */
export async function ensureProfile(deps: Deps, userId: string): Promise<UserProfile> {
  const existing = await deps.store.get(keys.user(userId));
  if (existing?.welcomed) return existing as unknown as UserProfile;
  // First sign-in (or one interrupted before the welcome coupons were granted): both steps are idempotent.
  const profile = await deps.store.write({
    type: 'update',
    key: keys.user(userId),
    update: { setIfAbsent: { id: userId, points: 0, createdAt: toBizIso(deps.clock.now()) } },
  });
  await grantNewUserCoupons(deps, userId);
  await deps.store.write({ type: 'update', key: keys.user(userId), update: { set: { welcomed: true } } });
  return profile as unknown as UserProfile;
}

async function grantNewUserCoupons(deps: Deps, userId: string): Promise<void> {
  const coupons = await queryAll(deps.store, allOfType('coupon'));
  const now = deps.clock.now();
  for (const c of coupons) {
    if (!c.newUserOnly || Date.parse(String(c.validTo)) < now) continue;
    await deps.store
      .write({
        type: 'put',
        item: { ...keys.userCoupon(userId, String(c.id)), couponId: c.id, status: 'available', grantedAt: toBizIso(now) },
        when: [{ op: 'notExists' }],
      })
      .catch(() => undefined);
  }
}
