import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/**
 * Issue 16 items 1 and 6 over HTTP on the local stack: team buys (拼团) complete together with one
 * push each, refuse or refund joins beyond N, dissolve and refund once at the window's end; the
 * coupon centre never issues over its cap. Clock: 2027-10-01 … 2027-10-10 only.
 */
const D = '2027-10-01';
const C = 'c-jingan';
const contact = { name: '欧阳拼团', phone: '13900001111' };

describe('team buys and the coupon centre over HTTP', () => {
  let staff: string;
  const tokens = new Map<string, string>();
  const as = async (name: string) => {
    if (!tokens.has(name)) tokens.set(name, await login(name));
    return tokens.get(name)!;
  };
  const offer = async (over: Record<string, unknown>) => {
    const r = await api('POST', '/admin/team-offers', {
      token: staff,
      body: { productId: 'p-oil', teamSize: 2, teamPriceFen: 9990, windowHours: 2, perUserLimit: 1, stock: 100, startsAt: `${D}T00:00:00+08:00`, endsAt: '2027-10-10T00:00:00+08:00', ...over },
    });
    expect(r.status, r.text).toBe(200);
    return r.body.data as { id: string };
  };
  const place = async (who: string, team: { offerId: string; teamId?: string }) =>
    api('POST', '/orders', { token: await as(who), body: { communityId: C, items: [{ productId: 'p-oil', qty: 1 }], requestId: `t-${Math.random().toString(36).slice(2)}`, contact, team } });
  const pay = async (who: string, orderId: string) => {
    const r = await api('POST', `/dev/pay/${orderId}`, { token: await as(who) });
    expect(r.status, r.text).toBe(200);
    return r.body.data.order;
  };
  const order = async (who: string, id: string) => (await api('GET', `/orders/${id}`, { token: await as(who) })).body.data;

  beforeAll(async () => {
    staff = await login('demo-staff');
    await setClock(staff, `${D}T10:00:00+08:00`);
  });
  afterAll(async () => {
    await resetClock(staff);
  });

  it('2-person team: A starts and pays (TEAM_PENDING), B joins and pays: both PAID in the same wave, one push each', async () => {
    const o = await offer({});
    const [a, b, c] = [uniqueOpenid('team-a'), uniqueOpenid('team-b'), uniqueOpenid('team-c')];
    const tmpl = (await api('GET', '/notify/templates', { token: await as(a) })).body.data.find((t: any) => t.key === 'teamComplete');
    expect(tmpl).toBeDefined();
    for (const u of [a, b]) expect((await api('POST', '/notify/subscriptions', { token: await as(u), body: { results: { [tmpl.templateId]: 'accept' } } })).status).toBe(200);

    const placedA = await place(a, { offerId: o.id });
    expect(placedA.status, placedA.text).toBe(201);
    expect(placedA.body.data.order.lines[0].unitPriceFen).toBe(9990);
    const teamId = placedA.body.data.order.team.teamId;
    expect((await pay(a, placedA.body.data.order.id)).status).toBe('TEAM_PENDING');
    const listed = (await api('GET', `/team-offers?communityId=${C}`, { token: await as(b) })).body.data.find((x: any) => x.id === o.id);
    expect(listed.openTeams).toEqual([expect.objectContaining({ teamId, members: 1, needed: 1 })]);
    const again = await place(a, { offerId: o.id, teamId });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('INVALID_STATE');

    const placedB = await place(b, { offerId: o.id, teamId });
    expect(placedB.status, placedB.text).toBe(201);
    expect((await pay(b, placedB.body.data.order.id)).status).toBe('PAID');
    const orderA = await order(a, placedA.body.data.order.id);
    expect(orderA.status).toBe('PAID');
    expect(orderA.waveDate).toBe(placedB.body.data.order.waveDate);
    expect(orderA.pickupCode).toMatch(/^\d{8}$/);
    const team = await api('GET', `/teams/${teamId}`, { token: await as(c) });
    expect(team.body.data).toMatchObject({ status: 'COMPLETE', needed: 0, members: [{ name: '欧***' }, { name: '欧***' }] });
    const late = await place(c, { offerId: o.id, teamId });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('TEAM_FULL');

    expect((await runJobAndWait(baseUrl(), staff, 'notify')).status).toBe('DONE');
    const outbox = (await api('GET', '/dev/outbox', { token: staff })).body.data as any[];
    const pushes = outbox.filter((m) => m.templateId === tmpl.templateId && [a, b].includes(m.touser));
    expect(pushes.map((m) => m.touser).sort()).toEqual([a, b].sort());
  });

  it('12 concurrent joins of a 5-person team: exactly 5 members, the rest refused (TEAM_FULL) or refunded once', async () => {
    const o = await offer({ teamSize: 5 });
    const starter = uniqueOpenid('team5-a');
    const placed = await place(starter, { offerId: o.id });
    expect(placed.status, placed.text).toBe(201);
    await pay(starter, placed.body.data.order.id);
    const teamId = placed.body.data.order.team.teamId;
    const joiners = Array.from({ length: 12 }, (_, i) => uniqueOpenid(`team5-j${i}`));
    await Promise.all(joiners.map((j) => as(j)));
    const outcomes = await Promise.all(
      joiners.map(async (j) => {
        const r = await place(j, { offerId: o.id, teamId });
        if (r.status !== 201) return { j, refused: r.body.error.code as string };
        await pay(j, r.body.data.order.id);
        return { j, id: r.body.data.order.id as string };
      }),
    );
    for (const r of outcomes) if ('refused' in r) expect(r.refused).toBe('TEAM_FULL');
    const orders = await Promise.all(outcomes.filter((r) => 'id' in r).map((r) => order(r.j, r.id!)));
    expect(orders.filter((x) => x.status === 'PAID')).toHaveLength(4);
    for (const x of orders.filter((y) => y.status !== 'PAID')) {
      expect(x).toMatchObject({ status: 'CANCELLED', cancelReason: 'TEAM_FULL' });
      expect(x.refunds).toHaveLength(1);
      expect(x.refunds[0].amountFen).toBe(x.amounts.payableFen);
    }
    const team = (await api('GET', `/teams/${teamId}`, { token: await as(starter) })).body.data;
    expect(team).toMatchObject({ status: 'COMPLETE', size: 5 });
    expect(team.members).toHaveLength(5);
  });

  it('a team incomplete at its window’s end: every member refunded once, the expire job run twice', async () => {
    await setClock(staff, '2027-10-02T09:00:00+08:00');
    const o = await offer({ teamSize: 3, windowHours: 1, startsAt: '2027-10-02T00:00:00+08:00' });
    const [a, b] = [uniqueOpenid('team3-a'), uniqueOpenid('team3-b')];
    const placedA = await place(a, { offerId: o.id });
    expect(placedA.status, placedA.text).toBe(201);
    await pay(a, placedA.body.data.order.id);
    const teamId = placedA.body.data.order.team.teamId;
    const placedB = await place(b, { offerId: o.id, teamId });
    expect(placedB.status, placedB.text).toBe(201);
    expect((await pay(b, placedB.body.data.order.id)).status).toBe('TEAM_PENDING');

    await setClock(staff, '2027-10-02T10:00:01+08:00');
    for (let i = 0; i < 2; i++) expect((await runJobAndWait(baseUrl(), staff, 'expire')).status).toBe('DONE');
    for (const [who, p] of [[a, placedA], [b, placedB]] as const) {
      const x = await order(who, p.body.data.order.id);
      expect(x).toMatchObject({ status: 'CANCELLED', cancelReason: 'TEAM_FAILED' });
      expect(x.refunds).toHaveLength(1);
    }
    expect((await api('GET', `/teams/${teamId}`, { token: await as(a) })).body.data.status).toBe('DISSOLVED');
  });

  it('a claimable coupon with cap 100 under 300 concurrent claims issues exactly 100', async () => {
    const made = await api('POST', '/admin/coupons', {
      token: staff,
      body: { title: '领券中心满50减5', kind: 'fixed', valueFen: 500, thresholdFen: 5000, validFrom: '2027-10-01T00:00:00+08:00', validTo: '2027-10-10T00:00:00+08:00', claimable: { totalCap: 100, perUserCap: 1 }, validDays: 3 },
    });
    expect(made.status, made.text).toBe(200);
    const couponId = made.body.data.id;
    const users = Array.from({ length: 300 }, (_, i) => uniqueOpenid(`claim-${i}`));
    for (let i = 0; i < users.length; i += 50) await Promise.all(users.slice(i, i + 50).map((u) => as(u)));
    const results = await Promise.all(users.map(async (u) => api('POST', `/coupons/${couponId}/claim`, { token: await as(u) })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(100);
    expect(results.filter((r) => r.status !== 200).map((r) => r.body.error.code)).toEqual(Array(200).fill('OUT_OF_STOCK'));
    const listed = (await api('GET', '/coupons/claimable', { token: await as(users[0]!) })).body.data.find((c: any) => c.id === couponId);
    expect(listed).toMatchObject({ remaining: 0 });
    // A winner holds it in /me, valid three days from the claim; claiming again is over the per-customer cap.
    const winner = users[results.indexOf(ok[0]!)]!;
    const me = (await api('GET', '/me', { token: await as(winner) })).body.data;
    const held = me.coupons.find((x: any) => x.id === `${couponId}-c1`);
    expect(held).toMatchObject({ status: 'available' });
    expect(held.validTo.slice(0, 13)).toBe('2027-10-05T10');
    const twice = await api('POST', `/coupons/${couponId}/claim`, { token: await as(winner) });
    expect(twice.body.error.code).toBe('LIMIT_EXCEEDED');
  });
});
