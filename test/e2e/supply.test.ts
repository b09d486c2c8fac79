import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/**
 * Supply over HTTP on the local stack (issue 18 acceptance): with requireFreshBackups on, a
 * fresh product without a backup supplier cannot be active; a wave's purchase list with a 10%
 * buffer and a capacity-limited primary splits to the backup; receiving 5 short creates a
 * shortage refunding exactly 5 units (once, even on retry). Dates: 2028-01-01 … 2028-01-20.
 */
const WAVE = '2028-01-05';
const tag = Date.now().toString(36);
const A = `s-e2e-a-${tag}`;
const B = `s-e2e-b-${tag}`;
const GREENS = `p-e2e-greens-${tag}`;
let seq = 0;
const rid = () => `su-${tag}-${seq++}`;
const poId = (supplierId: string) => `po_${WAVE.replaceAll('-', '')}_${supplierId}`;
const supplier = (id: string, over: Record<string, unknown> = {}) => ({ id, name: `供应商${id.slice(-4)}`, channel: 'WHOLESALE', contact: { name: '王老板', phone: '13800001111' }, leadDays: 1, ...over });
const greens = { id: GREENS, title: '上海青 500g', category: '蔬菜', priceFen: 500, costFen: 300, fresh: true };

describe('supply on the local stack', () => {
  let staff: string;
  const customers: string[] = [];
  let original: Record<string, unknown> | undefined;

  beforeAll(async () => {
    staff = await login('demo-staff');
    for (let i = 0; i < 4; i++) customers.push(await login(uniqueOpenid(`su${i}`)));
  });
  afterAll(async () => {
    const now = await api('GET', '/admin/settings', { token: staff });
    if (now.status === 200 && original) await api('PUT', '/admin/settings', { token: staff, body: { ...original, version: now.body.data.version } });
    await resetClock(staff);
  });

  it('with requireFreshBackups on, a fresh product without a backup supplier cannot be active', async () => {
    await setClock(staff, `${WAVE}T09:00:00+08:00`);
    const doc = await api('GET', '/admin/settings', { token: staff });
    original = doc.body.data;
    const saved = await api('PUT', '/admin/settings', { token: staff, body: { ...original, requireFreshBackups: true } });
    expect(saved.status, saved.text).toBe(200);

    for (const s of [supplier(A, { capacity: { [GREENS]: 15 } }), supplier(B, { channel: 'ORIGIN' })]) {
      const r = await api('POST', '/admin/suppliers', { token: staff, body: s });
      expect(r.status, r.text).toBeLessThan(300);
      expect(r.text).not.toContain('13800001111');
    }
    const alone = await api('POST', '/admin/products', { token: staff, body: { ...greens, supplierId: A } });
    expect(alone.status, alone.text).toBe(409);
    expect(alone.body.error.code).toBe('INVALID_STATE');
    const inactive = await api('POST', '/admin/products', { token: staff, body: { ...greens, supplierId: A, status: 'inactive' } });
    expect(inactive.body.data.warnings).toEqual(['NO_BACKUP_SUPPLIER']);
    const backed = await api('POST', '/admin/products', { token: staff, body: { ...greens, suppliers: [A, B], lossBufferPct: 10 } });
    expect(backed.status, backed.text).toBe(200);
    expect(backed.body.data).toMatchObject({ supplierId: A, suppliers: [A, B], status: 'active' });
    expect(backed.body.data.warnings).toBeUndefined();
  });

  it('four customers order 5 each and pay; the cutoff buffers 10% and splits to the backup', async () => {
    for (let i = 0; i < 4; i++) {
      await setClock(staff, `${WAVE}T10:0${i}:00+08:00`);
      const placed = await api('POST', '/orders', { token: customers[i], body: { communityId: i % 2 ? 'c-lujiazui' : 'c-jingan', items: [{ productId: GREENS, qty: 5 }], requestId: rid(), contact: { name: '钱七', phone: `1350000${String(i).padStart(4, '0')}` } } });
      expect(placed.status, placed.text).toBe(201);
      const paid = await api('POST', `/dev/pay/${placed.body.data.order.id}`, { token: customers[i] });
      expect(paid.body.data.order.status).toBe('PAID');
    }
    await setClock(staff, `${WAVE}T22:00:01+08:00`);
    const run = await runJobAndWait(baseUrl(), staff, 'cutoff');
    expect(run.status, JSON.stringify(run)).toBe('DONE');

    const list = await api('GET', `/admin/waves/${WAVE}/purchase-list`, { token: staff });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data.products.find((p: any) => p.productId === GREENS)).toMatchObject({ orderedQty: 20, bufferQty: 2, buyQty: 22, bySupplier: [{ supplierId: A, qty: 15 }, { supplierId: B, qty: 7 }], shortfallQty: 0 });

    const pos = await api('GET', `/admin/waves/${WAVE}/purchase-orders`, { token: staff });
    expect(pos.status, pos.text).toBe(200);
    const mine = pos.body.data.purchaseOrders.filter((p: any) => p.supplierId === A || p.supplierId === B);
    expect(mine.map((p: any) => [p.id, p.status, p.qty, p.amountFen])).toEqual([
      [poId(A), 'SENT', 15, 4500],
      [poId(B), 'SENT', 7, 2100],
    ]);
    const csv = await api('GET', `/admin/waves/${WAVE}/purchase-orders?format=csv`, { token: staff });
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('上海青 500g');
  });

  it('receiving 5 short (after the buffer) refunds exactly 5 units, once, even on retry', async () => {
    await setClock(staff, `${WAVE}T23:30:00+08:00`);
    const confirmed = await api('POST', `/admin/purchase-orders/${poId(A)}/status`, { token: staff, body: { status: 'CONFIRMED' } });
    expect(confirmed.body.data.status).toBe('CONFIRMED');
    const backup = await api('POST', `/admin/purchase-orders/${poId(B)}/receive`, { token: staff, body: { requestId: rid(), lines: [{ productId: GREENS, receivedQty: 7, rejectedQty: 0 }] } });
    expect(backup.status, backup.text).toBe(200);
    expect(backup.body.data.refunds).toEqual([]);

    const body = { requestId: rid(), lines: [{ productId: GREENS, receivedQty: 15, rejectedQty: 7, grade: 'B' }] };
    const first = await api('POST', `/admin/purchase-orders/${poId(A)}/receive`, { token: staff, body });
    const retry = await api('POST', `/admin/purchase-orders/${poId(A)}/receive`, { token: staff, body });
    for (const r of [first, retry]) {
      expect(r.status, r.text).toBe(200);
      expect(r.body.data.refunds).toHaveLength(1);
      expect(r.body.data.refunds[0].refunded.reduce((a: number, x: any) => a + x.qty, 0)).toBe(5);
      // Each order paid 2500 fen for 5 units less its first-order discount: the refund is within it.
      for (const x of r.body.data.refunds[0].refunded) expect(x.refundFen).toBeGreaterThan(0);
    }
    expect(retry.body.data.refunds).toEqual(first.body.data.refunds);
    // The orders hold exactly 5 units refunded.
    let units = 0;
    for (const o of first.body.data.refunds[0].refunded) {
      const d = await api('GET', `/admin/orders/${o.orderId}`, { token: staff });
      units += d.body.data.refundedQty?.[GREENS] ?? 0;
    }
    expect(units).toBe(5);
    const list = await api('GET', `/admin/waves/${WAVE}/purchase-list`, { token: staff });
    expect(list.body.data.products.find((p: any) => p.productId === GREENS)).toMatchObject({ shortQty: 5, deliverQty: 15 });
    const quality = await api('GET', '/admin/suppliers/quality?month=2028-01', { token: staff });
    expect(quality.body.data.find((q: any) => q.supplierId === A)).toMatchObject({ receivedQty: 15, rejectedQty: 7, defectRate: 0.4667 });
  });

  it('a 次日达 and a 隔日达 product in one order give two deliveries with their own deadlines', async () => {
    const D2 = '2028-01-12';
    const LATER = `p-e2e-later-${tag}`;
    await setClock(staff, `${D2}T09:00:00+08:00`);
    const made = await api('POST', '/admin/products', { token: staff, body: { id: LATER, title: '进口车厘子 1kg', category: '水果', priceFen: 9900, supplierId: 's-fruit', fresh: false, arrivalDays: 2 } });
    expect(made.status, made.text).toBe(200);
    const customer = await login(uniqueOpenid('su-mixed'));
    const leader = await login('demo-leader-jingan');
    const placed = await api('POST', '/orders', { token: customer, body: { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }, { productId: LATER, qty: 1 }], requestId: rid(), contact: { name: '孙八', phone: '13500009999' } } });
    expect(placed.status, placed.text).toBe(201);
    const id = placed.body.data.order.id;
    await api('POST', `/dev/pay/${id}`, { token: customer });
    const get = async () => (await api('GET', `/orders/${id}`, { token: customer })).body.data;
    expect((await get()).deliveries.map((d: any) => [d.arrivalDate, d.productIds, d.status])).toEqual([
      ['2028-01-13', ['p-rice'], 'PENDING'],
      ['2028-01-14', [LATER], 'PENDING'],
    ]);

    await setClock(staff, `${D2}T22:00:01+08:00`);
    expect((await runJobAndWait(baseUrl(), staff, 'cutoff')).status).toBe('DONE');
    await setClock(staff, '2028-01-13T16:00:00+08:00');
    const first = await api('POST', '/verify/arrival', { token: leader, body: { communityId: 'c-jingan', waveDate: D2 } });
    expect(first.status, first.text).toBe(200);
    const one = await get();
    expect(one.deliveries[0]).toMatchObject({ status: 'ARRIVED' });
    expect(one.deliveries[0].pickupDeadline).toEqual(expect.any(String));
    expect(one.deliveries[1].status).toBe('PENDING');

    await setClock(staff, '2028-01-14T16:00:00+08:00');
    const second = await api('POST', '/verify/arrival', { token: leader, body: { communityId: 'c-jingan', waveDate: D2, arrivalDate: '2028-01-14' } });
    expect(second.status, second.text).toBe(200);
    const two = await get();
    expect(two.deliveries[1]).toMatchObject({ status: 'ARRIVED', arrivedAt: '2028-01-14T16:00:00+08:00' });
    expect(Date.parse(two.deliveries[1].pickupDeadline) - Date.parse(two.deliveries[0].pickupDeadline)).toBe(24 * 3600_000);
  });
});
