import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { call, lowerHeaders, notifyPayment } from '#test/calls';
import { keys } from '#app/keys';
import { receivePaymentNotification } from '#app/orders/pay';
import { arrivalCommand, redeemCommand } from '#app/verify/commands';
import { afterSalesCommand, decideAfterSalesCommand } from '#app/after-sales/commands';
import { walletKeys } from '#app/wallet/keys';
import { growthOf, levelsJob } from '#app/wallet/levels';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';

/**
 * Issue 16 item 4 (DESIGN.md §12): paid membership bought through WeChat Pay extends
 * `memberUntil` once per payment and member prices apply while it lasts; levels come from
 * picked-up spend over the trailing 12 months, evaluated by the monthly job (idempotent), and
 * change prices, points and coupons as the `levels` setting says. DynamoDB Local, dispatch.
 */
const C = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown> = {}) => call(w, command(name), input, openid);
const lower = lowerHeaders;
const notify = notifyPayment;
const riceUnit = async (w: TestWorld, user: string) => (await as(w, user, 'order.quote', { communityId: C, items: [{ productId: 'p-rice', qty: 1 }] })).lines[0].unitPriceFen;

/** Picks up an order of `lines` for `user` in the wave of `date` (arrival the next day 16:00, pickup 18:00). */
async function pickUp(w: TestWorld, user: string, date: string, lines: { productId: string; qty: number; paidFen?: number }[]) {
  w.clock.set(`${date}T10:00:00+08:00`);
  const order = await givenOrder(w, { communityId: C, userId: user, waveDate: date, status: 'CONFIRMED', lines });
  const next = new Date(Date.parse(`${date}T12:00:00+08:00`) + 86400_000).toISOString().slice(0, 10);
  w.clock.set(`${next}T16:00:00+08:00`);
  await w.store.write({ type: 'put', item: { ...keys.communityWave(C, date), status: 'CLOSED' } });
  await call(w, arrivalCommand, { communityId: C, waveDate: date }, LEADER);
  w.clock.set(`${next}T18:00:00+08:00`);
  return call(w, redeemCommand, { communityId: C, code: order.pickupCode }, LEADER);
}

describe('paid membership', () => {
  it('a plan bought and paid extends memberUntil once per payment; member prices while it lasts', async () => {
    const w = await makeWorld({ now: '2027-10-20T10:00:00+08:00', settings: { membershipPlans: [{ id: 'month', title: '月卡', priceFen: 1990, days: 30 }] } });
    const refunds = recordRefunds(w);
    const U = 'u-member';
    expect(await riceUnit(w, U)).toBe(6990);
    expect(codeOf(await as(w, U, 'order.buyMembership', { requestId: 'm-0', planId: 'year' }).catch((e) => e))).toBe('NOT_FOUND');
    const bought = await as(w, U, 'order.buyMembership', { requestId: 'm-1', planId: 'month' });
    expect(bought.order).toMatchObject({ planId: 'month', amountFen: 1990, days: 30, status: 'PENDING' });
    expect(bought.payment).toMatchObject({ package: expect.stringContaining('prepay_id=') });
    expect(await as(w, U, 'order.buyMembership', { requestId: 'm-1', planId: 'month' })).toEqual(bought);
    expect(await riceUnit(w, U)).toBe(6990); // not paid yet

    const signed = w.sandbox.signedPaymentNotification({ orderId: bought.order.id, amountFen: 1990, openid: U, transactionId: 'tx-m-1' });
    const good = { headers: lower(signed.headers), body: signed.body };
    await Promise.all([receivePaymentNotification(w.deps, good), receivePaymentNotification(w.deps, good)]);
    expect((await receivePaymentNotification(w.deps, good)).status).toBe(200);
    expect((await as(w, U, 'auth.me')).memberUntil).toBe('2027-11-19T10:00:00+08:00');
    expect(await riceUnit(w, U)).toBe(6490);
    // A second payment of the same order: refunded, no second extension.
    await notify(w, { orderId: bought.order.id, amountFen: 1990, openid: U, transactionId: 'tx-m-again' });
    expect(refunds).toEqual([expect.objectContaining({ orderId: bought.order.id, amountFen: 1990 })]);
    expect((await as(w, U, 'auth.me')).memberUntil).toBe('2027-11-19T10:00:00+08:00');

    // A second plan bought while a member extends from the current end.
    w.clock.set('2027-10-25T10:00:00+08:00');
    const again = await as(w, U, 'order.buyMembership', { requestId: 'm-2', planId: 'month' });
    await notify(w, { orderId: again.order.id, amountFen: 1990, openid: U });
    expect((await as(w, U, 'auth.me')).memberUntil).toBe('2027-12-19T10:00:00+08:00');
    // It ends: regular prices again.
    w.clock.set('2027-12-19T10:00:01+08:00');
    expect(await riceUnit(w, U)).toBe(6990);
  });
});

describe('member levels', () => {
  const levels = [
    { name: '普通', minGrowth: 0, pointsMultiplier: 1, memberPrice: false },
    { name: '金卡', minGrowth: 100, pointsMultiplier: 2, memberPrice: true, freeDeliveryFen: 4900, monthlyCouponId: 'cpn-100-10' },
  ];

  it('growth from picked-up spend, taken back by refunds; the monthly job sets levels once (a second run, or a run started again, changes nothing); levels change prices, points and grant the monthly coupon; growth leaving the window lowers the level', async () => {
    const w = await makeWorld({ now: '2027-09-10T10:00:00+08:00', settings: { levels, growthPerYuan: 1 } });
    const U = 'u-level';
    // 2 × rice paid 13980 fen → 139 growth in September.
    const first = await pickUp(w, U, '2027-09-10', [{ productId: 'p-rice', qty: 2 }]);
    expect(first.status).toBe('PICKED_UP');
    expect(await growthOf(w.deps, U, '2027-09')).toBe(139);
    expect((await w.store.get(keys.user(U)))!.points).toBe(139); // 普通: ×1
    // An after-sales refund of one bag takes half the growth back, once.
    w.clock.set('2027-09-12T09:00:00+08:00');
    const request = await call(w, afterSalesCommand, { id: first.id, lines: [{ productId: 'p-rice', qty: 1 }], reason: '破损' }, U);
    await call(w, decideAfterSalesCommand, { id: request.id, decision: 'approve' }, 'staff-1');
    expect(await growthOf(w.deps, U, '2027-09')).toBe(139 - 69);
    await pickUp(w, U, '2027-09-20', [{ productId: 'p-rice', qty: 1 }]); // +69 → 139
    expect(await growthOf(w.deps, U, '2027-09')).toBe(139);
    expect((await as(w, U, 'auth.me')).level).toMatchObject({ name: '普通', growth: 139, nextAt: 100 });
    expect(await riceUnit(w, U)).toBe(6990);

    // October's evaluation: 金卡. Member prices, ×2 points, the monthly coupon once.
    w.clock.set('2027-10-01T00:20:00+08:00');
    const run = await levelsJob.run(w.deps, { job: 'levels', runId: 'r1', sig: '' } as never);
    expect(run).toMatchObject({ month: '2027-10', evaluated: 1, coupons: 1, levels: { 金卡: 1 } });
    expect(await levelsJob.run(w.deps, { job: 'levels', runId: 'r2', sig: '' } as never)).toEqual({ month: '2027-10', skipped: 'already evaluated' });
    // A run cut short and started again (its record lost): the same levels, no second coupon.
    await w.store.write({ type: 'delete', key: walletKeys.levelRun('2027-10') });
    await w.store.write({ type: 'update', key: keys.userCoupon(U, 'cpn-100-10'), update: { set: { status: 'used' } } });
    expect(await levelsJob.run(w.deps, { job: 'levels', runId: 'r3', sig: '' } as never)).toMatchObject({ evaluated: 1, coupons: 0 });
    expect((await w.store.get(keys.userCoupon(U, 'cpn-100-10')))!.status).toBe('used');
    const me = await as(w, U, 'auth.me');
    expect(me.level).toMatchObject({ name: '金卡', growth: 139, pointsMultiplier: 2, memberPrice: true, freeDeliveryFen: 4900 });
    expect(me.level.nextAt).toBeUndefined();
    expect(await riceUnit(w, U)).toBe(6490);
    const before = Number((await w.store.get(keys.user(U)))!.points);
    await pickUp(w, U, '2027-10-10', [{ productId: 'p-milk', qty: 1 }]); // 1590 fen: 15 points ×2
    expect(Number((await w.store.get(keys.user(U)))!.points) - before).toBe(30);

    // A year later September 2027 has left the window: back to 普通 (October's growth is 15).
    w.clock.set('2028-10-01T00:20:00+08:00');
    expect(await levelsJob.run(w.deps, { job: 'levels', runId: 'r4', sig: '' } as never)).toMatchObject({ month: '2028-10', levels: { 普通: 1 } });
    expect((await as(w, U, 'auth.me')).level).toMatchObject({ name: '普通' });
    expect(await riceUnit(w, U)).toBe(6990);
  });

  it('a bad levels setting is refused naming the field', async () => {
    await expect(makeWorld({ settings: { levels: [{ name: 'x', minGrowth: 5, pointsMultiplier: 1, memberPrice: false }] } })).rejects.toThrow(/levels/);
  });
});
