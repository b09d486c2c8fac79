import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { orderKeys, ratingIndex } from '#app/orders/keys';
import { runSettlement } from '#app/settle/run';
import { leaderItems, pickups } from '#test/settle-fixtures';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';

/** Issue 17 item 8: the monthly review reads the share of low ratings; a leader files after-sales for their customer. */
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps) as Promise<any>;
const error = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

const rate = (w: TestWorld, communityId: string, n: number, stars: number, day: string) =>
  w.store.putMany(
    Array.from({ length: n }, (_, i) => {
      const orderId = `o-${communityId}-${stars}-${i}`;
      const ratedAt = `${day}T1${i % 10}:00:00+08:00`;
      return { ...orderKeys.rating(orderId), ...ratingIndex(communityId, ratedAt, orderId), orderId, stars, tags: [], ratedAt, userId: `u-${i}`, communityId };
    }),
  );

describe('monthly review: the share of low ratings', () => {
  it('warns a leader whose month had more than 30% low ratings (at least 5 ratings), not one at 30% or with too few ratings; October ratings do not count', async () => {
    const w = await makeWorld({ now: '2026-11-10T10:00:00+08:00', seed: false, settings: { settlement: { review: { minWeeklyOrders: 1, weeks: 2 }, rankingAwards: [] } } });
    const OLD = '2026-09-01T09:00:00+08:00';
    const ids = ['bad', 'edge', 'few', 'old'];
    await w.store.putMany(ids.flatMap((id) => leaderItems({ id, createdAt: OLD })));
    for (const id of ids) {
      await pickups(w, id, '2026-11-17', 2);
      await pickups(w, id, '2026-11-24', 2);
    }
    await rate(w, 'c-bad', 6, 5, '2026-11-12');
    await rate(w, 'c-bad', 4, 1, '2026-11-13'); // 4 of 10 low
    await rate(w, 'c-edge', 7, 4, '2026-11-12');
    await rate(w, 'c-edge', 3, 2, '2026-11-13'); // 3 of 10: exactly 30%
    await rate(w, 'c-few', 4, 1, '2026-11-13'); // all low, but only 4
    await rate(w, 'c-old', 9, 1, '2026-10-20'); // last month
    await rate(w, 'c-old', 5, 5, '2026-11-20');

    w.clock.set('2026-12-01T02:00:00+08:00');
    await runSettlement(w.deps);
    const status = async (id: string) => (await w.store.get(keys.leader(id), { consistent: true }))!;
    expect(await status('bad')).toMatchObject({ status: 'warned', statusBy: 'review', statusReason: expect.stringContaining('4 of 10 ratings in the month were 1–2 stars') });
    for (const id of ['edge', 'few', 'old']) expect((await status(id)).status).toBe('active');
  });
});

describe('leader-assisted after-sales', () => {
  it('the leader of the order’s community files it with photos; the customer confirms once; the request records the leader; other leaders and customers cannot', async () => {
    const w = await makeWorld({ now: '2026-11-25T18:00:00+08:00' });
    const order = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-1', waveDate: '2026-11-24', status: 'PICKED_UP', pickedUpAt: '2026-11-25T17:00:00+08:00', lines: [{ productId: 'p-rice', qty: 2 }] });
    await w.store.write({ type: 'update', key: keys.order('c-xujiahui', '2026-11-24', order.id), update: { set: { pickedUpBy: 'l-xujiahui' } } });
    const arrived = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-1', waveDate: '2026-11-24', status: 'ARRIVED', lines: [{ productId: 'p-rice', qty: 1 }] });
    const body = { orderId: order.id, lines: [{ productId: 'p-rice', qty: 1 }], reason: '包装破损', photos: ['https://img.example.com/broken.jpg'] };

    expect(codeOf(await error(as(w, 'demo-leader-jingan', 'verify.assistAfterSales', body)))).toBe('NOT_FOUND');
    expect(codeOf(await error(as(w, 'u-1', 'verify.assistAfterSales', body)))).toBe('FORBIDDEN');
    expect(codeOf(await error(as(w, 'demo-leader-xujiahui', 'verify.assistAfterSales', { ...body, orderId: arrived.id })))).toBe('INVALID_STATE');
    expect(codeOf(await error(as(w, 'demo-leader-xujiahui', 'verify.assistAfterSales', { ...body, lines: [{ productId: 'p-eggs', qty: 1 }] })))).toBe('VALIDATION_FAILED');
    const draft = await as(w, 'demo-leader-xujiahui', 'verify.assistAfterSales', body);
    expect(draft).toMatchObject({ status: 'AWAITING_CUSTOMER', userId: 'u-1', leaderId: 'l-xujiahui', photos: body.photos });
    // Nothing is claimed before the customer confirms.
    expect((await w.store.get(keys.order('c-xujiahui', '2026-11-24', order.id), { consistent: true }))!.claimedQty).toBeUndefined();

    expect(await as(w, 'u-2', 'verify.afterSalesDrafts', {})).toEqual([]);
    expect((await as(w, 'u-1', 'verify.afterSalesDrafts', {})).map((d: any) => d.id)).toEqual([draft.id]);
    expect(codeOf(await error(as(w, 'u-2', 'verify.confirmAfterSales', { id: draft.id })))).toBe('NOT_FOUND');

    const both = await Promise.allSettled([as(w, 'u-1', 'verify.confirmAfterSales', { id: draft.id }), as(w, 'u-1', 'verify.confirmAfterSales', { id: draft.id })]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(both.filter((r) => r.status === 'rejected').map((r) => codeOf((r as PromiseRejectedResult).reason))).toEqual(['ALREADY_DONE']);
    const request = (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<any>).value;
    expect(request).toMatchObject({ status: 'PENDING', orderId: order.id, userId: 'u-1', assistedBy: 'l-xujiahui', photos: body.photos, lines: [{ productId: 'p-rice', qty: 1 }] });
    expect((await w.store.get(keys.order('c-xujiahui', '2026-11-24', order.id), { consistent: true }))!.claimedQty).toEqual({ 'p-rice': 1 });
    const pending = await as(w, 'staff-1', 'admin.afterSales', { status: 'PENDING' });
    expect(pending.items.filter((a: any) => a.orderId === order.id)).toHaveLength(1);
    expect((await as(w, 'u-1', 'verify.afterSalesDrafts', {}))[0]).toMatchObject({ status: 'CONFIRMED', afterSalesId: request.id });
  });
});

describe('dashboard by district', () => {
  it('folds the regions of the communities into the served districts (code as key), the rest into UNSERVED; without districts each region is one', async () => {
    const w = await makeWorld({ now: '2026-11-26T10:00:00+08:00', seed: false });
    const { cutoffKeys } = await import('#app/cutoff/keys');
    const b = (gmvFen: number, orders: number) => ({ orders, units: orders, gmvFen, customers: orders, newCustomers: 0 });
    const day = (date: string, groups: Record<string, unknown>) => [
      { ...cutoffKeys.dashboardTotal(date), kind: 'dashboard', date, total: b(0, 0) },
      { ...cutoffKeys.dashboardGroups('region', date), kind: 'dashboard', date, groups },
    ];
    await w.store.putMany([
      ...day('2026-11-24', { 徐汇区: { ...b(1000, 1), name: '徐汇区' }, 静安区: { ...b(500, 1), name: '静安区' }, 浦东新区: { ...b(700, 2), name: '浦东新区' } }),
      ...day('2026-11-25', { 徐汇区: { ...b(300, 1), name: '徐汇区' }, 310104: { ...b(200, 1), name: '310104' } }),
    ]);
    const dash = (groupBy: string) => as(w, 'staff-1', 'admin.dashboard', { from: '2026-11-24', to: '2026-11-25', groupBy });
    expect((await dash('district')).groups.map((g: any) => [g.key, g.gmvFen])).toEqual([['徐汇区', 1300], ['浦东新区', 700], ['静安区', 500], ['310104', 200]]);
    await as(w, 'staff-1', 'admin.updateServiceArea', { districts: [{ code: '310104', name: '徐汇区' }, { name: '静安区' }] });
    const byDistrict = await dash('district');
    expect(byDistrict.groupBy).toBe('district');
    expect(byDistrict.groups.map((g: any) => [g.key, g.name, g.gmvFen, g.orders])).toEqual([
      ['310104', '徐汇区', 1500, 3],
      ['UNSERVED', '服务区外', 700, 2],
      ['静安区', '静安区', 500, 1],
    ]);
    expect(codeOf(await error(dash('galaxy')))).toBe('VALIDATION_FAILED');
  });
});
