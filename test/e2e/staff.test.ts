import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';

/**
 * Issue 14's acceptance for staff over HTTP on the local stack: `npm run staff:create` (spawned
 * against the stack's own DynamoDB Local, as an operator would) makes an owner who signs in by
 * password and creates an operations member, who can create a product but gets 403 on
 * settings, withdrawals and staff; disabling the member stops their token at once; 5 failures
 * lock a login; the scan sign-in with the dev login standing in for the mini-program, a ticket
 * confirmed once and expiring (POST /dev/clock moves the business clock tickets expire on).
 */
function staffCreate(args: string[]): Promise<{ code: number; out: string }> {
  const { STAGE: _stage, TABLE_NAME: _table, DYNAMO_ENDPOINT: _endpoint, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'staff:create', '--', ...args], { env: { ...env, ...inject('stackEnv') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

const suffix = () => Math.random().toString(36).slice(2, 8);
const product = { title: '员工测试商品', category: '蔬菜', priceFen: 1290, costFen: 800, supplierId: 's-farm', commissionRate: 0.1, fresh: true, status: 'active' };

describe('staff over HTTP', () => {
  let owner: { login: string; password: string; token: string };

  beforeAll(async () => {
    const login = `owner-${suffix()}`;
    const run = await staffCreate(['--login', login, '--name', '店主', '--role', 'owner']);
    expect(run.code, run.out).toBe(0);
    const password = /one-time password: (\S+)/.exec(run.out)?.[1];
    expect(password, run.out).toMatch(/^[A-Za-z0-9]{16}$/);
    const signIn = await api('POST', '/auth/staff-login', { body: { login, password } });
    expect(signIn.status, signIn.text).toBe(200);
    expect(signIn.body.data.user).toMatchObject({ roles: ['staff'], staffRoles: ['owner'] });
    owner = { login, password: password!, token: signIn.body.data.token };
  });

  it('staff:create refuses an unknown role and prints no password', async () => {
    const run = await staffCreate(['--login', `x-${suffix()}`, '--name', 'x', '--role', 'root']);
    expect(run.code).not.toBe(0);
    expect(run.out).toContain('unknown role root');
    expect(run.out).not.toContain('one-time password');
  });

  it('the owner creates an operations member: products yes; settings, withdrawals and staff 403; disabled → 401 at once', async () => {
    const created = await api('POST', '/admin/staff', { token: owner.token, body: { login: `ops-${suffix()}`, name: '运营', roles: ['operations'] } });
    expect(created.status, created.text).toBe(200);
    expect(created.body.data).toMatchObject({ roles: ['operations'], status: 'active', password: expect.any(String) });
    expect(created.text).not.toContain('scrypt');
    const signIn = await api('POST', '/auth/staff-login', { body: { login: created.body.data.login, password: created.body.data.password } });
    expect(signIn.status, signIn.text).toBe(200);
    const ops = signIn.body.data.token as string;

    const made = await api('POST', '/admin/products', { token: ops, body: product });
    expect(made.status, made.text).toBe(200);
    for (const path of ['/admin/settings', '/admin/withdrawals', '/admin/staff']) {
      const r = await api('GET', path, { token: ops });
      expect(r.status, `${path}: ${r.text}`).toBe(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
    }
    expect((await api('GET', '/admin/staff', { token: owner.token })).body.data.map((s: any) => s.id)).toContain(created.body.data.id);

    const disabled = await api('PUT', `/admin/staff/${created.body.data.id}`, { token: owner.token, body: { status: 'disabled' } });
    expect(disabled.status, disabled.text).toBe(200);
    const after = await api('GET', '/admin/products', { token: ops });
    expect(after.status, after.text).toBe(401);
    expect(after.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('a wrong login and a wrong password answer alike; 5 failures lock the login (429 even with the right password)', async () => {
    const wrongPassword = await api('POST', '/auth/staff-login', { body: { login: owner.login, password: 'not-the-password' } });
    const wrongLogin = await api('POST', '/auth/staff-login', { body: { login: `nobody-${suffix()}`, password: 'not-the-password' } });
    expect(wrongPassword.status).toBe(401);
    expect(wrongLogin.status).toBe(401);
    expect(wrongLogin.body.error).toEqual(wrongPassword.body.error);

    const login = `lock-${suffix()}`;
    const created = await api('POST', '/admin/staff', { token: owner.token, body: { login, name: '锁', roles: ['finance'], password: 'the right password' } });
    expect(created.status, created.text).toBe(200);
    for (let i = 0; i < 5; i++) expect((await api('POST', '/auth/staff-login', { body: { login, password: `wrong-${i}` } })).status).toBe(401);
    const locked = await api('POST', '/auth/staff-login', { body: { login, password: 'the right password' } });
    expect(locked.status, locked.text).toBe(429);
    expect(locked.body.error.code).toBe('RATE_LIMITED');
  });

  it('a sign-in answer lists staff and staffRoles for a staff openid (GET /me too), only customer for others', async () => {
    const staff = await api('POST', '/auth/dev-login', { body: { openid: 'demo-staff' } });
    expect(staff.body.data.user).toEqual({ id: 'demo-staff', roles: ['customer', 'staff'], staffRoles: ['owner'] });
    expect((await api('GET', '/me', { token: staff.body.data.token })).body.data).toMatchObject({ roles: ['customer', 'staff'], staffRoles: ['owner'] });
    const customer = await api('POST', '/auth/dev-login', { body: { openid: uniqueOpenid('cust') } });
    expect(customer.body.data.user.roles).toEqual(['customer']);
    expect(customer.body.data.user.staffRoles).toBeUndefined();
  });

  it('dev login refuses a staff subject as an openid', async () => {
    expect((await api('POST', '/auth/dev-login', { body: { openid: 'staff:anything' } })).status).toBe(400);
  });
});

describe('scan sign-in over HTTP (the dev login stands in for the mini-program)', () => {
  let demoStaff: string;
  beforeAll(async () => {
    demoStaff = await login('demo-staff');
  });
  afterAll(async () => {
    await resetClock(demoStaff);
  });

  it('ticket → demo-staff confirms the scene → the poll hands out a staff token once; a ticket confirms once', async () => {
    const t = await api('POST', '/auth/web-tickets', { body: {} });
    expect(t.status, t.text).toBe(200);
    const { ticket, scene, expiresAt } = t.body.data;
    expect(scene.length).toBeLessThanOrEqual(32);
    expect(Date.parse(expiresAt)).toBeGreaterThan(0);
    expect((await api('GET', `/auth/web-tickets/${ticket}`)).body.data).toEqual({ status: 'PENDING' });

    const confirmed = await api('POST', `/auth/web-tickets/${scene}/confirm`, { token: demoStaff, body: {} });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.data).toEqual({ confirmed: true });

    const first = await api('GET', `/auth/web-tickets/${ticket}`);
    expect(first.status, first.text).toBe(200);
    expect(first.body.data).toMatchObject({ status: 'CONFIRMED', token: expect.any(String), user: { roles: ['staff'], staffRoles: ['owner'] } });
    const second = await api('GET', `/auth/web-tickets/${ticket}`);
    expect(second.body.data).toEqual({ status: 'CONFIRMED' });
    const staffList = await api('GET', '/admin/staff', { token: first.body.data.token });
    expect(staffList.status, staffList.text).toBe(200);

    // Another staff member (bound to their own openid) cannot confirm it again; a customer cannot confirm at all.
    const openid = uniqueOpenid('e2e-staff');
    const ownerToken = first.body.data.token as string;
    const other = await api('POST', '/admin/staff', { token: ownerToken, body: { login: `scan-${suffix()}`, name: '仓库', roles: ['warehouse'], openid } });
    expect(other.status, other.text).toBe(200);
    const again = await api('POST', `/auth/web-tickets/${scene}/confirm`, { token: await login(openid), body: {} });
    expect(again.status, again.text).toBe(409);
    expect(again.body.error.code).toBe('INVALID_STATE');
    const customer = await api('POST', `/auth/web-tickets/${scene}/confirm`, { token: await login(uniqueOpenid('cust')), body: {} });
    expect(customer.status).toBe(403);
  });

  it('a ticket expires after 2 minutes of the business clock: EXPIRED to the poll, 409 to a late confirmation', async () => {
    const t = await api('POST', '/auth/web-tickets', { body: {} });
    const { ticket, scene, expiresAt } = t.body.data;
    await setClock(demoStaff, new Date(Date.parse(expiresAt) + 1000).toISOString());
    expect((await api('GET', `/auth/web-tickets/${ticket}`)).body.data).toEqual({ status: 'EXPIRED' });
    const late = await api('POST', `/auth/web-tickets/${scene}/confirm`, { token: demoStaff, body: {} });
    expect(late.status, late.text).toBe(409);
    expect(late.body.error.code).toBe('INVALID_STATE');
  });
});
