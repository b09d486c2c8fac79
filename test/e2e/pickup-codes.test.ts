import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/** Runs the cutoff job now (as the heartbeat does) and waits for a whole run of it to end DONE. */
async function runCutoff(staff: string): Promise<void> {
  const run = await runJobAndWait(baseUrl(), staff, 'cutoff');
  expect(run.status, JSON.stringify(run)).toBe('DONE');
}

/**
 * Issue 12 item 7 over HTTP: pickup codes stay with the customer. The owner's order view (get
 * and list) carries `pickupCode` and `pickupQr` (`GB1:<communityId>:<code>`, what the leader's
 * scanner reads); staff and leader views, pick lists (JSON and CSV) and the redeem answer
 * carry the short number, masked name and phone tail, never the code.
 */
const D = '2027-03-17'; // a Wednesday after the dates the other e2e files walk
const C = 'c-xujiahui';
const contact = { name: '赵小云', phone: '13698765432' };

describe('pickup codes stay with the customer', () => {
  let staff: string;
  let customer: string;
  let leader: string;
  let order: { id: string; shortNo: string };
  let code: string;

  beforeAll(async () => {
    staff = await login('demo-staff');
    customer = await login(uniqueOpenid('pickup'));
    leader = await login('demo-leader-xujiahui');
  });
  afterAll(async () => {
    await resetClock(staff);
  });

  it('the owner sees the code and its QR payload in GET /orders/{id} and GET /orders', async () => {
    await setClock(staff, `${D}T10:00:00+08:00`);
    const placed = await api('POST', '/orders', { token: customer, body: { communityId: C, items: [{ productId: 'p-rice', qty: 1 }], requestId: `pc-${Date.now().toString(36)}`, contact } });
    expect(placed.status, placed.text).toBe(201);
    order = placed.body.data.order;
    expect(order.shortNo).toBeTruthy();
    const paid = await api('POST', `/dev/pay/${order.id}`, { token: customer });
    expect(paid.body.data.order.status, paid.text).toBe('PAID');

    const mine = (await api('GET', `/orders/${order.id}`, { token: customer })).body.data;
    expect(mine.pickupCode).toMatch(/^\d{8}$/);
    code = mine.pickupCode;
    expect(mine.pickupQr).toBe(`GB1:${C}:${code}`);
    const list = (await api('GET', '/orders', { token: customer })).body.data;
    expect(list.items.find((o: any) => o.id === order.id)).toMatchObject({ pickupCode: code, pickupQr: `GB1:${C}:${code}` });
  });

  it('staff and the leader looking at the same order never see the code', async () => {
    const asStaff = await api('GET', `/orders/${order.id}`, { token: staff });
    expect(asStaff.status, asStaff.text).toBe(200);
    expect(asStaff.body.data.shortNo).toBe(order.shortNo);
    expect(asStaff.text).not.toContain(code);
    const asLeader = await api('GET', `/orders/${order.id}`, { token: leader });
    expect(asLeader.status, asLeader.text).toBe(200);
    expect(asLeader.body.data.contact).toEqual({ name: '赵**', phoneTail: '5432' });
    expect(asLeader.text).not.toContain(code);
  });

  it('pick lists (JSON and CSV) and the leader’s order list carry short number, masked name and phone tail, never the code', async () => {
    await setClock(staff, `${D}T22:00:01+08:00`);
    await runCutoff(staff);

    const json = await api('GET', `/admin/waves/${D}/pick-lists?communityId=${C}`, { token: staff });
    expect(json.status, json.text).toBe(200);
    const label = json.body.data.lists.flatMap((l: any) => l.labels).find((l: any) => l.shortNo === order.shortNo);
    expect(label).toMatchObject({ shortNo: order.shortNo, contactName: '赵**', phoneTail: '5432' });
    expect(Object.keys(label).sort()).toEqual(['contactName', 'lines', 'phoneTail', 'shortNo']);
    expect(json.text).not.toContain(code);
    const all = await api('GET', `/admin/waves/${D}/pick-lists`, { token: staff });
    expect(all.text).toContain(order.shortNo);
    expect(all.text).not.toContain(code);

    const csv = await api('GET', `/admin/waves/${D}/pick-lists?communityId=${C}&format=csv`, { token: staff });
    expect(csv.status).toBe(200);
    expect(csv.text).toContain(order.shortNo);
    expect(csv.text).toContain('赵**');
    expect(csv.text).not.toContain(code);
    expect(csv.text).not.toContain('取货码');

    const leaderList = await api('GET', `/leader/orders?waveDate=${D}`, { token: leader });
    expect(leaderList.status, leaderList.text).toBe(200);
    expect(leaderList.body.data.items.find((o: any) => o.id === order.id)).toMatchObject({ shortNo: order.shortNo, contact: { name: '赵**', phoneTail: '5432' } });
    expect(leaderList.text).not.toContain(code);
  });

  it('the leader scans the QR payload and redeems; the answer does not echo the code', async () => {
    await setClock(staff, '2027-03-18T16:10:00+08:00');
    const arrival = await api('POST', '/verify/arrival', { token: leader, body: { communityId: C, waveDate: D } });
    expect(arrival.status, arrival.text).toBe(200);
    const qr = (await api('GET', `/orders/${order.id}`, { token: customer })).body.data.pickupQr as string;
    const [, communityId, scanned] = qr.split(':');
    const redeemed = await api('POST', '/verify/redeem', { token: leader, body: { communityId, code: scanned } });
    expect(redeemed.status, redeemed.text).toBe(200);
    expect(redeemed.body.data).toMatchObject({ id: order.id, status: 'PICKED_UP' });
    expect(redeemed.text).not.toContain(code);
  });
});
