import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { couponKeys } from '#app/coupons/keys';
import { runCutoff } from '#app/cutoff/close-waves';
import { queryAll } from '#ports/item-store';
import { callAs } from '#test/calls';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';
import { runJobInWorld } from '../support/jobs.ts';

/**
 * Issue 16 item 6: the coupon centre. Claim counters are conditional (never over the total cap,
 * however many claim at once; a per-customer cap), validity absolute or N days after the claim,
 * and 复购券 granted once after each pickup.
 */
const D = '2027-10-02';
const as = callAs;
const staff = (w: TestWorld, name: string, input: Record<string, unknown>) => as(w, 'staff-1', name, input);

const coupon = (over: Record<string, unknown> = {}) => ({
  title: '领券满50减5',
  kind: 'fixed',
  valueFen: 500,
  thresholdFen: 5000,
  validFrom: '2027-10-01T00:00:00+08:00',
  validTo: '2027-10-10T00:00:00+08:00',
  ...over,
});

describe('coupon centre', () => {
  it('a claimable coupon with cap 100 under 300 concurrent claims issues exactly 100', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const c = await staff(w, 'admin.upsertCoupon', coupon({ id: 'cpn-claim-100', claimable: { totalCap: 100, perUserCap: 1 } }));
    expect(c.claimable).toEqual({ totalCap: 100, perUserCap: 1 });
    const users = Array.from({ length: 300 }, (_, i) => `u-claim-${i}`);
    const results = await Promise.all(users.map((u) => as(w, u, 'order.claimCoupon', { id: 'cpn-claim-100' }).then(() => 'ok', codeOf)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(100);
    expect(results.filter((r) => r !== 'ok').every((r) => r === 'OUT_OF_STOCK')).toBe(true);
    expect((await w.store.get(couponKeys.claims('cpn-claim-100'), { consistent: true }))?.claimed).toBe(100);
    const held = await w.store.getMany(users.map((u) => keys.userCoupon(u, 'cpn-claim-100-c1')));
    expect(held).toHaveLength(100);
    const listed = (await as(w, 'u-claim-0', 'order.claimableCoupons', {})).find((x: any) => x.id === 'cpn-claim-100');
    expect(listed).toMatchObject({ remaining: 0 });
  });

  it('per-customer cap (concurrent claims of one customer too), and validity N days after the claim', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    await staff(w, 'admin.upsertCoupon', coupon({ id: 'cpn-days', claimable: { totalCap: 50, perUserCap: 2 }, validDays: 3 }));
    const results = await Promise.all(Array.from({ length: 6 }, () => as(w, 'u-1', 'order.claimCoupon', { id: 'cpn-days' }).then((r) => r, codeOf)));
    const ok = results.filter((r) => typeof r === 'object');
    expect(ok).toHaveLength(2);
    expect(results.filter((r) => typeof r !== 'object').every((r) => r === 'LIMIT_EXCEEDED')).toBe(true);
    expect((await w.store.get(couponKeys.claims('cpn-days'), { consistent: true }))?.claimed).toBe(2);
    expect(codeOf(await as(w, 'u-1', 'order.claimCoupon', { id: 'cpn-days' }).catch((e) => e))).toBe('LIMIT_EXCEEDED');
    expect(ok.map((r: any) => r.id).sort()).toEqual(['cpn-days-c1', 'cpn-days-c2']);
    expect(ok[0].validTo).toBe('2027-10-05T10:00:00+08:00');
    expect(codeOf(await as(w, 'u-1', 'order.claimCoupon', { id: 'cpn-100-10' }).catch((e) => e))).toBe('NOT_FOUND');

    const me = await as(w, 'u-1', 'auth.me', {});
    expect(me.coupons.filter((x: any) => x.id.startsWith('cpn-days-'))).toEqual([
      expect.objectContaining({ id: 'cpn-days-c1', validTo: '2027-10-05T10:00:00+08:00', status: 'available' }),
      expect.objectContaining({ id: 'cpn-days-c2', status: 'available' }),
    ]);
    const basket = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], couponId: 'cpn-days-c1' };
    expect((await as(w, 'u-1', 'order.quote', basket)).amounts.couponFen).toBe(500);
    // The instance's own window: three days after the claim it no longer applies, though the coupon's does.
    w.clock.set('2027-10-05T10:00:01+08:00');
    expect(codeOf(await as(w, 'u-1', 'order.quote', basket).catch((e) => e))).toBe('INVALID_STATE');
  });

  it('a repurchase coupon (复购券) is granted once after a pickup, in the pickup’s transaction', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    await staff(w, 'admin.upsertCoupon', coupon({ id: 'cpn-again', autoGrant: 'AFTER_PICKUP', validDays: 7 }));
    const order = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-2', waveDate: D, lines: [{ productId: 'p-rice', qty: 1 }] });
    w.clock.set(`${D}T22:00:00+08:00`);
    await runCutoff(w.deps, { date: D });
    w.clock.set('2027-10-03T16:00:00+08:00');
    await as(w, 'demo-leader-xujiahui', 'verify.arrival', { communityId: 'c-xujiahui', waveDate: D });
    expect(await queryAll(w.store, keys.userCoupons('u-2'))).toEqual([]);
    await as(w, 'demo-leader-xujiahui', 'verify.redeem', { communityId: 'c-xujiahui', code: order.pickupCode });
    expect(codeOf(await as(w, 'demo-leader-xujiahui', 'verify.redeem', { communityId: 'c-xujiahui', code: order.pickupCode }).catch((e) => e))).toBe('ALREADY_DONE');
    const granted = await queryAll(w.store, keys.userCoupons('u-2'));
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({ couponId: 'cpn-again', status: 'available', orderId: order.id, validTo: '2027-10-10T16:00:00+08:00' });
  });

  it('满赠: a gift line at 0 fen on qualifying orders while the gift’s stock lasts, held and given back like stock', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const gift = await staff(w, 'admin.upsertGift', { productId: 'p-eggs', thresholdFen: 10000, stock: 2 });
    expect(gift).toMatchObject({ productId: 'p-eggs', thresholdFen: 10000, stock: 2, given: 0 });
    const place = (u: string, qty: number) =>
      as(w, u, 'order.place', { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty }], requestId: `g-${u}-${qty}`, contact: { name: '张三', phone: '13912345678' } });
    const giftLine = (o: any) => o.order.lines.find((l: any) => l.gift);

    expect(giftLine(await place('u-below', 1))).toBeUndefined();
    // Five qualifying orders at once, two gifts: every order is placed, exactly two carry the gift.
    const placed = await Promise.all(['u-g1', 'u-g2', 'u-g3', 'u-g4', 'u-g5'].map((u) => place(u, 2)));
    const withGift = placed.filter(giftLine);
    expect(withGift).toHaveLength(2);
    expect(giftLine(withGift[0])).toMatchObject({ productId: 'p-eggs', qty: 1, unitPriceFen: 0, paidFen: 0, gift: gift.id });
    expect(withGift[0].order.amounts.payableFen).toBe(placed.find((p) => !giftLine(p))!.order.amounts.payableFen);
    expect((await staff(w, 'admin.gifts', {}))[0]).toMatchObject({ id: gift.id, given: 2 });

    // A cancel gives its unit back; the next qualifying order gets it.
    const owner = ['u-g1', 'u-g2', 'u-g3', 'u-g4', 'u-g5'][placed.indexOf(withGift[0])]!;
    await as(w, owner, 'order.cancel', { id: withGift[0].order.id });
    expect((await staff(w, 'admin.gifts', {}))[0].given).toBe(1);
    const next = await place('u-g6', 2);
    expect(giftLine(next)).toBeDefined();
    // The expire job gives back the units of unpaid orders past their window.
    w.clock.set(`${D}T10:20:00+08:00`);
    await runJobInWorld(w, 'expire');
    expect((await staff(w, 'admin.gifts', {}))[0].given).toBe(0);
  });
});
