import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateFen } from '#domain/money';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/**
 * The back office over HTTP on the local stack (issue 14 acceptance): staff find an order by the
 * customer's full phone; refund one unit of a confirmed order (exact fen; the pickup's
 * commission and points on what remains); a shortage of 3 units across 5 orders refunds
 * exactly 3 units once, even when posted twice at once, and the pick lists change with it.
 */
const WAVE = '2027-06-07';
const halfUp = (paid: number, rate: number) => Math.floor((paid * Math.round(rate * 10000) + 5000) / 10000);
let seq = 0;
const rid = () => `bo-${Date.now().toString(36)}-${seq++}`;
/** A phone number no other test uses. */
const phone = `137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

describe('the back office on the local stack', () => {
  let staff: string;
  let leader: string;
  const customers: string[] = [];
  const orders: any[] = [];
  const s: Record<string, any> = {};

  beforeAll(async () => {
    staff = await login('demo-staff');
    leader = await login('demo-leader-jingan');
    for (let i = 0; i < 5; i++) customers.push(await login(uniqueOpenid(`bo${i}`)));
  });
  afterAll(async () => {
    await resetClock(staff);
  });

  it('five customers order rice and pay a minute apart', async () => {
    const rice = [2, 1, 2, 1, 1];
    for (let i = 0; i < 5; i++) {
      await setClock(staff, `${WAVE}T10:0${i}:00+08:00`);
      const items = [{ productId: 'p-rice', qty: rice[i] }, ...(i === 0 ? [{ productId: 'p-tomato', qty: 1 }] : [])];
      const contact = { name: '赵六', phone: i === 0 ? phone : `136${String(i).padStart(8, '0')}` };
      const placed = await api('POST', '/orders', { token: customers[i], body: { communityId: i % 2 ? 'c-lujiazui' : 'c-jingan', items, requestId: rid(), contact } });
      expect(placed.status, placed.text).toBe(201);
      const paid = await api('POST', `/dev/pay/${placed.body.data.order.id}`, { token: customers[i] });
      expect(paid.body.data.order.status).toBe('PAID');
      orders.push(paid.body.data.order);
    }
  });

  it('staff find the order by the customer’s full phone, masked, without the pickup code', async () => {
    const found = await api('GET', `/admin/orders?phone=${phone}`, { token: staff });
    expect(found.status, found.text).toBe(200);
    expect(found.body.data.items.map((o: any) => o.id)).toEqual([orders[0].id]);
    expect(found.body.data.items[0].contact).toEqual({ name: '赵*', phoneTail: phone.slice(-4) });
    expect(found.text).not.toContain(phone);
    expect(found.body.data.items[0]).not.toHaveProperty('pickupCode');
    const another = `${phone.slice(0, 10)}${(Number(phone.slice(-1)) + 1) % 10}`;
    expect((await api('GET', `/admin/orders?phone=${another}`, { token: staff })).body.data.items.filter((o: any) => o.id === orders[0].id)).toEqual([]);
    const detail = await api('GET', `/admin/orders/${orders[0].id}`, { token: staff });
    expect(detail.body.data.timeline.map((e: any) => e.event)).toEqual(['PLACED', 'PAID']);
    // Customers may not.
    expect((await api('GET', `/admin/orders?phone=${phone}`, { token: customers[1] })).status).toBe(403);
  });

  it('22:00: the cutoff confirms them', async () => {
    await setClock(staff, `${WAVE}T22:00:01+08:00`);
    const run = await runJobAndWait(baseUrl(), staff, 'cutoff');
    expect(run.status, JSON.stringify(run)).toBe('DONE');
    const o = await api('GET', `/admin/orders/${orders[0].id}`, { token: staff });
    expect(o.body.data.status).toBe('CONFIRMED');
  });

  it('one unit of a confirmed order refunded: the exact fen, once; the pickup accrues commission and points on what remains', async () => {
    await setClock(staff, `${WAVE}T23:00:00+08:00`);
    const a = orders[0];
    const riceLine = a.lines.find((l: any) => l.productId === 'p-rice');
    const unit = allocateFen(riceLine.paidFen, [1, 1])[0]!;
    const body = { requestId: rid(), lines: [{ productId: 'p-rice', qty: 1 }], reason: '包装破损' };
    const r = await api('POST', `/admin/orders/${a.id}/refund`, { token: staff, body });
    expect(r.status, r.text).toBe(200);
    expect(r.body.data.refunds.map((x: any) => x.amountFen)).toEqual([unit]);
    const again = await api('POST', `/admin/orders/${a.id}/refund`, { token: staff, body });
    expect(again.body.data.refunds.map((x: any) => x.amountFen)).toEqual([unit]);
    // The customer sees the refund (its push is queued in the same write: shortages-wave.test.ts checks the outbox).
    const mine = (await api('GET', `/orders/${a.id}`, { token: customers[0] })).body.data;
    expect(mine.refunds.map((x: any) => x.amountFen)).toEqual([unit]);
    s.unit = unit;

    // Arrival next day, then pickup: commission and points on what remains.
    await setClock(staff, '2027-06-08T16:00:00+08:00');
    expect((await api('POST', '/verify/arrival', { token: leader, body: { communityId: 'c-jingan', waveDate: WAVE } })).status).toBe(200);
    const products = (await api('GET', '/admin/products', { token: staff })).body.data;
    const rate = (id: string) => products.find((p: any) => p.id === id).commissionRate;
    const balanceBefore = (await api('GET', '/leader/balance', { token: leader })).body.data.pendingFen;
    const me = async () => {
      const r = await api('GET', '/me', { token: customers[0] });
      expect(r.status, r.text).toBe(200);
      return r.body.data.points as number;
    };
    const pointsBefore = await me();
    const code = mine.pickupCode ?? (await api('GET', `/orders/${a.id}`, { token: customers[0] })).body.data.pickupCode;
    const redeemed = await api('POST', '/verify/redeem', { token: leader, body: { communityId: 'c-jingan', code } });
    expect(redeemed.status, redeemed.text).toBe(200);
    const tomato = a.lines.find((l: any) => l.productId === 'p-tomato');
    const commission = halfUp(riceLine.paidFen, rate('p-rice')) - halfUp(unit, rate('p-rice')) + halfUp(tomato.paidFen, rate('p-tomato'));
    expect((await api('GET', '/leader/balance', { token: leader })).body.data.pendingFen - balanceBefore).toBe(commission);
    const paid = a.lines.reduce((n: number, l: any) => n + l.paidFen, 0);
    expect((await me()) - pointsBefore).toBe(Math.floor((paid - unit) / 100));
  });

  it('a shortage of 3 units across the other 4 orders, posted twice at once: exactly 3 units refunded once, latest paid first; the pick lists follow', async () => {
    const riceOf = async () => {
      const lists = (await api('GET', `/admin/waves/${WAVE}/pick-lists`, { token: staff })).body.data.lists;
      return lists.flatMap((l: any) => l.products).filter((p: any) => p.productId === 'p-rice').reduce((n: number, p: any) => n + p.qty, 0);
    };
    const before = await riceOf();
    expect(before).toBe(7 - 1);
    const body = { requestId: rid(), productId: 'p-rice', shortQty: 3, reason: '供应商少送' };
    const [x, y] = await Promise.all([
      api('POST', `/admin/waves/${WAVE}/shortages`, { token: staff, body }),
      api('POST', `/admin/waves/${WAVE}/shortages`, { token: staff, body }),
    ]);
    expect(x.status, x.text).toBe(200);
    expect(y.status, y.text).toBe(200);
    expect(y.body.data).toEqual(x.body.data);
    const report = x.body.data;
    expect(report.remainingShortQty).toBe(0);
    // Latest paid first: orders 4, 3 (one bag each), then one of order 2's two bags; order 0 was picked up.
    expect(report.refunded.map((r: any) => [r.orderId, r.qty])).toEqual([
      [orders[4].id, 1],
      [orders[3].id, 1],
      [orders[2].id, 1],
    ]);
    for (const r of report.refunded) {
      const o = (await api('GET', `/admin/orders/${r.orderId}`, { token: staff })).body.data;
      const line = o.lines.find((l: any) => l.productId === 'p-rice');
      expect(o.refunds.map((f: any) => f.amountFen)).toEqual([allocateFen(line.paidFen, Array(line.qty).fill(1))[0]]);
      expect(r.refundFen).toBe(o.refunds[0].amountFen);
    }
    expect(await riceOf()).toBe(before - 3);
    const purchase = (await api('GET', `/admin/waves/${WAVE}/purchase-list`, { token: staff })).body.data;
    const rice = purchase.suppliers.flatMap((p: any) => p.lines).find((l: any) => l.productId === 'p-rice');
    expect(rice).toMatchObject({ shortQty: 3, deliverQty: rice.qty - 3 });
    // Posted again: nothing more.
    const third = await api('POST', `/admin/waves/${WAVE}/shortages`, { token: staff, body });
    expect(third.body.data).toEqual(report);
    expect(await riceOf()).toBe(before - 3);
    // The audit trail has the shortage once, however often it was posted.
    const audit = (await api('GET', `/admin/audit?target=${WAVE}/p-rice`, { token: staff })).body.data.items;
    expect(audit.map((e: any) => e.command)).toEqual(['cutoff.shortage']);
  });
});
