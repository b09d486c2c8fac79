import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { orderKey, type Order } from '#app/orders/model';
import { arrivalCommand, redeemCommand } from '#app/verify/commands';
import { afterSalesCommand, decideAfterSalesCommand } from '#app/after-sales/commands';
import { complaintsKey } from '#app/after-sales/model';
import { settleKeys } from '#app/settle/keys';
import { quoteCommand } from '#app/orders/commands';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';
import { call } from '#test/calls';

/** Issue 12 item 6: after-sales points, complaints and re-requests. */

const WAVE = '2026-11-24';
const XJH = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';
const ask = (w: TestWorld, orderId: string, lines: { productId: string; qty: number }[]) => call(w, afterSalesCommand, { id: orderId, lines, reason: '有问题' }, 'u-1');
const decide = (w: TestWorld, id: string, input: Record<string, unknown>) => call(w, decideAfterSalesCommand, { id, ...input }, 'staff-1');

const LINES = [
  { productId: 'p-rice', qty: 3, paidFen: 1000 },
  { productId: 'p-eggs', qty: 2, paidFen: 6580 },
];
const POINTS = Math.floor(7580 / 100);

async function pickedUp(): Promise<{ w: TestWorld; order: Order }> {
  const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
  const order = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: WAVE, status: 'CONFIRMED', lines: LINES });
  w.clock.set('2026-11-25T16:00:00+08:00');
  await w.store.write({ type: 'put', item: { ...keys.communityWave(XJH, WAVE), status: 'CLOSED' } });
  await call(w, arrivalCommand, { communityId: XJH, waveDate: WAVE }, LEADER);
  w.clock.set('2026-11-25T18:00:00+08:00');
  await call(w, redeemCommand, { communityId: XJH, code: order.pickupCode }, LEADER);
  w.clock.set('2026-11-26T09:00:00+08:00');
  return { w, order };
}

const user = async (w: TestWorld) => (await w.store.get(keys.user('u-1')))!;
const complaints = async (w: TestWorld, month = '2026-11') => Number((await w.store.get(complaintsKey('l-xujiahui', month)))?.count ?? 0);

describe('after-sales points never drive a balance negative', () => {
  it('takes what the balance holds and records the rest as pointsDebt', async () => {
    const { w, order } = await pickedUp();
    expect((await user(w)).points).toBe(POINTS);
    // The customer spent most of the points meanwhile: 10 left.
    await w.store.write({ type: 'update', key: keys.user('u-1'), update: { set: { points: 10 } } });

    const request = await ask(w, order.id, [{ productId: 'p-eggs', qty: 2 }]);
    const decided = await decide(w, request.id, { decision: 'approve' });
    const due = Math.floor((POINTS * 6580) / 7580);
    expect(decided).toMatchObject({ status: 'APPROVED', pointsTakenBack: 10, pointsDebt: due - 10 });
    expect(await user(w)).toMatchObject({ points: 0, pointsDebt: due - 10 });

    // Later approvals on an empty balance record debt only; the balance stays at 0.
    const rest = await ask(w, order.id, [{ productId: 'p-rice', qty: 3 }]);
    const decided2 = await decide(w, rest.id, { decision: 'approve' });
    expect(decided2.pointsTakenBack).toBe(0);
    expect(await user(w)).toMatchObject({ points: 0, pointsDebt: POINTS - 10 });
    expect((await w.store.get(orderKey(order)))!.pointsTakenBack).toBe(10);
  });

  it('a negative or missing balance never crashes a quote: it counts as 0 points available', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const basket = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], points: 500 };
    // no profile at all
    await expect(call(w, quoteCommand, basket, 'u-none')).resolves.toMatchObject({ pointsUsed: 0, amounts: { pointsFen: 0 } });
    // a negative balance, as data from before this rule may hold
    await w.store.write({ type: 'put', item: { ...keys.user('u-neg'), id: 'u-neg', points: -40, welcomed: true } });
    await expect(call(w, quoteCommand, basket, 'u-neg')).resolves.toMatchObject({ pointsUsed: 0, amounts: { pointsFen: 0 } });
  });
});

describe('complaints count once per order and only for approved after-sales', () => {
  it('rejections count nothing; the first approval counts one; later approvals of the same order none', async () => {
    const { w, order } = await pickedUp();
    const first = await ask(w, order.id, [{ productId: 'p-eggs', qty: 1 }]);
    expect(await complaints(w)).toBe(0);
    await decide(w, first.id, { decision: 'reject' });
    expect(await complaints(w)).toBe(0);

    const second = await ask(w, order.id, [{ productId: 'p-eggs', qty: 1 }]);
    expect(await decide(w, second.id, { decision: 'approve' })).toMatchObject({ complaintCounted: true });
    expect(await complaints(w)).toBe(1);

    const third = await ask(w, order.id, [{ productId: 'p-rice', qty: 2 }]);
    const decided = await decide(w, third.id, { decision: 'approve' });
    expect(decided.complaintCounted).toBeUndefined();
    expect(await complaints(w)).toBe(1);
    // The review reads the same key.
    expect(settleKeys.complaints('l-xujiahui', '2026-11')).toEqual(complaintsKey('l-xujiahui', '2026-11'));
  });

  it('two orders approved count two', async () => {
    const { w, order } = await pickedUp();
    const other = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: WAVE, status: 'PICKED_UP', lines: [{ productId: 'p-rice', qty: 1, paidFen: 500 }] });
    await w.store.write({ type: 'update', key: orderKey(other), update: { set: { pickedUpAt: '2026-11-25T18:00:00+08:00', pickedUpBy: 'l-xujiahui' } } });
    for (const o of [order, other]) {
      const r = await ask(w, o.id, [{ productId: 'p-rice', qty: 1 }]);
      await decide(w, r.id, { decision: 'approve' });
    }
    expect(await complaints(w)).toBe(2);
  });
});

describe('a rejected unit can be asked for again only once', () => {
  it('ask → reject → ask again → reject → closed', async () => {
    const { w, order } = await pickedUp();
    const a = await ask(w, order.id, [{ productId: 'p-eggs', qty: 2 }]);
    await decide(w, a.id, { decision: 'reject' });
    const b = await ask(w, order.id, [{ productId: 'p-eggs', qty: 2 }]);
    expect(b.reaskedQty).toEqual({ 'p-eggs': 2 });
    await decide(w, b.id, { decision: 'reject' });
    await expect(ask(w, order.id, [{ productId: 'p-eggs', qty: 1 }]).catch((e) => e)).resolves.toMatchObject({
      code: 'INVALID_STATE',
      details: { productId: 'p-eggs', remaining: 0 },
    });
    // Other products are untouched.
    await expect(ask(w, order.id, [{ productId: 'p-rice', qty: 3 }])).resolves.toMatchObject({ status: 'PENDING' });
  });

  it('units re-asked are the rejected ones first; units never rejected stay askable; a partial approval rejects the rest', async () => {
    const { w, order } = await pickedUp();
    // 1 bag of rice rejected, asked again, rejected again: that bag is closed, the other 2 remain.
    const a = await ask(w, order.id, [{ productId: 'p-rice', qty: 1 }]);
    await decide(w, a.id, { decision: 'reject' });
    const b = await ask(w, order.id, [{ productId: 'p-rice', qty: 1 }]);
    await decide(w, b.id, { decision: 'reject' });
    await expect(ask(w, order.id, [{ productId: 'p-rice', qty: 3 }]).catch((e) => e)).resolves.toMatchObject({ details: { remaining: 2 } });
    // 2 asked, 1 approved: the other is rejected once and may be asked one more time.
    const c = await ask(w, order.id, [{ productId: 'p-rice', qty: 2 }]);
    expect(c.reaskedQty).toBeUndefined();
    await decide(w, c.id, { decision: 'approve', lines: [{ productId: 'p-rice', qty: 1 }] });
    const d = await ask(w, order.id, [{ productId: 'p-rice', qty: 1 }]);
    expect(d.reaskedQty).toEqual({ 'p-rice': 1 });
    await decide(w, d.id, { decision: 'reject' });
    await expect(ask(w, order.id, [{ productId: 'p-rice', qty: 1 }]).catch(codeOf)).resolves.toBe('INVALID_STATE');
  });
});
