import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { outputOf } from '#app/outputs';
import { placeOrder } from '#app/orders/place';
import { receivePaymentNotification } from '#app/orders/pay';
import { runCutoff } from '#app/cutoff/close-waves';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';

const D = '2026-11-24';
const XJH = 'c-xujiahui';
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) =>
  dispatch(command(name), input, { kind: 'openid', openid }, w.deps).then((data) => {
    const r = outputOf(command(name))?.safeParse(data);
    if (r && !r.success) throw new Error(`${name} answered outside its output schema: ${JSON.stringify(r.error.issues).slice(0, 500)}`);
    return data as any;
  });

describe('arrival days (次日达 / 隔日达)', () => {
  it('a 次日达 and a 隔日达 product in one order give two deliveries, each arriving with its own deadline', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    await as(w, 'staff-1', 'admin.upsertProduct', { id: 'p-later', title: '进口车厘子 1kg', category: '水果', priceFen: 9900, supplierId: 's-fruit', fresh: false, arrivalDays: 2 });
    const placed = await placeOrder(w.deps, 'u-mixed', { communityId: XJH, items: [{ productId: 'p-rice', qty: 1 }, { productId: 'p-later', qty: 1 }], requestId: 'mixed-1', contact: { name: '张三', phone: '13912345678' } });
    const order = placed.order;
    const signed = w.sandbox.signedPaymentNotification({ orderId: order.id, amountFen: order.amounts.payableFen, openid: 'u-mixed' });
    await receivePaymentNotification(w.deps, { headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])), body: signed.body });
    const get = () => as(w, 'u-mixed', 'order.get', { id: order.id });
    // A second customer buys the 隔日达 product alone: one delivery, two days after the wave.
    const alone = (await placeOrder(w.deps, 'u-later', { communityId: XJH, items: [{ productId: 'p-later', qty: 2 }], requestId: 'later-1', contact: { name: '李四', phone: '13912340000' } })).order;
    const signed2 = w.sandbox.signedPaymentNotification({ orderId: alone.id, amountFen: alone.amounts.payableFen, openid: 'u-later' });
    await receivePaymentNotification(w.deps, { headers: Object.fromEntries(Object.entries(signed2.headers).map(([k, v]) => [k.toLowerCase(), v])), body: signed2.body });
    const getAlone = () => as(w, 'u-later', 'order.get', { id: alone.id });
    expect((await getAlone()).deliveries).toEqual([{ arrivalDate: '2026-11-26', productIds: ['p-later'], arrivalAt: '2026-11-26T16:00:00+08:00', status: 'PENDING' }]);
    expect((await get()).deliveries).toEqual([
      { arrivalDate: '2026-11-25', productIds: ['p-rice'], arrivalAt: '2026-11-25T16:00:00+08:00', status: 'PENDING' },
      { arrivalDate: '2026-11-26', productIds: ['p-later'], arrivalAt: '2026-11-26T16:00:00+08:00', status: 'PENDING' },
    ]);

    // Another community buys only 次日达 goods.
    await givenOrder(w, { communityId: 'c-jingan', userId: 'u-ja', waveDate: D, lines: [{ productId: 'p-rice', qty: 1 }] });
    w.clock.set(`${D}T22:00:00+08:00`);
    await runCutoff(w.deps, { date: D });
    // Routes per arrival date: the 26th goes to the one community with 隔日达 goods.
    const stops = async (arrivalDate?: string) => (await as(w, 'staff-1', 'cutoff.routes', { date: D, ...(arrivalDate ? { arrivalDate } : {}) })).routes.flatMap((r: any) => r.stops.map((x: any) => x.communityId)).sort();
    expect(await stops()).toEqual(['c-jingan', XJH]);
    expect(await stops('2026-11-25')).toEqual(['c-jingan', XJH]);
    expect(await stops('2026-11-26')).toEqual([XJH]);
    // Pick lists per arrival date: the 次日达 goods on the 25th, the 隔日达 ones on the 26th.
    const picks = async (arrivalDate: string) => (await as(w, 'staff-1', 'cutoff.pickLists', { date: D, communityId: XJH, arrivalDate })).lists[0];
    const day1 = await picks('2026-11-25');
    expect(day1.products.map((p: any) => p.productId)).toEqual(['p-rice']);
    expect(day1.labels.map((l: any) => l.shortNo)).toEqual([order.shortNo]);
    const day2 = await picks('2026-11-26');
    expect(day2.products.map((p: any) => [p.productId, p.qty])).toEqual([['p-later', 3]]);
    expect(day2.labels.map((l: any) => l.shortNo).sort()).toEqual([order.shortNo, alone.shortNo].sort());
    expect(day2.labels.flatMap((l: any) => l.lines.map((x: any) => x.title))).toEqual(['进口车厘子 1kg', '进口车厘子 1kg']);

    // The wave's first arrival (no arrivalDate): the 次日达 delivery.
    w.clock.set('2026-11-25T16:00:00+08:00');
    await as(w, 'demo-leader-xujiahui', 'verify.arrival', { communityId: XJH, waveDate: D });
    const first = await get();
    expect(first.status).toBe('ARRIVED');
    expect(first.deliveries[0]).toMatchObject({ status: 'ARRIVED', arrivedAt: '2026-11-25T16:00:00+08:00' });
    // The order is kept (overdue job) until its 隔日达 delivery's expected deadline, a day after the first's.
    expect(Date.parse(first.pickupDeadline) - Date.parse(first.deliveries[0].pickupDeadline)).toBe(24 * 3600_000);
    expect(first.deliveries[1]).toMatchObject({ status: 'PENDING' });
    expect(first.deliveries[1].pickupDeadline).toBeUndefined();
    // The 隔日达-only order has not arrived yet.
    expect((await getAlone()).status).toBe('CONFIRMED');

    // A day later the 隔日达 delivery, with its own (later) deadline and its own notice; a repeat changes nothing.
    w.clock.set('2026-11-26T16:00:00+08:00');
    const later = await as(w, 'demo-leader-xujiahui', 'verify.arrival', { communityId: XJH, waveDate: D, arrivalDate: '2026-11-26' });
    expect(later.arrived).toBe(2);
    const aloneArrived = await getAlone();
    expect(aloneArrived).toMatchObject({ status: 'ARRIVED', arrivedAt: '2026-11-26T16:00:00+08:00' });
    expect(aloneArrived.pickupDeadline).toBe(aloneArrived.deliveries[0].pickupDeadline);
    const second = await get();
    expect(second.deliveries[1]).toMatchObject({ status: 'ARRIVED', arrivedAt: '2026-11-26T16:00:00+08:00' });
    expect(Date.parse(second.deliveries[1].pickupDeadline) - Date.parse(first.deliveries[0].pickupDeadline)).toBe(24 * 3600_000);
    expect(second.deliveries[0].pickupDeadline).toBe(first.deliveries[0].pickupDeadline);
    // The order is kept until its last delivery's deadline.
    expect(second.pickupDeadline).toBe(second.deliveries[1].pickupDeadline);
    w.clock.set('2026-11-26T17:00:00+08:00');
    await as(w, 'demo-leader-xujiahui', 'verify.arrival', { communityId: XJH, waveDate: D, arrivalDate: '2026-11-26' });
    expect((await get()).deliveries[1].arrivedAt).toBe('2026-11-26T16:00:00+08:00');
    expect((await as(w, 'staff-1', 'admin.products', {})).find((p: any) => p.id === 'p-later').arrivalDays).toBe(2);
  });
});
