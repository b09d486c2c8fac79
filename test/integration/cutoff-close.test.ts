import { beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { createHttpHandler } from '#platform/http';
import { upsertProductCommand } from '#app/admin/commands';
import { cutoffJob } from '#app/cutoff/jobs';
import { runCutoff } from '#app/cutoff/close-waves';
import { dashboardCommand, pickListsCommand, purchaseListCommand, routesCommand, waveCommand } from '#app/cutoff/commands';
import { runJobInWorld } from '../support/jobs.ts';
import { cutoffKeys } from '#app/cutoff/keys';
import { keys } from '#app/keys';
import { orderFromItem, orderKey, type Order } from '#app/orders/model';
import { openWaveFor } from '#app/waves';
import { withEffectiveStatus } from '#app/orders/effective';
import { codeOf } from '#test/errors';
import { renderMessage } from '#domain/messages';
import { queryAll, TransactionCancelled, type Item } from '#ports/item-store';
import { cutoffModule } from '../../functions/cutoff/module.ts';
import { givenOrder, makeWorld, staffCtx, type TestWorld } from '../support/harness.ts';
import { unpaidWithHolds } from '../support/order-fixtures.ts';

const D = '2026-11-24';
const COMMUNITIES = ['c-xujiahui', 'c-jingan', 'c-lujiazui', 'c-wujiaochang'];
const asStaff = (w: TestWorld, command: Parameters<typeof dispatch>[0], input: Record<string, unknown>) =>
  dispatch(command, input, { kind: 'openid', openid: 'staff-1' }, w.deps) as Promise<any>;

/** Every order of a wave, read straight from the table (the independent side of the checks), as it effectively stands (orders/effective.ts). */
async function ordersOf(w: TestWorld, date: string): Promise<Order[]> {
  return withEffectiveStatus(w.deps, await storedOrdersOf(w, date));
}

/** The stored items alone: a paid order is not written by the cutoff (issue 19). */
async function storedOrdersOf(w: TestWorld, date: string): Promise<Order[]> {
  const out: Order[] = [];
  for (const c of COMMUNITIES) out.push(...(await queryAll(w.store, { ...keys.ordersOfWave(c, date), consistent: true })).map(orderFromItem));
  return out;
}

/** The queued pushes (the outbox's pending index). */
async function outbox(w: TestWorld): Promise<Item[]> {
  const out: Item[] = [];
  for (let s = 0; s < 4; s++) out.push(...(await queryAll(w.store, { index: 'gsi2', pk: `OUTBOX#${s}` })));
  return out.sort((a, b) => (a.pk < b.pk ? -1 : 1));
}

/** A small deterministic generator, so a failing mix can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

describe('cutoff: one night', () => {
  let w: TestWorld;
  let held: Order;
  let before: { sold: Item[] };
  const products = ['p-spinach', 'p-tomato', 'p-cucumber', 'p-pork', 'p-milk', 'p-rice', 'p-oil', 'p-tissue', 'p-banana'];

  beforeAll(async () => {
    w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    // Prepare: a supplier capacity, stock counters near their end, and a mixed wave.
    const staff = staffCtx(w.deps);
    await upsertProductCommand.run(staff, { id: 'p-rice', title: '五常大米 5kg', category: '粮油', priceFen: 6990, costFen: 5200, supplierId: 's-grain', commissionRate: 0.08, fresh: false, status: 'active', supplierCapacity: 3 });
    await w.store.write({ type: 'put', item: { ...keys.waveStock('p-durian', D), sold: 20 } });
    await w.store.write({ type: 'put', item: { ...keys.waveStock('p-chicken', D), sold: 37 } });
    await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-durian', waveDate: D, lines: [{ productId: 'p-durian', qty: 1 }, { productId: 'p-chicken', qty: 1 }] });
    await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-eggs', waveDate: D, lines: [{ productId: 'p-eggs', qty: 1 }] });
    await w.store.write({ type: 'put', item: { ...keys.waveStock('p-eggs', D), sold: 1 } });
    held = await unpaidWithHolds(w, 'c-jingan', 'u-held', D);
    // Lujiazui has only an unpaid order: after cutoff it has no orders at all.
    await givenOrder(w, { communityId: 'c-lujiazui', userId: 'u-unpaid', waveDate: D, status: 'PENDING_PAYMENT', lines: [{ productId: 'p-milk', qty: 1 }] });
    await givenOrder(w, { communityId: 'c-jingan', userId: 'u-gone', waveDate: D, status: 'CANCELLED', lines: [{ productId: 'p-milk', qty: 9 }] });
    await givenOrder(w, { communityId: 'c-jingan', userId: 'u-next', waveDate: '2026-11-25', lines: [{ productId: 'p-milk', qty: 1 }] });
    const rnd = prng(7);
    for (let i = 0; i < 40; i++) {
      const communityId = COMMUNITIES[rnd(2) === 0 ? 0 : 1 + rnd(2)]!; // no orders in Wujiaochang
      const lines = [...new Set(Array.from({ length: 1 + rnd(3) }, () => products[rnd(products.length)]!))].map((productId) => ({ productId, qty: 1 + rnd(4) }));
      const status = (['PAID', 'PAID', 'PAID', 'PENDING_PAYMENT', 'CANCELLED'] as const)[rnd(5)]!;
      await givenOrder(w, { communityId, userId: `u-${rnd(25)}`, waveDate: D, lines, status, contact: { name: `顾客${i}`, phone: `1391234${String(i).padStart(4, '0')}` } });
    }
    before = { sold: await w.store.getMany([keys.waveStock('p-eggs', D)]) };
    // Act: the scheduled run five minutes after the cutoff.
    w.clock.set(`${D}T22:05:00+08:00`);
    await cutoffJob.run(w.deps, {});
  });

  it('confirms every paid order, cancels every unpaid one, leaves the rest alone', async () => {
    const orders = await ordersOf(w, D);
    expect(orders.some((o) => o.status === 'PAID' || o.status === 'PENDING_PAYMENT')).toBe(false);
    for (const o of orders.filter((o) => o.status === 'CANCELLED' && o.cancelReason === 'CUTOFF_UNPAID')) expect(o.cancelledAt).toBe(`${D}T22:05:00+08:00`);
    expect(orders.find((o) => o.userId === 'u-gone')).toMatchObject({ status: 'CANCELLED' });
    expect(orders.find((o) => o.userId === 'u-gone')?.cancelReason).toBeUndefined();
    expect(orders.filter((o) => o.status === 'CONFIRMED').every((o) => o.confirmedAt === `${D}T22:05:00+08:00`)).toBe(true);
    // CONFIRMED follows from the CLOSED wave: the paid orders themselves were not written (issue 19).
    const stored = new Map((await storedOrdersOf(w, D)).map((o) => [o.id, o]));
    const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
    expect(confirmed.length).toBeGreaterThan(10);
    for (const o of confirmed) expect([stored.get(o.id)?.status, stored.get(o.id)?.confirmedAt], o.id).toEqual(['PAID', undefined]);
    // The next wave is not touched.
    expect((await ordersOf(w, '2026-11-25'))[0]?.status).toBe('PAID');
    for (const c of COMMUNITIES) expect((await w.store.get(keys.communityWave(c, D)))?.status).toBe('CLOSED');
  });

  it('gives back exactly what the unpaid order held: stock, limits, flash shards, coupon, points, first-order claim', async () => {
    const o = orderFromItem((await w.store.get(orderKey(held)))!);
    expect(o).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUTOFF_UNPAID' });
    expect((await w.store.get(orderKey(held)))?.gsi2pk).toBeUndefined();
    expect(before.sold[0]?.sold).toBe(3);
    expect((await w.store.get(keys.waveStock('p-eggs', D)))?.sold).toBe(1); // the paid order's unit stays sold
    expect((await w.store.get(keys.userLimit('u-held', D, 'p-eggs')))?.count).toBe(0);
    expect((await w.store.get(keys.flashStock('p-strawberry', 'flash-strawberry', 0)))?.sold).toBe(0);
    expect((await w.store.get(keys.flashStock('p-strawberry', 'flash-strawberry', 3)))?.sold).toBe(0);
    expect((await w.store.get(keys.userLimit('u-held', 'FLASH-flash-strawberry', 'p-strawberry')))?.count).toBe(0);
    expect(await w.store.get(keys.userCoupon('u-held', 'cpn-100-10'))).toMatchObject({ status: 'available' });
    expect((await w.store.get(keys.userCoupon('u-held', 'cpn-100-10')))?.usedBy).toBeUndefined();
    const user = await w.store.get(keys.user('u-held'));
    expect(user?.points).toBe(1000);
    expect(user?.firstOrderClaimedBy).toBeUndefined();
  });

  it('the purchase list equals an independent sum of the confirmed lines, per product and per supplier', async () => {
    const confirmed = (await ordersOf(w, D)).filter((o) => o.status === 'CONFIRMED');
    const perProduct = new Map<string, { qty: number; salesFen: number }>();
    const perSupplier = new Map<string, number>();
    for (const l of confirmed.flatMap((o) => o.lines)) {
      const p = perProduct.get(l.productId) ?? { qty: 0, salesFen: 0 };
      perProduct.set(l.productId, { qty: p.qty + l.qty, salesFen: p.salesFen + l.paidFen });
      perSupplier.set(l.supplierId, (perSupplier.get(l.supplierId) ?? 0) + l.qty);
    }
    const list = await asStaff(w, purchaseListCommand, { date: D });
    const listed = new Map<string, { qty: number; salesFen: number }>(
      list.suppliers.flatMap((s: any) => s.lines.map((l: any) => [l.productId, { qty: l.qty, salesFen: l.salesFen }])),
    );
    expect(listed).toEqual(perProduct);
    expect(new Map(list.suppliers.map((s: any) => [s.supplierId, s.qty]))).toEqual(perSupplier);
    expect(list.qty).toBe([...perProduct.values()].reduce((s, p) => s + p.qty, 0));
    const rice = list.suppliers.flatMap((s: any) => s.lines).find((l: any) => l.productId === 'p-rice');
    if (rice) expect(rice.costAmountFen).toBe(5200 * rice.qty);
  });

  it('every confirmed order has exactly one label, in its own community’s pick list only', async () => {
    const confirmed = (await ordersOf(w, D)).filter((o) => o.status === 'CONFIRMED');
    const { lists } = await asStaff(w, pickListsCommand, { date: D });
    // issue 12: a label is known by its short number, never by the pickup code.
    const labels = lists.flatMap((l: any) => l.labels.map((x: any) => `${l.communityId}|${x.shortNo}|${x.pickupCode}`));
    expect(labels.sort()).toEqual(confirmed.map((o) => `${o.communityId}|${o.shortNo}|undefined`).sort());
    // Communities without orders have no pick list and no stop; the order is stable for printing.
    expect(lists.map((l: any) => l.communityId).sort()).toEqual(['c-jingan', 'c-xujiahui']);
    for (const l of lists) expect(l.labels.map((x: any) => x.shortNo)).toEqual([...l.labels.map((x: any) => x.shortNo)].sort());
    const one = await asStaff(w, pickListsCommand, { date: D, communityId: 'c-jingan' });
    expect(one.lists).toEqual(lists.filter((l: any) => l.communityId === 'c-jingan'));
    const label = one.lists[0].labels[0];
    expect(label.contactName).toMatch(/^顾\*+$/);
    expect(label.phoneTail).toMatch(/^\d{4}$/);
    expect(JSON.stringify(one)).not.toMatch(/1391234\d{4}/);
  });

  it('routes hold the communities with orders, nearest neighbour from the warehouse with each leg', async () => {
    const routes = await asStaff(w, routesCommand, { date: D });
    expect(routes.warehouse).toEqual(w.deps.warehouse);
    expect(routes.routes.map((r: any) => r.routeId)).toEqual(['r-west']);
    const stops = routes.routes[0].stops;
    expect(stops.map((s: any) => s.communityId).sort()).toEqual(['c-jingan', 'c-xujiahui']);
    expect(stops.every((s: any) => Number.isInteger(s.legM) && s.legM > 0)).toBe(true);
    expect(routes.routes[0].totalM).toBe(stops.reduce((s: number, x: any) => s + x.legM, 0));
  });

  it('warns about sold-out and low stock and orders beyond a supplier’s capacity', async () => {
    const wave = await asStaff(w, waveCommand, { date: D });
    const kinds = wave.warnings.map((x: any) => `${x.productId}:${x.kind}`);
    expect(kinds).toContain('p-durian:SOLD_OUT');
    expect(kinds).toContain('p-chicken:LOW_STOCK');
    const riceQty = (await ordersOf(w, D)).filter((o) => o.status === 'CONFIRMED').flatMap((o) => o.lines).filter((l) => l.productId === 'p-rice').reduce((s, l) => s + l.qty, 0);
    expect(kinds.includes('p-rice:OVER_SUPPLIER_CAPACITY')).toBe(riceQty > 3);
    expect(wave.status).toBe('CLOSED');
    expect(wave.communities.map((c: any) => c.status)).toEqual(['CLOSED', 'CLOSED', 'CLOSED', 'CLOSED']);
    expect(wave.summary.orders).toBe((await ordersOf(w, D)).filter((o) => o.status === 'CONFIRMED').length);
  });

  it('queues one summary per leader with orders, and none for a leader without', async () => {
    const pushes = (await outbox(w)).filter((m) => m.key === 'cutoffSummary');
    expect(pushes.map((m) => m.touser).sort()).toEqual(['demo-leader-jingan', 'demo-leader-xujiahui']);
    const confirmed = (await ordersOf(w, D)).filter((o) => o.status === 'CONFIRMED' && o.communityId === 'c-jingan');
    const jingan = pushes.find((m) => m.touser === 'demo-leader-jingan')!;
    expect(jingan.id).toBe(`cutoff#c-jingan#${D}`);
    expect(jingan.payload).toEqual({
      waveDate: D,
      orderCount: confirmed.length,
      itemCount: confirmed.flatMap((o) => o.lines).reduce((s, l) => s + l.qty, 0),
      expectedArrivalAt: '2026-11-25T16:00:00+08:00',
    });
    expect(JSON.stringify(renderMessage('cutoffSummary', jingan.payload as any))).toContain(`${confirmed.length}单/`);
    expect(JSON.stringify(renderMessage('cutoffSummary', jingan.payload as any))).toContain('预计明日16:00到货');
  });

  it('serves the reports as CSV with a BOM, through the HTTP transport', async () => {
    const http = createHttpHandler(cutoffModule, async () => w.deps);
    const { token } = await w.deps.sessions.issue('staff-1');
    for (const path of ['purchase-list', 'pick-lists', 'routes']) {
      const res: any = await http({
        rawPath: `/admin/waves/${D}/${path}`,
        requestContext: { http: { method: 'GET', path: `/admin/waves/${D}/${path}` } },
        headers: { authorization: `Bearer ${token}` },
        queryStringParameters: { format: 'csv' },
      } as any);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.body.startsWith('\uFEFF')).toBe(true);
      expect(res.body).toContain('\r\n');
    }
    const csv = await asStaff(w, purchaseListCommand, { date: D, format: 'csv' });
    expect(csv.filename).toBe(`purchase-list-${D}.csv`);
    expect(csv.__csv).toContain('合计');
  });

  it('the dashboard reads the wave’s aggregates by group', async () => {
    const confirmed = (await ordersOf(w, D)).filter((o) => o.status === 'CONFIRMED');
    const gmv = confirmed.flatMap((o) => o.lines).reduce((s, l) => s + l.paidFen, 0);
    const dash = await asStaff(w, dashboardCommand, { from: '2026-11-01', to: '2026-11-30', groupBy: 'community' });
    expect(dash.totals).toMatchObject({ gmvFen: gmv, orders: confirmed.length, customers: new Set(confirmed.map((o) => o.userId)).size });
    expect(dash.days.map((d: any) => d.date)).toEqual([D]);
    expect(dash.groups.map((g: any) => g.key).sort()).toEqual(['c-jingan', 'c-xujiahui']);
    expect(dash.groups.reduce((s: number, g: any) => s + g.gmvFen, 0)).toBe(gmv);
    expect(dash.groups.find((g: any) => g.key === 'c-jingan').name).toBe('静安新城');
    const byRegion = await asStaff(w, dashboardCommand, { from: D, to: D, groupBy: 'region' });
    expect(byRegion.groups.map((g: any) => g.key).sort()).toEqual(['徐汇区', '静安区']);
    expect(codeOf(await asStaff(w, dashboardCommand, { from: D, to: '2026-11-01' }).catch((e) => e))).toBe('VALIDATION_FAILED');
  });

  it('staff only; a wave not cut off has no reports', async () => {
    const asCustomer = dispatch(purchaseListCommand, { date: D }, { kind: 'openid', openid: 'u-1' }, w.deps);
    expect(codeOf(await asCustomer.catch((e) => e))).toBe('FORBIDDEN');
    expect(codeOf(await asStaff(w, purchaseListCommand, { date: '2026-11-25' }).catch((e) => e))).toBe('NOT_FOUND');
    expect(codeOf(await asStaff(w, routesCommand, { date: 'tomorrow' }).catch((e) => e))).toBe('VALIDATION_FAILED');
  });
});

describe('cutoff: early close, catch-up and the close racing orders', () => {
  it('a merchant closes the wave early with a date: new orders go to the next wave, the night run adds nothing', async () => {
    const w = await makeWorld({ now: `${D}T15:00:00+08:00` });
    await givenOrder(w, { communityId: 'c-jingan', userId: 'u-1', waveDate: D, lines: [{ productId: 'p-milk', qty: 2 }] });
    // A wave that has not opened yet cannot be closed.
    expect((await runJobInWorld(w, 'cutoff', { date: '2026-11-26' })).error?.code).toBe('INVALID_STATE');

    const { result: summary } = await runJobInWorld(w, 'cutoff', { date: D });
    expect(summary).toMatchObject({ complete: true, ordersConfirmed: 1, wavesClosed: 1 });
    expect((await ordersOf(w, D))[0]?.status).toBe('CONFIRMED');
    expect(await openWaveFor(w.deps, 'c-jingan')).toBe('2026-11-25');
    // Placement's own check on the wave is refused from now on.
    const place = w.store.transact([
      { type: 'check', key: keys.communityWave('c-jingan', D), when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'status' }, { op: 'eq', path: 'status', value: 'OPEN' }] }] },
      { type: 'put', item: { pk: 'X#1', sk: 'X' } },
    ]);
    await expect(place).rejects.toBeInstanceOf(TransactionCancelled);

    const pushes = (await outbox(w)).length;
    const reports = await queryAll(w.store, keys.waveReports(D, ''));
    w.clock.set(`${D}T22:00:00+08:00`);
    const night = (await cutoffJob.run(w.deps, {})) as any;
    expect(night).toMatchObject({ communities: 0, ordersConfirmed: 0, wavesClosed: 0 });
    expect((await outbox(w)).length).toBe(pushes);
    expect(await queryAll(w.store, keys.waveReports(D, ''))).toEqual(reports);
    expect((await w.store.get(cutoffKeys.last()))?.date).toBe(D);
  });

  it('catches up two missed nights in one run', async () => {
    const w = await makeWorld({ now: `${D}T22:01:00+08:00` });
    await cutoffJob.run(w.deps, {});
    expect((await w.store.get(cutoffKeys.last()))?.date).toBe(D);
    const days = ['2026-11-25', '2026-11-26', '2026-11-27'];
    for (const day of days) await givenOrder(w, { communityId: 'c-lujiazui', userId: 'u-1', waveDate: day, lines: [{ productId: 'p-rice', qty: 1 }] });
    // The triggers of the 25th and the 26th never came.
    w.clock.set('2026-11-27T22:00:30+08:00');
    // A run out of time stops before starting more work, and says so; the next one catches up.
    expect(await runCutoff(w.deps, { budgetMs: 0 })).toMatchObject({ complete: false, communities: 0 });
    const summary = (await cutoffJob.run(w.deps, {})) as any;
    expect(summary.waves.map((x: any) => x.date)).toEqual(days);
    expect(summary.ordersConfirmed).toBe(3);
    for (const day of days) {
      expect((await asStaff(w, purchaseListCommand, { date: day })).qty).toBe(1);
      expect((await w.store.get(cutoffKeys.waveDone(day)))?.status).toBe('DONE');
    }
    expect((await outbox(w)).filter((m) => m.touser === 'demo-leader-lujiazui').map((m) => m.id).sort()).toEqual(days.map((d) => `cutoff#c-lujiazui#${d}`));
    expect((await w.store.get(cutoffKeys.last()))?.date).toBe('2026-11-27');
  });

  it('orders racing the close are either counted or refused, never lost', async () => {
    const w = await makeWorld({ now: `${D}T21:59:59+08:00` });
    const product = { productId: 'p-milk', title: '鲜牛奶 950ml', qty: 1, unitPriceFen: 1590, paidFen: 1590, fresh: true, commissionRate: 0.1, supplierId: 's-dairy', flash: false };
    const placed: string[] = [];
    const refused: string[] = [];
    // Placement's write, reduced to what matters: the wave check and a paid order, atomically.
    let n = 0;
    const placeOne = async () => {
      const i = n++;
      const id = `01RACE${String(i).padStart(20, '0')}`;
      const order = {
        id, shortNo: id.slice(-6), communityId: 'c-xujiahui', waveDate: D, userId: `u-race-${i}`, status: 'PAID', lines: [product],
        amounts: { goodsFen: 1590, memberDiscountFen: 0, couponFen: 0, firstOrderFen: 0, pointsFen: 0, payableFen: 1590 },
        pointsUsed: 0, firstOrder: false, contactSealed: '-', contactMasked: '张*', phoneTail: '0000', requestId: id,
        createdAt: `${D}T21:59:59+08:00`, payBy: `${D}T22:14:59+08:00`, paidAt: `${D}T21:59:59+08:00`, pickupCode: String(10_000_000 + i), refunds: [],
      };
      try {
        await w.store.transact([
          { type: 'check', key: keys.communityWave('c-xujiahui', D), when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'status' }, { op: 'eq', path: 'status', value: 'OPEN' }] }] },
          { type: 'put', item: { ...keys.order('c-xujiahui', D, id), ...order }, when: [{ op: 'notExists' }] },
        ]);
        placed.push(id);
      } catch (e) {
        if (!(e instanceof TransactionCancelled)) throw e;
        refused.push(id);
      }
    };
    // Customers keep ordering from before the close until it has finished.
    let closing = true;
    const customers = Promise.all(Array.from({ length: 4 }, async () => {
      for (let n = 0; closing; n++) {
        if (n >= 10_000) throw new Error('the close did not finish within 10,000 orders per customer');
        await placeOne();
      }
    }));
    for (let polls = 0; placed.length < 6; polls++) {
      if (polls >= 1_000) throw new Error(`only ${placed.length} orders were placed before the close`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await cutoffJob.run(w.deps, { date: D });
    closing = false;
    await customers;
    expect(placed.length).toBeGreaterThanOrEqual(6);
    expect(refused.length).toBeGreaterThan(0);
    const stored = (await ordersOf(w, D)).filter((o) => o.id.startsWith('01RACE'));
    expect(stored.map((o) => o.id).sort()).toEqual([...placed].sort());
    // Every order that got in was counted; a refused one left no trace.
    expect(stored.every((o) => o.status === 'CONFIRMED')).toBe(true);
    const { lists } = await asStaff(w, pickListsCommand, { date: D, communityId: 'c-xujiahui' });
    expect(lists[0]?.labels.length ?? 0).toBe(placed.length);
    expect((await asStaff(w, purchaseListCommand, { date: D })).qty).toBe(placed.length);
  });
});
