import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/**
 * Issue 17 items 5 and 6 over HTTP on the local stack: home delivery (community settings, the
 * address book, the fee below and above the threshold, cancel refunds it, the warehouse's
 * delivery list, delivery once with the code), the dispatch reminder and a late route (one push
 * per affected customer and leader, the order's arrivalAt, the deadline moved, a retry changes
 * nothing). Clock: 2027-12-01 … 2027-12-02 only (this file's range is 2027-12-01 … 12-15).
 */
const D = '2027-12-01';
const D1 = '2027-12-02';
const LJZ = 'c-lujiazui'; // r-east
const WJC = 'c-wujiaochang'; // r-east
const XJH = 'c-xujiahui'; // r-west
const LJZ_COMMUNITY = { name: '陆家嘴滨江苑', address: '上海市浦东新区陆家嘴环路1000号', region: '浦东新区', location: { lat: 31.2397, lng: 121.4998 }, routeId: 'r-east' };
const DELIVERY = { enabled: true, feeFen: 500, freeAboveFen: 990, slots: ['18:00-20:00'] };
const HOME = { name: '欧阳小满', phone: '13611113333', district: '浦东新区', detail: '陆家嘴环路88弄6号1201室' };
const phone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

describe('last mile over HTTP: home delivery and a late route', () => {
  let staff: string;
  const who = { a: { openid: uniqueOpenid('lm-a'), token: '' }, b: { openid: uniqueOpenid('lm-b'), token: '' }, c: { openid: uniqueOpenid('lm-c'), token: '' }, d: { openid: uniqueOpenid('lm-d'), token: '' } };
  const leaders = { ljz: { openid: 'demo-leader-lujiazui', token: '' }, wjc: { openid: 'demo-leader-wujiaochang', token: '' } };

  const place = async (token: string, body: Record<string, unknown>) => {
    const placed = await api('POST', '/orders', { token, body: { requestId: `lm-${Math.random().toString(36).slice(2)}`, contact: { name: '顾客', phone: phone() }, ...body } });
    expect(placed.status, placed.text).toBe(201);
    return placed.body.data.order;
  };
  const payOrder = async (token: string, id: string) => {
    const paid = await api('POST', `/dev/pay/${id}`, { token });
    expect(paid.body.data.order.status, paid.text).toBe('PAID');
  };

  beforeAll(async () => {
    staff = await login('demo-staff');
    for (const c of [...Object.values(who), ...Object.values(leaders)]) c.token = await login(c.openid);
  });
  afterAll(async () => {
    await api('PUT', `/admin/communities/${LJZ}`, { token: staff, body: { ...LJZ_COMMUNITY, delivery: { ...DELIVERY, enabled: false } } });
    await resetClock(staff);
  });

  it('delivery: the fee below the threshold, none above, cancelling refunds it; the warehouse lists full addresses; delivered once with the code. Late route: one push per customer and leader, arrivalAt and the deadline move, a retry changes nothing', async () => {
    await setClock(staff, `${D}T10:00:00+08:00`);
    const set = await api('PUT', `/admin/communities/${LJZ}`, { token: staff, body: { ...LJZ_COMMUNITY, delivery: DELIVERY } });
    expect(set.status, set.text).toBe(200);
    expect(set.body.data.delivery).toEqual(DELIVERY);
    expect((await api('PUT', `/admin/communities/${LJZ}`, { token: staff, body: { ...LJZ_COMMUNITY, delivery: { ...DELIVERY, slots: ['20:00-18:00'] } } })).status).toBe(400);

    // The address book: masked in views.
    const added = await api('POST', '/me/addresses', { token: who.a.token, body: HOME });
    expect(added.status, added.text).toBe(200);
    expect(added.body.data).toMatchObject({ name: '欧***', phoneTail: '3333', district: '浦东新区' });
    expect(added.text).not.toContain(HOME.phone);
    const book = await api('GET', '/me/addresses', { token: who.a.token });
    expect(book.body.data.map((x: any) => x.id)).toEqual([added.body.data.id]);
    expect(book.text).not.toContain('6号1201室');
    const delivery = { addressId: added.body.data.id, slot: '18:00-20:00' };

    // Below ¥9.9 of goods: the fee; cancelling refunds the whole payment, fee included.
    const small = { communityId: LJZ, items: [{ productId: 'p-cucumber', qty: 1 }] };
    const quote = await api('POST', '/orders/quote', { token: who.a.token, body: { ...small, delivery } });
    expect(quote.body.data.amounts.deliveryFen, quote.text).toBe(500);
    const below = await place(who.a.token, { ...small, delivery });
    expect(below.amounts.deliveryFen).toBe(500);
    expect(below.amounts.payableFen).toBe(quote.body.data.amounts.payableFen);
    await payOrder(who.a.token, below.id);
    const cancelled = await api('POST', `/orders/${below.id}/cancel`, { token: who.a.token });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.data.refunds.map((r: any) => r.amountFen)).toEqual([below.amounts.payableFen]);
    expect(below.amounts.payableFen).toBeGreaterThan(500);
    // A slot the community does not offer; a community that does not deliver.
    expect((await api('POST', '/orders/quote', { token: who.a.token, body: { ...small, delivery: { ...delivery, slot: '07:00-08:00' } } })).status).toBe(400);
    const none = await api('POST', '/orders/quote', { token: who.a.token, body: { communityId: XJH, items: small.items, delivery } });
    expect([none.status, none.body.error?.code]).toEqual([409, 'INVALID_STATE']);

    // From ¥9.9: free.
    const above = await place(who.a.token, { communityId: LJZ, items: [{ productId: 'p-cucumber', qty: 3 }], delivery });
    expect(above.amounts.deliveryFen).toBe(0);
    await payOrder(who.a.token, above.id);
    // Pickup orders: b in Lujiazui (rice: 3 pickup days), c in Wujiaochang (same route), d in Xujiahui (the other route).
    const b = await place(who.b.token, { communityId: LJZ, items: [{ productId: 'p-rice', qty: 1 }] });
    const c = await place(who.c.token, { communityId: WJC, items: [{ productId: 'p-rice', qty: 1 }] });
    const d = await place(who.d.token, { communityId: XJH, items: [{ productId: 'p-rice', qty: 1 }] });
    for (const [k, o] of [['b', b], ['c', c], ['d', d]] as const) await payOrder(who[k].token, o.id);
    for (const k of ['a', 'b', 'c', 'd'] as const) expect((await api('POST', '/notify/subscriptions', { token: who[k].token, body: { results: { 'tmpl-lateNotice': 'accept' } } })).status).toBe(200);
    for (const l of Object.values(leaders))
      expect((await api('POST', '/notify/subscriptions', { token: l.token, body: { results: { 'tmpl-lateNoticeLeader': 'accept', 'tmpl-arrivalReminder': 'accept' } } })).status).toBe(200);

    await setClock(staff, `${D}T22:00:01+08:00`);
    expect((await runJobAndWait(baseUrl(), staff, 'cutoff')).status).toBe('DONE');

    // The warehouse's delivery list of the route: the full address and phone.
    const list = await api('GET', `/admin/waves/${D}/deliveries?routeId=r-east`, { token: staff });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data.items).toEqual([expect.objectContaining({ orderId: above.id, slot: '18:00-20:00', address: '浦东新区 陆家嘴环路88弄6号1201室', recipient: { name: HOME.name, phone: HOME.phone }, status: 'CONFIRMED' })]);
    expect((await api('GET', `/admin/waves/${D}/deliveries`, { token: leaders.ljz.token })).status).toBe(403);

    // Dispatch of r-east: the arrival reminder to its leaders, once.
    await setClock(staff, `${D1}T06:00:00+08:00`);
    const dispatched = await api('POST', `/admin/waves/${D}/dispatch`, { token: staff, body: { routeId: 'r-east' } });
    expect(dispatched.status, dispatched.text).toBe(200);
    expect(dispatched.body.data.leaders).toBe(2);
    expect((await api('POST', `/admin/waves/${D}/dispatch`, { token: staff, body: { routeId: 'r-east' } })).body.data.leaders).toBe(0);

    // The route is late: 3 confirmed orders, 2 leaders; a retry answers the same and queues nothing.
    const late = { requestId: `late-${Date.now()}`, routeId: 'r-east', newArrivalAt: '2027-12-03T10:00:00+08:00', reason: '暴雨封路' };
    const first = await api('POST', `/admin/waves/${D}/late`, { token: staff, body: late });
    expect(first.status, first.text).toBe(200);
    expect(first.body.data).toEqual({ orders: 3, leaders: 2 });
    const again = await api('POST', `/admin/waves/${D}/late`, { token: staff, body: late });
    expect(again.body.data).toEqual({ orders: 3, leaders: 2 });
    expect((await api('POST', `/admin/waves/${D}/late`, { token: staff, body: { ...late, reason: '别的' } })).status).toBe(409);
    expect((await api('POST', `/admin/waves/${D}/late`, { token: who.a.token, body: late })).status).toBe(403);
    for (let i = 0; i < 2; i++) expect((await runJobAndWait(baseUrl(), staff, 'notify')).status).toBe('DONE');

    const pushes = async (openid: string, templateId: string) => {
      const r = await api('GET', `/dev/outbox?touser=${openid}`, { token: staff });
      expect(r.status, r.text).toBe(200);
      return (r.body.data as { templateId: string; data: Record<string, { value: string }> }[]).filter((m) => m.templateId === templateId);
    };
    for (const k of ['a', 'b', 'c'] as const) expect(await pushes(who[k].openid, 'tmpl-lateNotice'), k).toHaveLength(1);
    expect(await pushes(who.d.openid, 'tmpl-lateNotice')).toEqual([]);
    for (const l of Object.values(leaders)) {
      expect((await pushes(l.openid, 'tmpl-lateNoticeLeader')).filter((m) => m.data.date2?.value === D), l.openid).toHaveLength(1);
      expect((await pushes(l.openid, 'tmpl-arrivalReminder')).filter((m) => m.data.date2?.value === D), l.openid).toHaveLength(1);
    }
    expect((await api('GET', `/orders/${b.id}`, { token: who.b.token })).body.data.arrivalAt).toBe('2027-12-03T10:00:00+08:00');
    expect((await api('GET', `/orders/${d.id}`, { token: who.d.token })).body.data.arrivalAt).toBeUndefined();

    // Arrival confirmed the day before the new time: the deadline counts from the new time (12-03 + 3 days).
    await setClock(staff, `${D1}T16:30:00+08:00`);
    const arrived = await api('POST', '/verify/arrival', { token: leaders.ljz.token, body: { communityId: LJZ, waveDate: D } });
    expect(arrived.status, arrived.text).toBe(200);
    expect((await api('GET', `/orders/${b.id}`, { token: who.b.token })).body.data.pickupDeadline).toBe('2027-12-06T22:00:00+08:00');

    // Delivered once with the customer's code.
    await setClock(staff, `${D1}T18:30:00+08:00`);
    const code = (await api('GET', `/orders/${above.id}`, { token: who.a.token })).body.data.pickupCode;
    const delivered = await api('POST', '/verify/deliver', { token: leaders.ljz.token, body: { communityId: LJZ, code } });
    expect(delivered.status, delivered.text).toBe(200);
    expect(delivered.body.data).toMatchObject({ id: above.id, status: 'DELIVERED' });
    expect(delivered.text).not.toContain(HOME.phone);
    const twice = await api('POST', '/verify/deliver', { token: leaders.ljz.token, body: { communityId: LJZ, code } });
    expect([twice.status, twice.body.error?.code]).toEqual([409, 'ALREADY_DONE']);
    const bCode = (await api('GET', `/orders/${b.id}`, { token: who.b.token })).body.data.pickupCode;
    expect((await api('POST', '/verify/deliver', { token: leaders.ljz.token, body: { communityId: LJZ, code: bCode } })).body.error?.code).toBe('INVALID_STATE');
    const rated = await api('POST', `/orders/${above.id}/rating`, { token: who.a.token, body: { stars: 5 } });
    expect(rated.status, rated.text).toBe(200);
  });
});
