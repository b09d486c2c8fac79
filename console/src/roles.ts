import { OPERATIONS, type Operation } from '@client';
import { session } from './api';

/** Staff roles (API.md): owner may do everything; the others as each command lists them. */
export type StaffRole = 'owner' | 'operations' | 'finance' | 'warehouse';

/**
 * The staff roles of the session (`user.staffRoles` of the sign-in answer). A staff member
 * without staffRoles (an older API) is treated as owner; the API refuses what is not theirs anyway.
 */
export function staffRoles(): StaffRole[] {
  const u = session.user;
  if (!u || !u.roles.includes('staff')) return [];
  return (u.staffRoles as StaffRole[] | undefined) ?? ['owner'];
}

/**
 * Whether the session may call a command: the roles come from the generated client (the same
 * registry the API enforces), so the console hides exactly what the API would refuse.
 */
export function can(command: string): boolean {
  const op = (OPERATIONS as Record<string, Operation>)[command];
  const mine = staffRoles();
  if (!op) return mine.includes('owner');
  if (op.roles.includes('public')) return true;
  if (mine.includes('owner')) return true;
  return op.roles.some((r) => (mine as string[]).includes(r) || (r === 'staff' && mine.length > 0));
}
