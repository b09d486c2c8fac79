import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/**
 * A merchant's week on the local stack, walked with POST /dev/clock: orders and payment on
 * Monday, the 22:00 cutoff and its reports, pushes, arrival and pickup on Tuesday, the
 * settlement the next Monday at 02:00, a withdrawal paid through the sandbox transfer.
 */
const contact = { name: '王小明', phone: '13612345678' };
let seq = 0;
const rid = () => `day-${Date.now().toString(36)}-${seq++}`;
const halfUp = (paid: number, rate: number) => Math.floor((paid * Math.round(rate * 10000) + 5000) / 10000);

describe('a week on the local stack', () => {
  let staff: string;
  let alice: string;
  let bob: string;
  let carol: string;
  let jingan: string;
  let lujiazui: string;
  const s: Record<string, any> = {};

  beforeAll(async () => {
    staff = await login('demo-staff');
    [alice, bob, carol] = await Promise.all([login(uniqueOpenid('alice')), login(uniqueOpenid('bob')), login(uniqueOpenid('carol'))]);
    jingan = await login('demo-leader-jingan');
    lujiazui = await login('demo-leader-lujiazui');
  });
  afterAll(async () => {
    await resetClock(staff);
  });

  // First: once the clock passes 22:00 the stack's own heartbeat may close the wave and queue the summary at any moment.
  it('leaders accept the cutoff summary template in the mini-program', async () => {
    const templates = (await api('GET', '/notify/templates', { token: jingan })).body.data;
    const cutoff = templates.find((t: any) => t.key === 'cutoffSummary');
    expect(cutoff.audience).toBe('leader');
    // One-time subscriptions add up: five accepts, so summaries of earlier waves the stack's own
    // heartbeat closes on the way to 2027-03-01 (orders of earlier e2e files) cannot use up the one this test reads.
    let quota = 0;
    for (let i = 0; i < 5; i++) quota = (await api('POST', '/notify/subscriptions', { token: jingan, body: { results: { [cutoff.templateId]: 'accept' } } })).body.data.quota[cutoff.templateId];
    expect(quota).toBeGreaterThanOrEqual(5);
    s.cutoffTemplate = cutoff.templateId;
  });

  it('Monday: orders are placed and paid; an unpaid one and a late one', async () => {
    await setClock(staff, '2027-03-01T10:00:00+08:00');
    const place = async (token: string, communityId: string, items: unknown[]) => {
      const r = await api('POST', '/orders', { token, body: { communityId, items, requestId: rid(), contact } });
      expect(r.status, r.text).toBe(201);
      return r.body.data.order;
    };
    s.porkBefore = (await api('GET', '/catalog?communityId=c-jingan', { token: alice })).body.data.products.find((p: any) => p.id === 'p-pork').remaining;
    s.a = await place(alice, 'c-jingan', [{ productId: 'p-rice', qty: 1 }, { productId: 'p-tomato', qty: 2 }]);
    s.b = await place(bob, 'c-lujiazui', [{ productId: 'p-pork', qty: 1 }]);
    s.c = await place(carol, 'c-jingan', [{ productId: 'p-pork', qty: 2 }]);
    expect(s.a.waveDate).toBe('2027-03-01');
    for (const [token, o] of [[alice, s.a], [bob, s.b]] as const) {
      const paid = await api('POST', `/dev/pay/${o.id}`, { token });
      expect(paid.body.data.order.status).toBe('PAID');
    }
    await setClock(staff, '2027-03-01T22:00:01+08:00');
    s.late = await place(bob, 'c-lujiazui', [{ productId: 'p-rice', qty: 1 }]);
    expect(s.late.waveDate).toBe('2027-03-02');
  });

  it('22:00: the cutoff closes the wave; the reports hold the paid orders only; a second run changes nothing', async () => {
    const run = await runJobAndWait(baseUrl(), staff, 'cutoff');
    expect(run.status, JSON.stringify(run)).toBe('DONE');
    const carolOrder = (await api('GET', `/orders/${s.c.id}`, { token: carol })).body.data;
    expect(carolOrder.status).toBe('CANCELLED');
    const porkAfter = (await api('GET', '/catalog?communityId=c-jingan', { token: alice })).body.data;
    expect(porkAfter.wave.date).toBe('2027-03-02');
    const purchase = (await api('GET', '/admin/waves/2027-03-01/purchase-list', { token: staff })).body.data;
    const qty = (pid: string) => purchase.suppliers.flatMap((x: any) => x.lines).filter((l: any) => l.productId === pid).reduce((n: number, l: any) => n + l.qty, 0);
    expect(qty('p-rice')).toBeGreaterThanOrEqual(1);
    expect(qty('p-tomato')).toBeGreaterThanOrEqual(2);
    const picks = (await api('GET', '/admin/waves/2027-03-01/pick-lists?communityId=c-jingan', { token: staff })).body.data;
    const labels = picks.lists.flatMap((p: any) => p.labels);
    expect(labels.filter((l: any) => l.shortNo === s.a.shortNo)).toHaveLength(1);
    expect(labels.some((l: any) => l.shortNo === s.c.shortNo)).toBe(false);
    const routes = await api('GET', '/admin/waves/2027-03-01/routes', { token: staff });
    expect(routes.status).toBe(200);
    const csv = await api('GET', '/admin/waves/2027-03-01/purchase-list?format=csv', { token: staff });
    expect([...csv.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const again = await runJobAndWait(baseUrl(), staff, 'cutoff');
    expect(again.status).toBe('DONE');
    expect((await api('GET', '/admin/waves/2027-03-01/purchase-list', { token: staff })).body.data).toEqual(purchase);
    expect((await api('GET', `/orders/${s.a.id}`, { token: alice })).body.data.status).toBe('CONFIRMED');
  });

  it('the notify job sends each subscribed leader’s summary once, even run twice at once', async () => {
    await Promise.all([runJobAndWait(baseUrl(), staff, 'notify'), runJobAndWait(baseUrl(), staff, 'notify')]);
    await runJobAndWait(baseUrl(), staff, 'notify');
    const outbox = (await api('GET', '/dev/outbox', { token: staff })).body.data;
    const summaries = outbox.filter((m: any) => m.templateId === s.cutoffTemplate && m.touser === 'demo-leader-jingan' && JSON.stringify(m.data).includes('2027-03-01'));
    expect(summaries).toHaveLength(1);
    expect(outbox.some((m: any) => m.templateId === s.cutoffTemplate && m.touser === 'demo-leader-lujiazui' && JSON.stringify(m.data).includes('2027-03-01'))).toBe(false);
  });

  it('Tuesday: the leader confirms arrival and redeems; twice is ALREADY_DONE; another leader is FORBIDDEN', async () => {
    await setClock(staff, '2027-03-02T16:10:00+08:00');
    const arrival = await api('POST', '/verify/arrival', { token: jingan, body: { communityId: 'c-jingan', waveDate: '2027-03-01' } });
    expect(arrival.status, arrival.text).toBe(200);
    expect(arrival.body.data.arrived).toBeGreaterThanOrEqual(1);
    const code = (await api('GET', `/orders/${s.a.id}`, { token: alice })).body.data.pickupCode;
    expect(code).toMatch(/^\d{8}$/);
    const other = await api('POST', '/verify/redeem', { token: lujiazui, body: { communityId: 'c-jingan', code } });
    expect(other.body.error.code).toBe('FORBIDDEN');
    const leaderView = (await api('GET', '/leader/orders?waveDate=2027-03-01&phoneTail=5678', { token: jingan })).body.data;
    expect(leaderView.items.find((o: any) => o.id === s.a.id).contact).toEqual({ name: '王**', phoneTail: '5678' });
    const redeemed = await api('POST', '/verify/redeem', { token: jingan, body: { communityId: 'c-jingan', code } });
    expect(redeemed.status, redeemed.text).toBe(200);
    expect(redeemed.body.data.status).toBe('PICKED_UP');
    const twice = await api('POST', '/verify/redeem', { token: jingan, body: { communityId: 'c-jingan', code } });
    expect(twice.body.error.code).toBe('ALREADY_DONE');
    s.commission = s.a.lines.reduce((sum: number, l: any) => sum + halfUp(l.paidFen, l.productId === 'p-rice' ? 0.08 : 0.1), 0);
    const balance = (await api('GET', '/leader/balance', { token: jingan })).body.data;
    expect(balance.pendingFen).toBeGreaterThanOrEqual(s.commission);
    s.pendingBefore = balance.pendingFen;
  });

  it('next Monday 02:00: the settle job writes the statement; pending becomes available; a second run changes nothing', async () => {
    await setClock(staff, '2027-03-08T02:00:30+08:00');
    const run = await runJobAndWait(baseUrl(), staff, 'settle');
    expect(run.status, JSON.stringify(run)).toBe('DONE');
    const statements = (await api('GET', '/leader/statements', { token: jingan })).body.data;
    const w09 = statements.find((x: any) => x.period === '2027-W09');
    expect(w09).toBeDefined();
    const line = w09.lines.find((l: any) => l.productId === 'p-tomato' && (l.orderId === s.a.id || l.shortNo === s.a.shortNo));
    expect(line.commissionFen).toBe(halfUp(line.paidFen, 0.1));
    const balance = (await api('GET', '/leader/balance', { token: jingan })).body.data;
    expect(balance.availableFen).toBeGreaterThanOrEqual(w09.totalFen);
    await runJobAndWait(baseUrl(), staff, 'settle');
    expect((await api('GET', '/leader/balance', { token: jingan })).body.data).toEqual(balance);
    s.available = balance.availableFen;
  });

  it('a withdrawal is reserved, approved, paid through the sandbox transfer once', async () => {
    const amountFen = Math.min(s.available, 100);
    const w = await api('POST', '/leader/withdrawals', { token: jingan, body: { requestId: rid(), amountFen } });
    expect(w.status, w.text).toBe(200);
    expect(w.body.data.status).toBe('PENDING');
    const approved = await api('POST', `/admin/withdrawals/${w.body.data.id}/decide`, { token: staff, body: { decision: 'approve' } });
    expect(approved.status, approved.text).toBe(200);
    const first = await api('POST', `/dev/payout/${w.body.data.id}`, { token: staff });
    expect(first.status, first.text).toBe(200);
    await api('POST', `/dev/payout/${w.body.data.id}`, { token: staff });
    const mine = (await api('GET', '/leader/withdrawals', { token: jingan })).body.data;
    expect(mine.find((x: any) => x.id === w.body.data.id).status).toBe('PAID');
    const balance = (await api('GET', '/leader/balance', { token: jingan })).body.data;
    expect(balance.availableFen).toBe(s.available - amountFen);
    expect(balance.withdrawnFen).toBeGreaterThanOrEqual(amountFen);
  });

  it('the finance report counts the week’s money per day', async () => {
    const fin = (await api('GET', '/admin/finance?from=2027-03-01&to=2027-03-08', { token: staff })).body.data;
    const day = (d: string) => fin.days.find((x: any) => x.date === d);
    expect(day('2027-03-01').paidFen).toBe(s.a.amounts.payableFen + s.b.amounts.payableFen);
    expect(day('2027-03-02').accruedFen).toBeGreaterThanOrEqual(s.commission);
    expect(day('2027-03-08').withdrawnFen).toBeGreaterThan(0);
  });
});
