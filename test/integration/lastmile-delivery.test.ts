import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { runCutoff } from '#app/cutoff/close-waves';
import { queryAll } from '#ports/item-store';
import { pay, callAs, errorOf } from '../support/calls.ts';
import { storeBackends } from '../support/store-backends.ts';
import { makeWorld, readBalance, recordRefunds, type TestWorld } from '../support/harness.ts';

/**
 * Issue 17 item 6 (DESIGN.md §13): home delivery. A community's delivery settings, the sealed
 * address book (≤ 10, masked views, export and erasure), the fee priced in quote and place, paid,
 * refunded on cancel and by a full after-sales refund, the warehouse's delivery list, and the
 * delivery completed once with the customer's code. Through dispatch on DynamoDB Local.
 */
/** Both stores: DynamoDB Local and the CloudBase double (parity). */
const BACKENDS = storeBackends();
const D = '2026-11-24';
const XJH = 'c-xujiahui';
const JA = 'c-jingan';
const LEADER = 'demo-leader-xujiahui';
const as = callAs;
const error = errorOf;
const HOME = { name: '赵小满', phone: '13611112222', district: '徐汇区', detail: '虹桥路1号3栋502室', location: { lat: 31.196, lng: 121.438 } };
const CONTACT = { name: '赵小满', phone: '13611112222' };
const DELIVERY = { enabled: true, feeFen: 500, freeAboveFen: 990, slots: ['18:00-20:00', '20:00-21:30'] };

async function editable(w: TestWorld, id: string) {
  const { name, address, region, location, routeId } = (await w.store.get(keys.community(id)))!;
  return { id, name, address, region, location, routeId };
}

describe.each(BACKENDS)('last mile: home delivery on $name', ({ make }) => {
  it('addresses are sealed, at most 10, masked in views, exported in full and destroyed with the account', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, store: await make() });
    const added = await as(w, 'u-book', 'order.addAddress', HOME);
    expect(added).toMatchObject({ name: '赵**', phoneTail: '2222', district: '徐汇区', detail: '虹桥路1***' });
    expect(JSON.stringify(added)).not.toContain('13611112222');
    const stored = (await queryAll(w.store, { pk: 'U#u-book', prefix: 'ADDR#' }))[0]!;
    expect(JSON.stringify(stored)).not.toContain('虹桥路1号3栋502室');
    expect(JSON.stringify(stored)).not.toContain('13611112222');
    expect(codeOf(await error(as(w, 'u-book', 'order.addAddress', { ...HOME, phone: '123' })))).toBe('VALIDATION_FAILED');

    // Ten at most, even racing: 11 more adds at once leave exactly 10.
    const results = await Promise.allSettled(Array.from({ length: 11 }, (_, i) => as(w, 'u-book', 'order.addAddress', { ...HOME, detail: `幸福路${i}号` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(9);
    expect(results.filter((r) => r.status === 'rejected').map((r) => codeOf((r as PromiseRejectedResult).reason))).toEqual(['LIMIT_EXCEEDED', 'LIMIT_EXCEEDED']);
    const book = await as(w, 'u-book', 'order.addresses', {});
    expect(book).toHaveLength(10);
    expect(JSON.stringify(book)).not.toContain('13611112222');
    await as(w, 'u-book', 'order.removeAddress', { id: book[3].id });
    expect(codeOf(await error(as(w, 'u-book', 'order.removeAddress', { id: book[3].id })))).toBe('NOT_FOUND');
    expect(codeOf(await error(as(w, 'u-other', 'order.removeAddress', { id: book[4].id })))).toBe('NOT_FOUND');
    await as(w, 'u-book', 'order.addAddress', HOME);
    expect(await as(w, 'u-book', 'order.addresses', {})).toHaveLength(10);
    expect(await as(w, 'u-other', 'order.addresses', {})).toEqual([]);

    const exported = await as(w, 'u-book', 'auth.export', {});
    expect(exported.addresses).toHaveLength(10);
    expect(exported.addresses[0]).toMatchObject({ name: '赵小满', phone: '13611112222', district: '徐汇区', detail: '虹桥路1号3栋502室' });

    expect(await as(w, 'u-book', 'auth.deleteAccount', { confirm: 'DELETE' })).toEqual({ deleted: true });
    expect(await queryAll(w.store, { pk: 'U#u-book' })).toEqual([]);
  });

  it('a delivery order below the threshold pays the fee, above it does not, cancelling refunds the fee; delivery completes once with the code', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, store: await make() });
    const refunds = recordRefunds(w);

    // Settings: validated, shown to customers only when enabled.
    const xjh = await editable(w, XJH);
    for (const delivery of [
      { ...DELIVERY, slots: ['20:00-18:00'] },
      { ...DELIVERY, slots: [] },
      { ...DELIVERY, slots: ['18:00-20:00', '18:00-20:00'] },
      { ...DELIVERY, feeFen: -1 },
    ])
      expect(codeOf(await error(as(w, 'staff-1', 'admin.updateCommunity', { ...xjh, delivery })))).toBe('VALIDATION_FAILED');
    expect((await as(w, 'staff-1', 'admin.updateCommunity', { ...xjh, delivery: DELIVERY })).delivery).toEqual(DELIVERY);
    const listed = await as(w, 'u-1', 'order.communities', {});
    expect(listed.find((c: any) => c.id === XJH).delivery).toEqual(DELIVERY);
    expect(listed.find((c: any) => c.id === JA).delivery).toBeUndefined();

    const address = await as(w, 'u-1', 'order.addAddress', HOME);
    const small = { communityId: XJH, items: [{ productId: 'p-cucumber', qty: 1 }] }; // 450 fen < 990
    const large = { communityId: XJH, items: [{ productId: 'p-cucumber', qty: 3 }] }; // 1350 fen ≥ 990
    const delivery = { addressId: address.id, slot: '18:00-20:00' };

    // Quote: the fee on top of the goods after discounts; none above the threshold.
    const plain = await as(w, 'u-1', 'order.quote', small);
    const quoted = await as(w, 'u-1', 'order.quote', { ...small, delivery });
    expect(plain.amounts.deliveryFen).toBeUndefined();
    expect(quoted.amounts.deliveryFen).toBe(500);
    expect(quoted.amounts.payableFen).toBe(plain.amounts.payableFen + 500);
    expect((await as(w, 'u-1', 'order.quote', { ...large, delivery })).amounts.deliveryFen).toBe(0);

    // Refusals: a slot not offered, a community that does not deliver, someone else's address.
    expect(codeOf(await error(as(w, 'u-1', 'order.quote', { ...small, delivery: { ...delivery, slot: '08:00-09:00' } })))).toBe('VALIDATION_FAILED');
    expect(codeOf(await error(as(w, 'u-1', 'order.quote', { ...small, communityId: JA, delivery })))).toBe('INVALID_STATE');
    expect(codeOf(await error(as(w, 'u-2', 'order.place', { ...small, delivery, requestId: 'x-1', contact: CONTACT })))).toBe('NOT_FOUND');

    // Below the threshold: the fee is charged and paid; cancelling refunds all of it, fee included.
    const below = await as(w, 'u-1', 'order.place', { ...small, delivery, requestId: 'd-below', contact: { name: '下单人', phone: '13900000000' } });
    expect(below.order.amounts).toMatchObject({ deliveryFen: 500, payableFen: quoted.amounts.payableFen });
    expect(below.order.delivery).toMatchObject({ slot: '18:00-20:00', feeFen: 500, district: '徐汇区', detail: '虹桥路1***' });
    // The order's contact is the address's recipient, with the full address (owner only).
    expect(below.order.contact).toEqual({ name: '赵小满', phone: '13611112222', address: '徐汇区 虹桥路1号3栋502室' });
    const replay = await as(w, 'u-1', 'order.place', { ...small, delivery, requestId: 'd-below', contact: { name: '下单人', phone: '13900000000' } });
    expect(replay.order.id).toBe(below.order.id);
    expect(codeOf(await error(as(w, 'u-1', 'order.place', { ...small, delivery: { ...delivery, slot: '20:00-21:30' }, requestId: 'd-below', contact: { name: '下单人', phone: '13900000000' } })))).toBe('INVALID_STATE');
    await pay(w, below.order, 'u-1');
    const cancelled = await as(w, 'u-1', 'order.cancel', { id: below.order.id });
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.refunds.map((r: any) => r.amountFen)).toEqual([below.order.amounts.payableFen]);
    expect(refunds.map((r) => r.amountFen)).toEqual([below.order.amounts.payableFen]);
    expect(below.order.amounts.payableFen).toBe(plain.amounts.payableFen + 500);

    // Above the threshold: no fee.
    const above = await as(w, 'u-1', 'order.place', { ...large, delivery, requestId: 'd-above', contact: CONTACT });
    expect(above.order.amounts.deliveryFen).toBe(0);
    await pay(w, above.order, 'u-1');
    // A pickup order of the same wave, and a second delivery order with a fee (for after-sales).
    const pickup = await as(w, 'u-3', 'order.place', { ...small, requestId: 'p-1', contact: { name: '钱多多', phone: '13722223333' } });
    await pay(w, pickup.order, 'u-3');
    const feeAddress = await as(w, 'u-4', 'order.addAddress', { ...HOME, name: '孙小圣', phone: '13533334444' });
    const withFee = await as(w, 'u-4', 'order.place', { ...small, delivery: { addressId: feeAddress.id, slot: '20:00-21:30' }, requestId: 'd-fee', contact: CONTACT });
    await pay(w, withFee.order, 'u-4');

    w.clock.set(`${D}T22:00:00+08:00`);
    await runCutoff(w.deps, { date: D });

    // The warehouse's delivery list: full addresses, delivery orders only, by slot.
    const list = await as(w, 'staff-1', 'cutoff.deliveries', { date: D, routeId: 'r-west' });
    expect(list.items.map((i: any) => [i.orderId, i.slot, i.address, i.recipient.phone, i.status])).toEqual([
      [above.order.id, '18:00-20:00', '徐汇区 虹桥路1号3栋502室', '13611112222', 'CONFIRMED'],
      [withFee.order.id, '20:00-21:30', '徐汇区 虹桥路1号3栋502室', '13533334444', 'CONFIRMED'],
    ]);
    expect((await as(w, 'staff-1', 'cutoff.deliveries', { date: D, routeId: 'r-east' })).items).toEqual([]);
    const ops = await as(w, 'staff-1', 'admin.createStaff', { login: 'ops.li', name: '李运营', roles: ['operations'], openid: 'ops-li' });
    expect(ops.roles).toEqual(['operations']);
    expect(codeOf(await error(as(w, 'ops-li', 'cutoff.deliveries', { date: D })))).toBe('FORBIDDEN');
    expect(codeOf(await error(as(w, LEADER, 'cutoff.deliveries', { date: D })))).toBe('FORBIDDEN');
    // The leader's view of a delivery order is masked.
    const leaderView = (await as(w, LEADER, 'verify.orders', { waveDate: D })).items.find((o: any) => o.id === above.order.id);
    expect(JSON.stringify(leaderView)).not.toContain('13611112222');
    expect(JSON.stringify(leaderView)).not.toContain('虹桥路1号3栋502室');

    // Delivered exactly once with the customer's code, after arrival; a pickup order's code is refused.
    const codeOfOrder = async (openid: string, id: string) => (await as(w, openid, 'order.get', { id })).pickupCode as string;
    const code = await codeOfOrder('u-1', above.order.id);
    expect(codeOf(await error(as(w, LEADER, 'verify.deliver', { communityId: XJH, code })))).toBe('INVALID_STATE'); // not arrived
    w.clock.set('2026-11-25T16:00:00+08:00');
    await as(w, LEADER, 'verify.arrival', { communityId: XJH, waveDate: D });
    expect(codeOf(await error(as(w, LEADER, 'verify.deliver', { communityId: XJH, code: await codeOfOrder('u-3', pickup.order.id) })))).toBe('INVALID_STATE');
    expect(codeOf(await error(as(w, 'demo-leader-jingan', 'verify.deliver', { communityId: XJH, code })))).toBe('FORBIDDEN');
    w.clock.set('2026-11-25T18:30:00+08:00');
    const twice = await Promise.allSettled([as(w, LEADER, 'verify.deliver', { communityId: XJH, code }), as(w, LEADER, 'verify.deliver', { communityId: XJH, code })]);
    expect(twice.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(codeOf((twice.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toBe('ALREADY_DONE');
    expect(codeOf(await error(as(w, LEADER, 'verify.redeem', { communityId: XJH, code })))).toBe('ALREADY_DONE');
    const delivered = await as(w, 'u-1', 'order.get', { id: above.order.id });
    expect(delivered).toMatchObject({ status: 'DELIVERED', deliveredAt: '2026-11-25T18:30:00+08:00', pickedUpAt: '2026-11-25T18:30:00+08:00' });
    // The commission accrued like a pickup's: 10% of the goods paid (no commission on a fee).
    const paidGoods = delivered.lines.reduce((a: number, l: any) => a + l.paidFen, 0);
    expect(Number((await readBalance(w.deps, 'l-xujiahui'))!.pendingFen)).toBe(Math.round(paidGoods * 0.1));
    // Rated once.
    expect((await as(w, 'u-1', 'order.rate', { id: above.order.id, stars: 5 })).stars).toBe(5);

    // Staff delivering for the leader (a rider), then a full after-sales refund gives the fee back too.
    const feeCode = await codeOfOrder('u-4', withFee.order.id);
    expect((await as(w, 'staff-1', 'verify.deliver', { communityId: XJH, code: feeCode })).status).toBe('DELIVERED');
    const asked = await as(w, 'u-4', 'order.afterSales', { id: withFee.order.id, lines: [{ productId: 'p-cucumber', qty: 1 }], reason: '送错了' });
    const decided = await as(w, 'staff-1', 'admin.decideAfterSales', { id: asked.id, decision: 'approve' });
    expect(decided.refundFen).toBe(withFee.order.amounts.payableFen);
    expect(withFee.order.amounts.deliveryFen).toBe(500);
    expect(refunds.at(-1)!.amountFen).toBe(withFee.order.amounts.payableFen);
  });
});
