import { describe, expect, it } from 'vitest';
import { rolesAllow, STAFF_ROLES, type Role } from './command.ts';

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
