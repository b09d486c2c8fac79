import { createHash } from 'node:crypto';
import { AppError } from '#domain/errors';
import { ConditionFailed, queryAll, type Item, type WriteOp } from '#ports/item-store';
import { toBizIso } from '#domain/time';
import { STAFF_ROLES, type StaffRole } from '#platform/command';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { allStaff, staffIndex, staffKeys } from './keys.ts';
import { failedGuard, guard } from '../guards.ts';
import { generatePassword, hashPassword } from './password.ts';

export type StaffStatus = 'active' | 'disabled';

/** A staff member as the API shows it: never the password hash. */
export interface StaffMember {
  id: string;
  /** Absent for a member seeded from STAFF_OPENIDS (no password sign-in). */
  login?: string;
  name: string;
  roles: StaffRole[];
  status: StaffStatus;
  openid?: string;
  createdAt: string;
  updatedAt: string;
  by?: string;
}

export const isStaffRole = (r: string): r is StaffRole => (STAFF_ROLES as readonly string[]).includes(r);

/** Logins are case-insensitive: stored and looked up in lower case. */
export const normaliseLogin = (login: string) => login.trim().toLowerCase();

export function staffView(item: Item): StaffMember {
  return {
    id: String(item.id),
    ...(item.login ? { login: String(item.login) } : {}),
    name: String(item.name),
    roles: ((item.roles as string[] | undefined) ?? []).filter(isStaffRole),
    status: item.status === 'disabled' ? 'disabled' : 'active',
    ...(item.openid ? { openid: String(item.openid) } : {}),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    ...(item.by ? { by: String(item.by) } : {}),
  };
}

export async function getStaff(deps: Deps, id: string): Promise<Item | undefined> {
  return deps.store.get(staffKeys.member(id), { consistent: true });
}

export async function listStaff(deps: Deps): Promise<StaffMember[]> {
  const items = await queryAll(deps.store, allStaff);
  return items.map(staffView).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** The openid binding item: the user's R#STAFF role naming the member. */
const binding = (openid: string, staffId: string): WriteOp =>
  guard('openid', {
    type: 'put',
    item: { ...keys.staffRole(openid), staffId, active: true },
    when: [{ op: 'notExists' }],
  });

const openidTaken = (openid: string) => new AppError('INVALID_STATE', 'this openid is bound to another staff member', { field: 'openid', openid });

/**
 * Creates a member (login unique, openid bound to at most one member) with the given password,
 * or a generated one-time password handed back once. Nothing is written when a check fails.
 */
export async function createStaff(
  deps: Pick<Deps, 'store' | 'clock' | 'ids'>,
  input: { login: string; name: string; roles: StaffRole[]; password?: string; openid?: string },
  by?: string,
): Promise<{ staff: StaffMember; password?: string }> {
  const login = normaliseLogin(input.login);
  const id = deps.ids.newId();
  const generated = input.password === undefined ? generatePassword() : undefined;
  const passwordHash = await hashPassword(input.password ?? generated!);
  const now = toBizIso(deps.clock.now());
  const roles = [...new Set(input.roles)];
  const item: Item = {
    ...staffKeys.member(id),
    ...staffIndex(id),
    id,
    login,
    name: input.name,
    roles,
    status: 'active',
    ...(input.openid ? { openid: input.openid } : {}),
    passwordHash,
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...(by ? { by } : {}),
  };
  const ops: WriteOp[] = [
    guard('member', { type: 'put', item, when: [{ op: 'notExists' }] }),
    guard('login', { type: 'put', item: { ...staffKeys.login(login), staffId: id }, when: [{ op: 'notExists' }] }),
    ...(input.openid ? [binding(input.openid, id)] : []),
  ];
  try {
    await deps.store.transact(ops);
  } catch (e) {
    const failed = failedGuard(e, ops);
    if (failed === 'login') throw new AppError('INVALID_STATE', `the login ${login} is taken`, { field: 'login' });
    if (failed === 'openid') throw openidTaken(input.openid!);
    throw e;
  }
  return { staff: staffView(item), ...(generated ? { password: generated } : {}) };
}

/**
 * Changes a member's roles, status, password or bound openid (owner). A disabled member's tokens
 * stop working at once (roles and status are read on every call). An owner cannot disable
 * themselves or drop their own owner role (someone must be able to manage staff).
 */
export async function updateStaff(
  deps: Deps,
  id: string,
  patch: { roles?: StaffRole[]; status?: StaffStatus; password?: string; openid?: string | null },
  by?: string,
): Promise<StaffMember> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await getStaff(deps, id);
    if (!current) throw new AppError('NOT_FOUND', `staff member ${id} not found`);
    if (by === id && (patch.status === 'disabled' || (patch.roles && !patch.roles.includes('owner') && (current.roles as string[]).includes('owner')))) {
      throw new AppError('INVALID_STATE', 'an owner cannot disable themselves or drop their own owner role');
    }
    const set: Record<string, unknown> = { updatedAt: toBizIso(deps.clock.now()), version: Number(current.version ?? 0) + 1, ...(by ? { by } : {}) };
    const remove: string[] = [];
    if (patch.roles) set.roles = [...new Set(patch.roles)];
    if (patch.status) set.status = patch.status;
    if (patch.password !== undefined) set.passwordHash = await hashPassword(patch.password);
    const ops: WriteOp[] = [];
    const oldOpenid = current.openid ? String(current.openid) : undefined;
    if (patch.openid !== undefined && patch.openid !== oldOpenid) {
      if (oldOpenid) ops.push(guard('oldBinding', { type: 'delete', key: keys.staffRole(oldOpenid), when: [{ op: 'eq', path: 'staffId', value: id }] }));
      if (patch.openid) {
        set.openid = patch.openid;
        ops.push(binding(patch.openid, id));
      } else remove.push('openid');
    }
    const versionCheck = current.version === undefined ? { op: 'attrNotExists' as const, path: 'version' } : { op: 'eq' as const, path: 'version', value: Number(current.version) };
    ops.unshift(guard('member', { type: 'update', key: staffKeys.member(id), update: { set, ...(remove.length ? { remove } : {}) }, when: [{ op: 'exists' }, versionCheck] }));
    try {
      await deps.store.transact(ops);
    } catch (e) {
      const failed = failedGuard<'member' | 'openid' | 'oldBinding'>(e, ops);
      if (failed === 'openid') throw openidTaken(String(patch.openid));
      // The member changed meanwhile, or the old binding moved: read again.
      if (failed === 'member' || failed === 'oldBinding') continue;
      throw e;
    }
    return staffView((await getStaff(deps, id))!);
  }
  throw new AppError('INVALID_STATE', `staff member ${id} kept changing; try again`);
}

/** The member id of a STAFF_OPENIDS seed's owner record. */
export const seedOwnerId = (openid: string) => `seed-${createHash('sha256').update(openid).digest('hex').slice(0, 20)}`;

/**
 * A STAFF_OPENIDS seed signing in to the browser by scanning: its member record (owner,
 * bound to nothing, no login), created once under an id derived from the openid.
 */
export async function ensureSeedOwner(deps: Deps, openid: string): Promise<Item> {
  const id = seedOwnerId(openid);
  const now = toBizIso(deps.clock.now());
  await deps.store
    .write({
      type: 'put',
      item: { ...staffKeys.member(id), ...staffIndex(id), id, name: 'STAFF_OPENIDS seed', roles: ['owner'], status: 'active', seed: true, version: 1, createdAt: now, updatedAt: now },
      when: [{ op: 'notExists' }],
    })
    .catch((e) => {
      if (!(e instanceof ConditionFailed)) throw e;
    });
  return (await getStaff(deps, id))!;
}
