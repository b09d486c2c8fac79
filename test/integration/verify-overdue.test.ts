import { describe, expect, it } from 'vitest';
import { keys } from '#app/keys';
import { orderKey, type Order } from '#app/orders/model';
import { outboxKey } from '#app/outbox';
import { queryAll } from '#ports/item-store';
import { arrivalCommand, overdueJob, redeemCommand, returnsCommand } from '#app/verify/commands';
import { givenOrder, makeWorld, type TestWorld, recordRefunds } from '../support/harness.ts';
import { call } from '#test/calls';

const WAVE = '2026-11-24';
const XJH = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';

/** Three orders of one wave, cut off and arrived on the 25th at 16:00. */
async function arrivedWave(settings?: Record<string, unknown>) {
  const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00', settings });
  const order = (userId: string, lines: { productId: string; qty: number }[]) => givenOrder(w, { communityId: XJH, userId, waveDate: WAVE, status: 'CONFIRMED', lines });
  const fresh = await order('u-fresh', [{ productId: 'p-spinach', qty: 2 }]);
  const dry = await order('u-dry', [{ productId: 'p-rice', qty: 1 }]);
  const mixed = await order('u-mixed', [{ productId: 'p-rice', qty: 2 }, { productId: 'p-milk', qty: 1 }]);
  const picked = await order('u-picked', [{ productId: 'p-tissue', qty: 1 }]);
  w.clock.set('2026-11-25T16:00:00+08:00');
  await w.store.write({ type: 'put', item: { ...keys.communityWave(XJH, WAVE), status: 'CLOSED' } });
  await call(w, arrivalCommand, { communityId: XJH, waveDate: WAVE }, LEADER);
  await call(w, redeemCommand, { communityId: XJH, code: picked.pickupCode }, LEADER);
  return { w, fresh, dry, mixed, picked, refunds: recordRefunds(w) };
}

const stored = async (w: TestWorld, o: Order) => (await w.store.get(orderKey(o)))!;
const reminderOf = (w: TestWorld, o: Order) => w.store.get(outboxKey(`pickupReminder#${o.id}`));
const run = async (w: TestWorld, at: string) => {
  w.clock.set(at);
  return overdueJob.run(w.deps, {});
};

describe('the overdue job', () => {
  it('reminds once the day before, expires after the deadline, refunds by the fresh / non-fresh rule, lists returns', async () => {
    const { w, fresh, dry, mixed, picked, refunds } = await arrivedWave();

    // 26th 03:00: the fresh deadline (26th 22:00) is today → reminders for fresh and mixed; not yet for dry (28th).
    expect(await run(w, '2026-11-26T03:00:00+08:00')).toEqual({ reminded: 2, expired: 0, refunded: 0 });
    expect(await reminderOf(w, fresh)).toMatchObject({
      key: 'pickupReminder',
      touser: 'u-fresh',
      dueAt: '2026-11-26T09:00:00+08:00',
      payload: { orderId: fresh.id, pickupCode: fresh.pickupCode, pickupDeadline: '2026-11-26T22:00:00+08:00', pickupPointName: '徐家汇花园' },
    });
    expect(await reminderOf(w, mixed)).toBeDefined();
    expect(await reminderOf(w, dry)).toBeUndefined();
    // Run twice (a retried trigger): nothing more.
    expect(await run(w, '2026-11-26T12:00:00+08:00')).toEqual({ reminded: 0, expired: 0, refunded: 0 });

    // 27th 03:00: fresh and mixed are past their deadline; dry's reminder is due.
    expect(await run(w, '2026-11-27T03:00:00+08:00')).toEqual({ reminded: 1, expired: 2, refunded: 1 });
    expect(await stored(w, fresh)).toMatchObject({ status: 'EXPIRED', refunds: [] });
    expect((await stored(w, fresh)).gsi2pk).toBeUndefined();
    const mixedNow = await stored(w, mixed);
    // Mixed: the rice (non-fresh) is refunded, the milk (fresh) is not.
    expect(mixedNow).toMatchObject({ status: 'EXPIRED', refunds: [{ id: `${mixed.id}-expired`, amountFen: 6990 * 2, status: 'PROCESSING', lines: [{ productId: 'p-rice', qty: 2, amountFen: 6990 * 2 }] }] });
    expect(refunds).toEqual([expect.objectContaining({ orderId: mixed.id, refundId: `${mixed.id}-expired`, amountFen: 6990 * 2, totalFen: 6990 * 2 + 1590 })]);
    expect(await w.store.get(outboxKey(`refund#${mixed.id}-expired`))).toMatchObject({ key: 'refundResult', touser: 'u-mixed', payload: { amountFen: 13980 } });
    expect(await reminderOf(w, dry)).toMatchObject({ payload: { pickupDeadline: '2026-11-28T22:00:00+08:00' } });

    const returns = await call(w, returnsCommand, { date: '2026-11-27' }, LEADER);
    expect(returns.orders.map((o: any) => o.orderId).sort()).toEqual([fresh.id, mixed.id].sort());
    expect(returns.orders.find((o: any) => o.orderId === mixed.id).lines).toEqual([
      expect.objectContaining({ productId: 'p-rice', qty: 2, disposition: 'return', refundFen: 13980 }),
      expect.objectContaining({ productId: 'p-milk', qty: 1, disposition: 'discard', refundFen: 0 }),
    ]);
    expect(returns.returnItems).toEqual([{ productId: 'p-rice', title: '五常大米 5kg', qty: 2 }]);
    expect(returns.orders[0].contact.phoneTail).toBe('5678');
    expect(await call(w, returnsCommand, { date: '2026-11-27' }, 'demo-leader-jingan')).toMatchObject({ orders: [] });

    // Again the same night: nothing is expired or refunded twice.
    expect(await run(w, '2026-11-27T04:00:00+08:00')).toEqual({ reminded: 0, expired: 0, refunded: 0 });
    expect(refunds).toHaveLength(1);

    // 29th 03:00 (the 28th's trigger was missed): dry expires, refunded in full; the picked-up order is untouched.
    expect(await run(w, '2026-11-29T03:00:00+08:00')).toEqual({ reminded: 0, expired: 1, refunded: 1 });
    expect(await stored(w, dry)).toMatchObject({ status: 'EXPIRED', refunds: [{ amountFen: 6990 }] });
    expect(refunds.map((r) => r.orderId)).toEqual([mixed.id, dry.id]);
    expect((await stored(w, picked)).status).toBe('PICKED_UP');
    expect((await call(w, returnsCommand, { date: '2026-11-29' }, LEADER)).orders.map((o: any) => o.orderId)).toEqual([dry.id]);

    // Exactly one reminder per order was ever queued.
    const reminders = (await Promise.all([fresh, dry, mixed, picked].map((o) => reminderOf(w, o)))).filter(Boolean);
    expect(reminders).toHaveLength(3);
  });

  it('follows the merchant settings: fresh refunded, non-fresh kept', async () => {
    const { w, fresh, dry, refunds } = await arrivedWave({ refundExpiredFresh: true, refundExpiredNonFresh: false });
    await run(w, '2026-11-29T03:00:00+08:00');
    expect(await stored(w, fresh)).toMatchObject({ status: 'EXPIRED', refunds: [{ amountFen: 590 * 2 }] });
    expect(await stored(w, dry)).toMatchObject({ status: 'EXPIRED', refunds: [] });
    expect(refunds.map((r) => [r.orderId, r.amountFen])).toContainEqual([fresh.id, 1180]);
    expect(refunds.map((r) => r.orderId)).not.toContain(dry.id);
  });

  it('a pickup before the deadline leaves the order alone, and the ARRIVED index holds only open orders', async () => {
    const { w, fresh } = await arrivedWave();
    w.clock.set('2026-11-26T21:59:00+08:00');
    await call(w, redeemCommand, { communityId: XJH, code: fresh.pickupCode }, LEADER);
    await run(w, '2026-11-27T03:00:00+08:00');
    expect((await stored(w, fresh)).status).toBe('PICKED_UP');
    const indexed = (await Promise.all([0, 1, 2, 3].map((s) => queryAll(w.store, { index: 'gsi2', pk: `ARRIVED#${s}` })))).flat();
    expect(indexed.map((i) => i.id).sort()).not.toContain(fresh.id);
    expect(indexed.every((i) => i.status === 'ARRIVED')).toBe(true);
  });
});
