import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';

// The local stack over HTTP, as a new user meets it after `npm start`.
describe('foundation over HTTP', () => {
  let customer: string;
  let staff: string;
  beforeAll(async () => {
    customer = await login(uniqueOpenid('cust'));
    staff = await login('demo-staff');
  });
  afterAll(async () => {
    await resetClock(staff);
  });

  it('lists pickup points nearest first and the catalog of the open wave', async () => {
    const near = await api('GET', '/communities?lat=31.2397&lng=121.4998', { token: customer });
    expect(near.status).toBe(200);
    expect(near.body.data[0]).toMatchObject({ id: 'c-lujiazui', distanceM: expect.any(Number), leader: { name: '张伟' } });
    expect(near.body.data.map((c: any) => c.distanceM)).toEqual([...near.body.data.map((c: any) => c.distanceM)].sort((a: number, b: number) => a - b));
    const catalog = await api('GET', '/catalog?communityId=c-jingan', { token: customer });
    expect(catalog.status).toBe(200);
    expect(catalog.body.data.products.length).toBeGreaterThanOrEqual(20);
    expect(catalog.body.data.products.find((p: any) => p.id === 'p-strawberry').flashSale).toMatchObject({ priceFen: 1990 });
  });

  it('the wave turns at 22:00:00 Asia/Shanghai', async () => {
    await setClock(staff, '2026-11-24T21:59:59+08:00');
    const before = await api('GET', '/catalog?communityId=c-jingan', { token: customer });
    expect(before.body.data.wave).toMatchObject({ date: '2026-11-24', cutoffAt: '2026-11-24T22:00:00+08:00', arrivalAt: '2026-11-25T16:00:00+08:00' });
    await setClock(staff, '2026-11-24T22:00:00+08:00');
    const after = await api('GET', '/catalog?communityId=c-jingan', { token: customer });
    expect(after.body.data.wave.date).toBe('2026-11-25');
    await resetClock(staff);
  });

  it('answers the contract’s errors in order: 404 route, 401 token, 403 role, 400 schema', async () => {
    expect((await api('GET', '/communities')).body.error.code).toBe('UNAUTHENTICATED');
    expect((await api('GET', '/communities', { token: 'forged.token.value' })).status).toBe(401);
    const forbidden = await api('POST', '/admin/products', { token: customer, body: {} });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    const bad = await api('POST', '/admin/products', {
      token: staff,
      body: { id: 'p-bad-e2e', title: '坏商品', category: '测试', priceFen: -1, supplierId: 's-x', commissionRate: 0.3, fresh: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details.issues.map((i: any) => i.path).sort()).toEqual(['commissionRate', 'priceFen']);
    const notJson = await api('POST', '/admin/products', { token: staff, raw: '{not json' });
    expect(notJson.body.error.code).toBe('VALIDATION_FAILED');
    const list = await api('GET', '/admin/products', { token: staff });
    expect(list.body.data.some((p: any) => p.id === 'p-bad-e2e')).toBe(false);
  });

  it('roles come from data: a leader onboarded after sign-in is a leader at once, and loses it when suspended', async () => {
    const openid = uniqueOpenid('lead');
    const token = await login(openid);
    expect((await api('GET', '/me', { token })).body.data.roles).toEqual(['customer']);
    const community = await api('POST', '/admin/communities', {
      token: staff,
      body: { name: '测试小区', address: '上海市测试路1号', region: '测试区', location: { lat: 31.2, lng: 121.4 }, routeId: 'r-test' },
    });
    expect(community.status).toBe(200);
    const leader = await api('POST', '/admin/leaders', {
      token: staff,
      body: { openid, name: '赵六', phone: '13700001111', communityId: community.body.data.id },
    });
    expect(leader.status).toBe(200);
    expect(leader.body.data).not.toHaveProperty('phone');
    const me = (await api('GET', '/me', { token })).body.data;
    expect(me.roles).toContain('leader');
    expect(me.leader).toMatchObject({ communityId: community.body.data.id, status: 'active' });
    await api('POST', `/admin/leaders/${leader.body.data.id}/status`, { token: staff, body: { status: 'suspended', reason: 'test' } });
    expect((await api('GET', '/me', { token })).body.data.roles).not.toContain('leader');
  });

  it('a new customer is granted the new-user coupon on first sign-in', async () => {
    const token = await login(uniqueOpenid('newbie'));
    const me = (await api('GET', '/me', { token })).body.data;
    expect(me.coupons.map((c: any) => c.id)).toContain('cpn-new-user');
  });
});
