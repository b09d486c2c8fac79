import { session } from './api';

/** Staff roles (API.md): owner may do everything; the others as the menu lists them. */
export type StaffRole = 'owner' | 'operations' | 'finance' | 'warehouse';

/**
 * The staff roles of the session: `user.staffRoles` from the sign-in answer; a staff member
 * configured the old way (STAFF_OPENIDS, no staffRoles) may do everything, as the API lets them.
 */
export function staffRoles(): StaffRole[] {
  const u = session.user;
  if (!u || !u.roles.includes('staff')) return [];
  return (u.staffRoles as StaffRole[] | undefined) ?? ['owner'];
}

export function allowed(roles: readonly StaffRole[] | undefined): boolean {
  if (!roles) return true;
  const mine = staffRoles();
  return mine.includes('owner') || roles.some((r) => mine.includes(r));
}
