import type { Key } from '#ports/item-store';

/**
 * The staff area's items (DESIGN.md §9). A member's record lives under its id; its login is a
 * unique item pointing at it (created in the same transaction); an openid bound to a member is
 * the user's `R#STAFF` role item (keys.staffRole) naming the member. Sign-in failures are a
 * counter per login; a scan sign-in ticket is one item, found by its secret `ticket` (the
 * browser polls it) or its short `scene` (what the mini-program code carries).
 */
export const staffKeys = {
  member: (id: string): Key => ({ pk: `STAFF#${id}`, sk: 'META' }),
  login: (login: string): Key => ({ pk: `STAFFLOGIN#${login}`, sk: 'LOGIN' }),
  failures: (login: string): Key => ({ pk: `STAFFLOGIN#${login}`, sk: 'FAILURES' }),
  ticket: (ticket: string): Key => ({ pk: `WT#${ticket}`, sk: 'TICKET' }),
  scene: (scene: string): Key => ({ pk: `WTS#${scene}`, sk: 'SCENE' }),
};

/** GSI1 lists every staff member by id. */
export const staffIndex = (id: string) => ({ gsi1pk: 'T#staff', gsi1sk: id });
export const allStaff = { index: 'gsi1' as const, pk: 'T#staff' };
