import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/**
 * Issue 20 over HTTP on the local stack: the arrival SMS of a customer without push quota
 * (GET /dev/sms shows what the sink "sent"), the opt-out, the daily cap under a clock walk,
 * finance's SMS count and cost, export and deletion.
 */
const D = '2027-09-15'; // after the dates the other e2e files walk
const D1 = '2027-09-16';
const D2 = '2027-09-17';
const C = 'c-xujiahui';
const phone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

describe('SMS fallback, export and deletion over HTTP', () => {
  let staff: string;
  let leader: string;
  const who = {
    plain: { openid: uniqueOpenid('sms-plain'), phone: phone(), name: '诸葛小亮', token: '' },
    optout: { openid: uniqueOpenid('sms-optout'), phone: phone(), name: '公孙小胜', token: '' },
    busy: { openid: uniqueOpenid('sms-busy'), phone: phone(), name: '慕容小复', token: '' },
  };
  const orders: Record<string, { id: string; shortNo: string }[]> = { plain: [], optout: [], busy: [] };

  const place = async (k: keyof typeof who) => {
    const c = who[k];
    const placed = await api('POST', '/orders', { token: c.token, body: { communityId: C, items: [{ productId: 'p-rice', qty: 1 }], requestId: `sms-${Math.random().toString(36).slice(2)}`, contact: { name: c.name, phone: c.phone } } });
    expect(placed.status, placed.text).toBe(201);
    const paid = await api('POST', `/dev/pay/${placed.body.data.order.id}`, { token: c.token });
    expect(paid.body.data.order.status, paid.text).toBe('PAID');
    orders[k]!.push(placed.body.data.order);
  };
  const smsTo = async (p: string) => {
    const r = await api('GET', `/dev/sms?phone=${p}`, { token: staff });
    expect(r.status, r.text).toBe(200);
    return r.body.data as { phone: string; template: string; params: string[]; sentAt: string }[];
  };
  const cutoffAndArrive = async (wave: string, next: string) => {
    await setClock(staff, `${wave}T22:00:01+08:00`);
    expect((await runJobAndWait(baseUrl(), staff, 'cutoff')).status).toBe('DONE');
    await setClock(staff, `${next}T16:30:00+08:00`);
    const arrival = await api('POST', '/verify/arrival', { token: leader, body: { communityId: C, waveDate: wave } });
    expect(arrival.status, arrival.text).toBe(200);
    // The first drain skips the pushes (no quota) and queues the SMS, the second sends what is left.
    for (let i = 0; i < 2; i++) expect((await runJobAndWait(baseUrl(), staff, 'notify')).status).toBe('DONE');
  };

  beforeAll(async () => {
    staff = await login('demo-staff');
    leader = await login('demo-leader-xujiahui');
    for (const c of Object.values(who)) c.token = await login(c.openid);
  });
  afterAll(async () => {
    await resetClock(staff);
  });

  it('without push quota: exactly one arrival SMS with the full number; the opted-out customer gets none; the daily cap (2) holds until the next business day', async () => {
    const opt = await api('POST', '/me/sms', { token: who.optout.token, body: { enabled: false } });
    expect(opt.status, opt.text).toBe(200);
    expect(opt.body.data).toEqual({ enabled: false });
    expect((await api('POST', '/me/sms', { token: who.optout.token, body: { enabled: 'no' } })).status).toBe(400);

    await setClock(staff, `${D}T10:00:00+08:00`);
    await place('plain');
    await place('optout');
    for (let i = 0; i < 3; i++) await place('busy');
    await cutoffAndArrive(D, D1);

    const plain = await smsTo(who.plain.phone);
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatchObject({ phone: who.plain.phone, template: 'arrivalNotice' });
    expect(plain[0]!.params[0]).toBe(orders.plain![0]!.shortNo);
    expect(await smsTo(who.optout.phone)).toEqual([]);
    expect(await smsTo(who.busy.phone)).toHaveLength(2);
    // Running the drain again sends nothing more.
    expect((await runJobAndWait(baseUrl(), staff, 'notify')).status).toBe('DONE');
    expect(await smsTo(who.plain.phone)).toHaveLength(1);
    expect(await smsTo(who.busy.phone)).toHaveLength(2);

    // The next business day: the busy customer's next arrival gets its SMS.
    await place('busy');
    await cutoffAndArrive(D1, D2);
    const busy = await smsTo(who.busy.phone);
    expect(busy).toHaveLength(3);
    expect(busy[2]!.params[0]).toBe(orders.busy![3]!.shortNo);
  });

  it('finance shows the SMS count and cost per day', async () => {
    const r = await api('GET', `/admin/finance?from=${D1}&to=${D2}`, { token: staff });
    expect(r.status, r.text).toBe(200);
    const [d1, d2] = r.body.data.days;
    // At least ours (other customers of the shared stack may have had texts those days too).
    expect(d1.smsCount).toBeGreaterThanOrEqual(3);
    expect(d1.smsCostFen).toBe(d1.smsCount * 5);
    expect(d2.smsCount).toBeGreaterThanOrEqual(1);
  });

  it('export holds the caller’s orders with their contact and nothing of another customer', async () => {
    const r = await api('GET', '/me/export', { token: who.plain.token });
    expect(r.status, r.text).toBe(200);
    expect(r.body.data.orders.map((o: any) => o.id)).toEqual([orders.plain![0]!.id]);
    expect(r.body.data.orders[0].contact).toEqual({ name: who.plain.name, phone: who.plain.phone });
    for (const other of [who.busy, who.optout]) {
      expect(r.text).not.toContain(other.phone);
      expect(r.text).not.toContain(other.openid);
    }
  });

  it('deletion: refused while the order waits for pickup, then the account is erased, the order anonymised for staff, and a new sign-in is a new customer without the new-user coupon', async () => {
    const refused = await api('POST', '/me/delete', { token: who.plain.token, body: { confirm: 'DELETE' } });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error.code).toBe('INVALID_STATE');
    const code = (await api('GET', `/orders/${orders.plain![0]!.id}`, { token: who.plain.token })).body.data.pickupCode;
    const redeemed = await api('POST', '/verify/redeem', { token: leader, body: { communityId: C, code } });
    expect(redeemed.status, redeemed.text).toBe(200);
    expect((await api('POST', '/me/delete', { token: who.plain.token, body: {} })).status).toBe(400);

    const deleted = await api('POST', '/me/delete', { token: who.plain.token, body: { confirm: 'DELETE' } });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body.data).toEqual({ deleted: true });

    const asStaff = await api('GET', `/admin/orders/${orders.plain![0]!.id}`, { token: staff });
    expect(asStaff.status, asStaff.text).toBe(200);
    expect(asStaff.text).not.toContain(who.plain.phone);
    expect(asStaff.text).not.toContain(who.plain.name);
    expect(await smsTo(who.plain.phone)).toEqual([]);

    const again = await login(who.plain.openid);
    const me = await api('GET', '/me', { token: again });
    expect(me.body.data).toMatchObject({ id: who.plain.openid, points: 0, coupons: [] });
    expect((await api('GET', '/me/export', { token: again })).body.data.orders).toEqual([]);
  });
});
