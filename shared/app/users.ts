import type { Deps } from './deps.ts';
import { allOfType, keys } from './keys.ts';
import type { Role } from '#app/command';
import { STAFF_ROLES, type StaffRole } from '#platform/command';
import { queryAll, type Item } from '#ports/item-store';
import { staffIdOfSubject } from '#ports/session';
import { staffKeys } from './staff/keys.ts';
import { toBizIso } from '#domain/time';
import { erasedMarkOf, privacyKeys } from './privacy/keys.ts';

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

export interface CallerRoles {
  /** customer, leader and staff (any staff member). */
  roles: Role[];
  /** A staff member's roles (owner, operations, finance, warehouse); empty for others. */
  staffRoles: StaffRole[];
  leader?: LeaderBinding;
  /** The staff member the caller is, when the record is known (a STAFF_OPENIDS seed has none until it scans). */
  staffId?: string;
  /** A staff token whose member is disabled or gone: the caller is no one any more (401). */
  revoked?: true;
}

/**
 * The caller's roles, looked up on every call from data (API.md "Auth"):
 * - a staff token (subject `staff:<id>`): `staff` and the member's roles while the member is
 *   active, no customer role (a staff sign-in is not a customer); disabled or gone → revoked;
 * - an openid: customer always, leader while an active or warned leader record is bound to it,
 *   staff with the roles of the active member bound to it; an openid listed in STAFF_OPENIDS
 *   (the seed, see README) or carrying an `R#STAFF` item naming no member is an owner.
 */
export async function rolesOf(deps: Deps, userId: string): Promise<CallerRoles> {
  const staffId = staffIdOfSubject(userId);
  if (staffId !== undefined) {
    const member = staffId ? await deps.store.get(staffKeys.member(staffId), { consistent: true }) : undefined;
    if (!member || member.status !== 'active') return { roles: [], staffRoles: [], revoked: true };
    return { roles: ['staff'], staffRoles: staffRolesOf(member), staffId };
  }
  const items = await queryAll(deps.store, { ...keys.userRoles(userId), consistent: true });
  const roles: Role[] = ['customer'];
  const staffRoles = new Set<StaffRole>();
  let leader: LeaderBinding | undefined;
  let boundStaffId: string | undefined;
  for (const it of items) {
    if (it.sk === keys.leaderRole(userId).sk) {
      leader = { leaderId: String(it.leaderId), communityId: String(it.communityId), status: it.status as LeaderBinding['status'] };
      if (leader.status === 'active' || leader.status === 'warned') roles.push('leader');
    }
    if (it.sk === keys.staffRole(userId).sk && it.active !== false) {
      if (typeof it.staffId === 'string') {
        const member = await deps.store.get(staffKeys.member(it.staffId), { consistent: true });
        if (member?.status === 'active' && member.openid === userId) {
          boundStaffId = it.staffId;
          for (const r of staffRolesOf(member)) staffRoles.add(r);
        }
      } else staffRoles.add('owner');
    }
  }
  if (deps.staffOpenids.includes(userId)) staffRoles.add('owner');
  if (staffRoles.size > 0) roles.push('staff');
  return { roles, staffRoles: STAFF_ROLES.filter((r) => staffRoles.has(r)), ...(leader ? { leader } : {}), ...(boundStaffId ? { staffId: boundStaffId } : {}) };
}

const staffRolesOf = (member: Item): StaffRole[] => STAFF_ROLES.filter((r) => ((member.roles as string[] | undefined) ?? []).includes(r));

/** What dispatch checks (deps.callerRoles): every role, staff roles included; undefined when revoked. */
export async function callerRolesOf(deps: Deps, userId: string): Promise<Role[] | undefined> {
  const r = await rolesOf(deps, userId);
  return r.revoked ? undefined : [...r.roles, ...r.staffRoles];
}

/** The `user` of a session answer: its id, roles and, for staff, `staffRoles`. */
export function sessionUser(userId: string, r: CallerRoles) {
  return { id: userId, roles: r.roles, ...(r.roles.includes('staff') ? { staffRoles: r.staffRoles } : {}) };
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
  // An openid whose account was erased (POST /me/delete) signs up as a new customer without the new-user benefits again.
  const erased = await deps.store.get(privacyKeys.erased(erasedMarkOf(deps, userId)));
  if (erased) await deps.store.write({ type: 'update', key: keys.user(userId), update: { set: { returning: true }, setIfAbsent: { firstOrderClaimedBy: 'erased-account' } } });
  else await grantNewUserCoupons(deps, userId);
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
