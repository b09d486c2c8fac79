import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { rolesAllow, STAFF_ROLES, type Role } from './command.ts';
import { dispatch } from './dispatch.ts';

describe('role checks (rolesAllow)', () => {
  it('a caller holding a listed role may call; an owner may call every command listing a staff role or staff, never a customer- or leader-only one', () => {
    expect(rolesAllow(['owner', 'operations'], ['staff', 'operations'])).toBe(true);
    expect(rolesAllow(['owner', 'finance'], ['staff', 'operations'])).toBe(false);
    for (const r of [...STAFF_ROLES, 'staff'] as Role[]) expect(rolesAllow([r], ['customer', 'staff', 'owner'])).toBe(true);
    expect(rolesAllow(['customer'], ['staff', 'owner'])).toBe(false);
    expect(rolesAllow(['leader'], ['staff', 'owner'])).toBe(false);
    expect(rolesAllow(['warehouse'], ['customer', 'leader'])).toBe(false);
    expect(rolesAllow(['leader', 'warehouse'], ['customer', 'leader'])).toBe(true);
  });
});

describe('a customer command reading no role (rolesUnread)', () => {
  const lookups: string[] = [];
  const deps = {
    sessions: { verify: async () => undefined },
    callerRoles: async (userId: string): Promise<Role[] | undefined> => (lookups.push(userId), userId.startsWith('staff:') ? ['staff', 'owner'] : ['customer']),
    customerBySubject: (userId: string) => !userId.startsWith('staff:'),
  };
  const command = (rolesUnread: boolean) => ({
    name: 'test.place',
    roles: ['customer'] as Role[],
    ...(rolesUnread ? { rolesUnread: true as const } : {}),
    input: z.object({}),
    run: async (ctx: { caller: unknown }) => ctx.caller,
  });

  it('skips the roles lookup for a customer by identity, and looks them up for every other subject or command', async () => {
    lookups.length = 0;
    expect(await dispatch(command(true), {}, { kind: 'openid', openid: 'o-1' }, deps)).toEqual({ kind: 'user', userId: 'o-1', roles: ['customer'] });
    expect(lookups).toEqual([]);
    // A staff token holds no customer role: looked up, and refused.
    await expect(dispatch(command(true), {}, { kind: 'openid', openid: 'staff:m-1' }, deps)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A command without the flag looks the roles up as ever.
    await dispatch(command(false), {}, { kind: 'openid', openid: 'o-2' }, deps);
    expect(lookups).toEqual(['staff:m-1', 'o-2']);
  });
});
