import { describe, expect, it } from 'vitest';
import { dispatch, type Identity } from '#platform/dispatch';
import type { Command } from '#platform/command';
import { listStaffCommand, createStaffCommand, updateStaffCommand, staffLoginCommand } from '#app/staff/commands';
import { staffKeys } from '#app/staff/keys';
import { MAX_FAILURES, LOCK_MS } from '#app/staff/sign-in';
import { settingsCommand } from '#app/admin/settings';
import { upsertProductCommand } from '#app/admin/commands';
import { withdrawalsCommand } from '#app/settle/commands';
import { purchaseListCommand } from '#app/cutoff/commands';
import { meCommand } from '#app/auth/commands';
import { rolesOf } from '#app/users';
import { keys } from '#app/keys';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { codeOf } from '../support/errors.ts';

/**
 * Staff accounts and roles (issue 14 item 1, password sign-in of item 2) through dispatch on
 * DynamoDB Local: an owner creates members, each role reaches its part of the back office and
 * gets 403 elsewhere, a disabled member's token is refused at once (401), the password answer
 * never says which half was wrong, and 5 failures lock the login for 15 minutes.
 */
const SEED = { kind: 'openid' as const, openid: 'staff-1' }; // STAFF_OPENIDS of the test world: an owner
const DEMO = { kind: 'openid' as const, openid: 'demo-staff' }; // the demo owner record's bound openid
const bearer = (token: string): Identity => ({ kind: 'bearer', token });
const call = (w: TestWorld, c: Command<any, any, any>, input: unknown, who: Identity) => dispatch(c, input, who, w.deps) as Promise<any>;
const failure = (p: Promise<unknown>) => p.then(() => 'ok', codeOf);
const product = { title: '测试商品', category: '蔬菜', priceFen: 990, costFen: 500, supplierId: 's-farm', commissionRate: 0.1, fresh: true, status: 'active' as const };

async function member(w: TestWorld, login: string, roles: string[], password = `pw-${login}-0123456789`) {
  const created = await call(w, createStaffCommand, { login, name: login, roles, password }, SEED);
  const session = await call(w, staffLoginCommand, { login, password }, { kind: 'bearer', token: undefined });
  return { id: created.id as string, token: session.token as string, session, password };
}

describe('staff accounts and roles', () => {
  it('an owner creates an operations member with a one-time password; the member signs in, edits the catalogue, and gets 403 on settings, withdrawals and staff', async () => {
    const w = await makeWorld();
    const created = await call(w, createStaffCommand, { login: 'Ops.Anna', name: '安娜', roles: ['operations'] }, DEMO);
    expect(created).toMatchObject({ login: 'ops.anna', name: '安娜', roles: ['operations'], status: 'active' });
    expect(created.password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(JSON.stringify(created)).not.toContain('scrypt');
    const stored = await w.store.get(staffKeys.member(created.id));
    expect(String(stored!.passwordHash)).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(await call(w, listStaffCommand, {}, SEED))).not.toContain('scrypt');

    const session = await call(w, staffLoginCommand, { login: 'OPS.ANNA', password: created.password }, { kind: 'bearer', token: undefined });
    expect(session.user).toMatchObject({ id: `staff:${created.id}`, roles: ['staff'], staffRoles: ['operations'], staffId: created.id });
    const ops = bearer(session.token);
    expect((await call(w, upsertProductCommand, product, ops)).title).toBe('测试商品');
    expect(await failure(call(w, settingsCommand, {}, ops))).toBe('FORBIDDEN');
    expect(await failure(call(w, withdrawalsCommand, {}, ops))).toBe('FORBIDDEN');
    expect(await failure(call(w, listStaffCommand, {}, ops))).toBe('FORBIDDEN');
    // A staff sign-in is not a customer.
    expect(await failure(call(w, meCommand, {}, ops))).toBe('FORBIDDEN');
  });

  it('each role reaches its part: finance the withdrawals, warehouse the wave reports, neither the catalogue; the owner everything', async () => {
    const w = await makeWorld();
    const fin = await member(w, 'finn', ['finance']);
    const wh = await member(w, 'whse', ['warehouse']);
    const owner = await member(w, 'boss', ['owner']);
    expect(Array.isArray(await call(w, withdrawalsCommand, {}, bearer(fin.token)))).toBe(true);
    expect(await failure(call(w, upsertProductCommand, product, bearer(fin.token)))).toBe('FORBIDDEN');
    expect(await failure(call(w, purchaseListCommand, { date: '2026-11-24' }, bearer(fin.token)))).toBe('FORBIDDEN');
    // The warehouse passes the role check (the wave has no reports yet: 404, not 403).
    expect(await failure(call(w, purchaseListCommand, { date: '2026-11-24' }, bearer(wh.token)))).toBe('NOT_FOUND');
    expect(await failure(call(w, withdrawalsCommand, {}, bearer(wh.token)))).toBe('FORBIDDEN');
    expect(await failure(call(w, upsertProductCommand, product, bearer(wh.token)))).toBe('FORBIDDEN');
    for (const c of [settingsCommand, withdrawalsCommand, listStaffCommand]) expect(await failure(call(w, c, {}, bearer(owner.token)))).toBe('ok');
    expect(await failure(call(w, upsertProductCommand, product, bearer(owner.token)))).toBe('ok');
  });

  it('STAFF_OPENIDS seeds and the demo owner record are owners; customers are not staff', async () => {
    const w = await makeWorld();
    expect(await rolesOf(w.deps, 'staff-1')).toMatchObject({ roles: ['customer', 'staff'], staffRoles: ['owner'] });
    expect(await rolesOf(w.deps, 'demo-staff')).toMatchObject({ roles: ['customer', 'staff'], staffRoles: ['owner'] });
    expect(await rolesOf(w.deps, 'someone')).toMatchObject({ roles: ['customer'], staffRoles: [] });
    expect(await failure(call(w, listStaffCommand, {}, { kind: 'openid', openid: 'someone' }))).toBe('FORBIDDEN');
    expect(await failure(call(w, listStaffCommand, {}, DEMO))).toBe('ok');
  });

  it('a disabled member’s token stops working at once (401), the bound openid loses its staff roles, and enabling brings both back', async () => {
    const w = await makeWorld();
    const created = await call(w, createStaffCommand, { login: 'wang', name: '王', roles: ['operations'], password: 'correct horse battery', openid: 'o-wang' }, SEED);
    const { token } = await call(w, staffLoginCommand, { login: 'wang', password: 'correct horse battery' }, { kind: 'bearer', token: undefined });
    expect(await failure(call(w, upsertProductCommand, product, bearer(token)))).toBe('ok');
    expect(await failure(call(w, upsertProductCommand, product, { kind: 'openid', openid: 'o-wang' }))).toBe('ok');
    const disabled = await call(w, updateStaffCommand, { id: created.id, status: 'disabled' }, SEED);
    expect(disabled.status).toBe('disabled');
    expect(await failure(call(w, upsertProductCommand, product, bearer(token)))).toBe('UNAUTHENTICATED');
    expect(await failure(call(w, upsertProductCommand, product, { kind: 'openid', openid: 'o-wang' }))).toBe('FORBIDDEN');
    expect(await failure(call(w, staffLoginCommand, { login: 'wang', password: 'correct horse battery' }, { kind: 'bearer', token: undefined }))).toBe('UNAUTHENTICATED');
    await call(w, updateStaffCommand, { id: created.id, status: 'active' }, SEED);
    expect(await failure(call(w, upsertProductCommand, product, bearer(token)))).toBe('ok');
  });

  it('updates change roles, reset the password and move the openid binding; logins and openids stay unique; an owner cannot disable themselves', async () => {
    const w = await makeWorld();
    const m = await member(w, 'lili', ['warehouse']);
    await call(w, updateStaffCommand, { id: m.id, roles: ['finance'] }, SEED);
    expect(await failure(call(w, withdrawalsCommand, {}, bearer(m.token)))).toBe('ok');
    await call(w, updateStaffCommand, { id: m.id, password: 'a brand new password' }, SEED);
    expect(await failure(call(w, staffLoginCommand, { login: 'lili', password: m.password }, { kind: 'bearer', token: undefined }))).toBe('UNAUTHENTICATED');
    expect(await failure(call(w, staffLoginCommand, { login: 'lili', password: 'a brand new password' }, { kind: 'bearer', token: undefined }))).toBe('ok');
    await call(w, updateStaffCommand, { id: m.id, openid: 'o-li' }, SEED);
    expect((await rolesOf(w.deps, 'o-li')).staffRoles).toEqual(['finance']);
    await call(w, updateStaffCommand, { id: m.id, openid: 'o-li-2' }, SEED);
    expect((await rolesOf(w.deps, 'o-li')).staffRoles).toEqual([]);
    expect(await w.store.get(keys.staffRole('o-li'))).toBeUndefined();
    expect((await rolesOf(w.deps, 'o-li-2')).staffRoles).toEqual(['finance']);

    expect(await failure(call(w, createStaffCommand, { login: 'LILI', name: 'x', roles: ['finance'] }, SEED))).toBe('INVALID_STATE');
    expect(await failure(call(w, createStaffCommand, { login: 'other', name: 'x', roles: ['finance'], openid: 'o-li-2' }, SEED))).toBe('INVALID_STATE');
    expect((await call(w, listStaffCommand, {}, SEED)).map((s: any) => s.login)).not.toContain('other'); // nothing written
    expect(await failure(call(w, createStaffCommand, { login: 'x1', name: 'x', roles: ['root'] }, SEED))).toBe('VALIDATION_FAILED');
    expect(await failure(call(w, updateStaffCommand, { id: 'nobody', status: 'disabled' }, SEED))).toBe('NOT_FOUND');

    const boss = await member(w, 'boss', ['owner']);
    expect(await failure(call(w, updateStaffCommand, { id: boss.id, status: 'disabled' }, bearer(boss.token)))).toBe('INVALID_STATE');
    expect(await failure(call(w, updateStaffCommand, { id: boss.id, roles: ['finance'] }, bearer(boss.token)))).toBe('INVALID_STATE');
  });
});

describe('password sign-in', () => {
  const anon: Identity = { kind: 'bearer', token: undefined };
  const attempt = (w: TestWorld, login: string, password: string) =>
    call(w, staffLoginCommand, { login, password }, anon).then(
      () => 'ok',
      (e) => `${codeOf(e)}: ${e.message}`,
    );

  it('a wrong login and a wrong password get the same 401 and message', async () => {
    const w = await makeWorld();
    await member(w, 'zhao', ['operations']);
    const wrongPassword = await attempt(w, 'zhao', 'not the password');
    const wrongLogin = await attempt(w, 'nobody-here', 'not the password');
    expect(wrongPassword).toBe('UNAUTHENTICATED: wrong login or password');
    expect(wrongLogin).toBe(wrongPassword);
    // A seed record has no password: still the same answer.
    expect(await attempt(w, 'demo-owner', 'anything at all')).toBe(wrongPassword);
  });

  it(`${MAX_FAILURES} failures lock the login for 15 minutes (429 even with the right password); then it signs in and the counter starts again`, async () => {
    const w = await makeWorld();
    const m = await member(w, 'qian', ['finance']);
    for (let i = 0; i < MAX_FAILURES; i++) expect(await attempt(w, 'qian', `wrong ${i}`)).toMatch(/^UNAUTHENTICATED/);
    expect(await attempt(w, 'qian', m.password)).toMatch(/^RATE_LIMITED/);
    expect(await attempt(w, 'QIAN', m.password)).toMatch(/^RATE_LIMITED/); // by login, in any case
    w.clock.advance(LOCK_MS - 1000);
    expect(await attempt(w, 'qian', m.password)).toMatch(/^RATE_LIMITED/);
    w.clock.advance(1000);
    expect(await attempt(w, 'qian', m.password)).toBe('ok');
    // A success clears the count: 4 failures do not lock.
    for (let i = 0; i < MAX_FAILURES - 1; i++) expect(await attempt(w, 'qian', `wrong ${i}`)).toMatch(/^UNAUTHENTICATED/);
    expect(await attempt(w, 'qian', m.password)).toBe('ok');
  });

  it('failures older than the 15-minute window do not add up; concurrent failures all count (the counter is conditional)', async () => {
    const w = await makeWorld();
    const m = await member(w, 'sun', ['finance']);
    for (let i = 0; i < MAX_FAILURES - 1; i++) await attempt(w, 'sun', 'wrong');
    w.clock.advance(15 * 60_000);
    expect(await attempt(w, 'sun', 'wrong')).toMatch(/^UNAUTHENTICATED/);
    expect(await attempt(w, 'sun', m.password)).toBe('ok');

    const results = await Promise.all(Array.from({ length: 8 }, () => attempt(w, 'sun', 'wrong')));
    expect(results.every((r) => r.startsWith('UNAUTHENTICATED') || r.startsWith('RATE_LIMITED'))).toBe(true);
    expect(Number((await w.store.get(staffKeys.failures('sun')))!.count)).toBeGreaterThanOrEqual(MAX_FAILURES);
    expect(await attempt(w, 'sun', m.password)).toMatch(/^RATE_LIMITED/);
    // An unknown login locks the same way: nothing tells it apart from a real one.
    for (let i = 0; i < MAX_FAILURES; i++) await attempt(w, 'ghost', 'wrong');
    expect(await attempt(w, 'ghost', 'wrong')).toMatch(/^RATE_LIMITED/);
  });
});
