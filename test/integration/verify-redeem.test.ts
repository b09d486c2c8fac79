import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { lineCommissionFen } from '#domain/commission';
import { keys } from '#app/keys';
import { queryAll } from '#ports/item-store';
import { findOrder, orderKey, type Order } from '#app/orders/model';
import { outboxKey } from '#app/outbox';
import { setLeaderStatus } from '#app/admin/commands';
import { placeCommand } from '#app/orders/commands';
import { applyPayment } from '#app/orders/pay';
import { arrivalCommand, batchCommand, leaderOrdersCommand, redeemCommand } from '#app/verify/commands';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';
import { call } from '#test/calls';

const WAVE = '2026-11-24';
const XJH = 'c-xujiahui';
const leaderOf = (communityId: string) => `demo-leader-${communityId.slice(2)}`;

/** What the nightly cutoff leaves behind: the community wave CLOSED, paid orders CONFIRMED. */
async function cutOff(w: TestWorld, communityId: string, date = WAVE) {
  await w.store.write({ type: 'put', item: { ...keys.communityWave(communityId, date), status: 'CLOSED' } });
}

async function arrivedOrder(w: TestWorld, input: { userId?: string; lines?: { productId: string; qty: number; paidFen?: number }[]; contact?: { name: string; phone: string } } = {}) {
  const order = await givenOrder(w, { communityId: XJH, userId: input.userId ?? 'u-1', waveDate: WAVE, status: 'CONFIRMED', lines: input.lines ?? [{ productId: 'p-rice', qty: 2 }], contact: input.contact });
  return order;
}

async function readOrder(w: TestWorld, o: Pick<Order, 'communityId' | 'waveDate' | 'id'>) {
  return (await w.store.get(orderKey(o)))!;
}

const entriesOf = (w: TestWorld, leaderId: string) => queryAll(w.store, { pk: `L#${leaderId}`, prefix: 'E#', consistent: true });

describe('arrival', () => {
  it('is refused before the wave is cut off, then turns CONFIRMED orders ARRIVED with deadlines and one notice each, idempotently', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const fresh = await arrivedOrder(w, { lines: [{ productId: 'p-spinach', qty: 1 }, { productId: 'p-rice', qty: 1 }] });
    const dry = await arrivedOrder(w, { userId: 'u-2' });
    w.clock.set('2026-11-25T16:00:00+08:00');

    await expect(call(w, arrivalCommand, { communityId: XJH, waveDate: WAVE }, leaderOf(XJH)).catch(codeOf)).resolves.toBe('INVALID_STATE');
    expect((await readOrder(w, fresh)).status).toBe('CONFIRMED');

    await cutOff(w, XJH);
    await expect(call(w, arrivalCommand, { communityId: XJH, waveDate: WAVE }, leaderOf('c-jingan')).catch(codeOf)).resolves.toBe('FORBIDDEN');
    const first = await call(w, arrivalCommand, { communityId: XJH, waveDate: WAVE }, leaderOf(XJH));
    expect(first).toEqual({ arrived: 2, pickupDeadline: '2026-11-28T22:00:00+08:00', freshPickupDeadline: '2026-11-26T22:00:00+08:00' });
    expect(await readOrder(w, fresh)).toMatchObject({ status: 'ARRIVED', pickupDeadline: '2026-11-26T22:00:00+08:00', arrivedAt: '2026-11-25T16:00:00+08:00' });
    expect(await readOrder(w, dry)).toMatchObject({ status: 'ARRIVED', pickupDeadline: '2026-11-28T22:00:00+08:00', gsi2pk: expect.stringMatching(/^ARRIVED#/) });

    // A repeat later (or by staff) changes nothing and answers the same.
    w.clock.set('2026-11-25T18:00:00+08:00');
    expect(await call(w, arrivalCommand, { communityId: XJH, waveDate: WAVE }, 'staff-1')).toEqual(first);
    const notice = await w.store.get(outboxKey(`arrival#${fresh.id}`));
    expect(notice).toMatchObject({ key: 'arrivalNotice', touser: 'u-1', payload: { orderId: fresh.id, pickupCode: fresh.pickupCode, pickupDeadline: '2026-11-26T22:00:00+08:00', pickupPointName: '徐家汇花园' } });
    expect(notice!.createdAt).toBe('2026-11-25T16:00:00+08:00');
  });

  it('the configured pickup days set the deadlines', async () => {
    const w = await makeWorld({ now: '2026-11-25T16:00:00+08:00', settings: { pickupDays: 5, freshPickupDays: 2 } });
    await cutOff(w, XJH);
    expect(await call(w, arrivalCommand, { communityId: XJH, waveDate: WAVE }, leaderOf(XJH))).toEqual({
      arrived: 0,
      pickupDeadline: '2026-11-30T22:00:00+08:00',
      freshPickupDeadline: '2026-11-27T22:00:00+08:00',
    });
  });
});

describe('redeem', () => {
  async function arrivedWorld() {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    return w;
  }
  async function arrive(w: TestWorld, communityId = XJH, date = WAVE) {
    w.clock.set('2026-11-25T16:00:00+08:00');
    await cutOff(w, communityId, date);
    await call(w, arrivalCommand, { communityId, waveDate: date }, leaderOf(communityId));
    w.clock.set('2026-11-25T18:30:00+08:00');
  }

  it('order → pay → cutoff → arrival → redeem: PICKED_UP, the commission entry with the right fen, points, in one write', async () => {
    const w = await arrivedWorld();
    // Placed and paid through the real use cases (member-free, new-user discount spread over lines).
    const placed = await call(w, placeCommand, { requestId: 'r-1', contact: { name: '张三', phone: '13912345678' }, communityId: XJH, items: [{ productId: 'p-rice', qty: 2 }, { productId: 'p-spinach', qty: 3 }] }, 'u-full');
    await applyPayment(w.deps, { orderId: placed.order.id, transactionId: 'tx-1', amountFen: placed.order.amounts.payableFen, paidAt: '2026-11-24T10:01:00+08:00', tradeState: 'SUCCESS' });
    // The cutoff: paid orders locked (what the nightly job does).
    await w.store.write({ type: 'update', key: orderKey(placed.order), update: { set: { status: 'CONFIRMED' } }, when: [{ op: 'eq', path: 'status', value: 'PAID' }] });
    await arrive(w);
    const order = (await findOrder(w.deps, placed.order.id))!;
    expect(order.status).toBe('ARRIVED');

    const view = await call(w, redeemCommand, { communityId: XJH, code: order.pickupCode }, leaderOf(XJH));
    expect(view).toMatchObject({ id: order.id, status: 'PICKED_UP', pickedUpAt: '2026-11-25T18:30:00+08:00', contact: { name: '张*', phoneTail: '5678' } });
    expect(view.pickupCode).toBeUndefined();

    const expected = order.lines.reduce((s, l) => s + lineCommissionFen(l.paidFen, l.commissionRate), 0);
    const entries = await entriesOf(w, 'l-xujiahui');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'commission', orderId: order.id, amountFen: expected, at: '2026-11-25T18:30:00+08:00' });
    expect(entries[0]!.lines).toEqual(order.lines.map((l) => expect.objectContaining({ productId: l.productId, paidFen: l.paidFen, rate: l.commissionRate, commissionFen: lineCommissionFen(l.paidFen, l.commissionRate) })));
    expect(await w.store.get(keys.leaderBalance('l-xujiahui'))).toMatchObject({ pendingFen: expected, availableFen: 0 });
    const stored = await readOrder(w, order);
    expect(stored).toMatchObject({ status: 'PICKED_UP', pickedUpBy: 'l-xujiahui', pointsEarned: Math.floor(order.amounts.payableFen / 100) });
    expect(stored.gsi2pk).toBeUndefined();
    expect((await w.store.get(keys.user('u-full')))!.points).toBe(Math.floor(order.amounts.payableFen / 100));
  });

  it('a second redeem is ALREADY_DONE with when and by whom, and changes nothing', async () => {
    const w = await arrivedWorld();
    const o = await arrivedOrder(w);
    await arrive(w);
    await call(w, redeemCommand, { communityId: XJH, code: o.pickupCode }, leaderOf(XJH));
    w.clock.set('2026-11-25T19:00:00+08:00');
    const e = await call(w, redeemCommand, { communityId: XJH, code: o.pickupCode }, leaderOf(XJH)).catch((x) => x);
    expect(e).toMatchObject({ code: 'ALREADY_DONE', details: { orderId: o.id, pickedUpAt: '2026-11-25T18:30:00+08:00', pickedUpBy: 'l-xujiahui' } });
    expect(await entriesOf(w, 'l-xujiahui')).toHaveLength(1);
    expect((await w.store.get(keys.leaderBalance('l-xujiahui')))!.pendingFen).toBe(lineCommissionFen(6990 * 2, 0.08));
  });

  it("another community's leader and a suspended leader are FORBIDDEN and change nothing", async () => {
    const w = await arrivedWorld();
    const o = await arrivedOrder(w);
    await arrive(w);
    await expect(call(w, redeemCommand, { communityId: XJH, code: o.pickupCode }, leaderOf('c-jingan')).catch(codeOf)).resolves.toBe('FORBIDDEN');
    await expect(call(w, batchCommand, { communityId: XJH, codes: [o.pickupCode] }, leaderOf('c-jingan')).catch(codeOf)).resolves.toBe('FORBIDDEN');
    await expect(call(w, redeemCommand, { communityId: XJH, code: o.pickupCode }, 'u-1').catch(codeOf)).resolves.toBe('FORBIDDEN');

    await setLeaderStatus(w.deps, 'l-xujiahui', 'suspended', 'test', 'staff-1');
    await expect(call(w, redeemCommand, { communityId: XJH, code: o.pickupCode }, leaderOf(XJH)).catch(codeOf)).resolves.toBe('FORBIDDEN');
    // Even past the role check (a token issued before the suspension), the binding is read again.
    const ctx = { caller: { kind: 'user' as const, userId: leaderOf(XJH), roles: ['customer' as const, 'leader' as const] }, deps: w.deps };
    await expect(redeemCommand.run(ctx, { communityId: XJH, code: o.pickupCode! }).catch(codeOf)).resolves.toBe('FORBIDDEN');

    expect((await readOrder(w, o)).status).toBe('ARRIVED');
    expect(await entriesOf(w, 'l-xujiahui')).toHaveLength(0);
    expect(await entriesOf(w, 'l-jingan')).toHaveLength(0);
    expect(await w.store.get(keys.leaderBalance('l-xujiahui'))).toBeUndefined();

    // Restored (warned still verifies), the same code works.
    await setLeaderStatus(w.deps, 'l-xujiahui', 'warned', 'test', 'staff-1');
    await expect(call(w, redeemCommand, { communityId: XJH, code: o.pickupCode }, leaderOf(XJH))).resolves.toMatchObject({ status: 'PICKED_UP' });
  });

  it('50 concurrent redeems of one code: exactly one succeeds, one commission entry, points once', async () => {
    const w = await arrivedWorld();
    const o = await arrivedOrder(w, { lines: [{ productId: 'p-oil', qty: 1 }] });
    await arrive(w);
    // A clock that moves on every read, so racing attempts stamp different times (as in production).
    let tick = w.clock.now();
    w.deps.clock = { now: () => (tick += 1000) };
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => call(w, redeemCommand, { communityId: XJH, code: o.pickupCode }, leaderOf(XJH))));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => codeOf((r as PromiseRejectedResult).reason))).toEqual(Array(49).fill('ALREADY_DONE'));
    const entries = await entriesOf(w, 'l-xujiahui');
    expect(entries).toHaveLength(1);
    expect((await w.store.get(keys.leaderBalance('l-xujiahui')))!.pendingFen).toBe(lineCommissionFen(12990, 0.08));
    expect((await w.store.get(keys.user('u-1')))!.points).toBe(129);
  });

  it('wrong codes are rate limited per leader: 10 a minute, then every attempt is RATE_LIMITED until the minute is over', async () => {
    const w = await arrivedWorld();
    const o = await arrivedOrder(w);
    const other = await givenOrder(w, { communityId: 'c-jingan', userId: 'u-9', waveDate: WAVE, status: 'CONFIRMED', lines: [{ productId: 'p-rice', qty: 1 }] });
    await arrive(w);
    await arrive(w, 'c-jingan');
    const wrong = Array.from({ length: 11 }, (_, i) => String(10_000_000 + i)).filter((c) => c !== o.pickupCode);
    for (const code of wrong.slice(0, 10)) await expect(call(w, redeemCommand, { communityId: XJH, code }, leaderOf(XJH)).catch(codeOf)).resolves.toBe('NOT_FOUND');
    await expect(call(w, redeemCommand, { communityId: XJH, code: wrong[10] }, leaderOf(XJH)).catch(codeOf)).resolves.toBe('RATE_LIMITED');
    // The right code is refused too, so answers never reveal which code exists.
    await expect(call(w, redeemCommand, { communityId: XJH, code: o.pickupCode }, leaderOf(XJH)).catch(codeOf)).resolves.toBe('RATE_LIMITED');
    expect((await readOrder(w, o)).status).toBe('ARRIVED');
    // Another leader is not affected.
    await expect(call(w, redeemCommand, { communityId: 'c-jingan', code: other.pickupCode }, leaderOf('c-jingan'))).resolves.toMatchObject({ status: 'PICKED_UP' });

    w.clock.advance(60_000);
    await expect(call(w, redeemCommand, { communityId: XJH, code: o.pickupCode }, leaderOf(XJH))).resolves.toMatchObject({ status: 'PICKED_UP' });
  });

  it('bad input gets the contract error and changes nothing: unknown, another wave not yet arrived, malformed', async () => {
    const w = await arrivedWorld();
    const o = await arrivedOrder(w);
    const tomorrow = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: '2026-11-25', status: 'PAID', lines: [{ productId: 'p-rice', qty: 1 }] });
    const expired = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: WAVE, status: 'CONFIRMED', lines: [{ productId: 'p-tissue', qty: 1 }] });
    await arrive(w);
    await w.store.write({ type: 'update', key: orderKey(expired), update: { set: { status: 'EXPIRED' } } });

    const unknown = o.pickupCode === '99999999' ? '99999998' : '99999999';
    await expect(call(w, redeemCommand, { communityId: XJH, code: unknown }, leaderOf(XJH)).catch(codeOf)).resolves.toBe('NOT_FOUND');
    await expect(call(w, redeemCommand, { communityId: XJH, code: tomorrow.pickupCode }, leaderOf(XJH)).catch((e) => e)).resolves.toMatchObject({
      code: 'INVALID_STATE',
      details: { status: 'PAID' },
    });
    await expect(call(w, redeemCommand, { communityId: XJH, code: expired.pickupCode }, leaderOf(XJH)).catch(codeOf)).resolves.toBe('INVALID_STATE');
    for (const code of ['1234567', '123456789', 'abcdefgh', 12345678, ''])
      await expect(call(w, redeemCommand, { communityId: XJH, code }, leaderOf(XJH)).catch((e) => e)).resolves.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { issues: [expect.objectContaining({ path: 'code' })] },
      });
    // The other community's code space is separate: a valid code of XJH is unknown in jingan.
    await expect(call(w, redeemCommand, { communityId: 'c-jingan', code: o.pickupCode }, leaderOf('c-jingan')).catch(codeOf)).resolves.toBe('NOT_FOUND');

    expect((await readOrder(w, o)).status).toBe('ARRIVED');
    expect((await readOrder(w, tomorrow)).status).toBe('PAID');
    expect(await entriesOf(w, 'l-xujiahui')).toHaveLength(0);
    expect(await w.store.get(keys.leaderBalance('l-xujiahui'))).toBeUndefined();
    expect(await w.store.get(keys.user('u-1'))).toBeUndefined();
  });

  it('batch: each code succeeds or fails on its own, a failed one changes nothing', async () => {
    const w = await arrivedWorld();
    const a = await arrivedOrder(w, { lines: [{ productId: 'p-rice', qty: 1 }] });
    const b = await arrivedOrder(w, { lines: [{ productId: 'p-oil', qty: 1 }] });
    const later = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: '2026-11-25', status: 'CONFIRMED', lines: [{ productId: 'p-tissue', qty: 1 }] });
    await arrive(w);
    const unknown = [a, b, later].some((o) => o.pickupCode === '99999999') ? '99999998' : '99999999';
    const r = await call(w, batchCommand, { communityId: XJH, codes: [a.pickupCode, unknown, b.pickupCode, later.pickupCode, 'x1', a.pickupCode] }, leaderOf(XJH));
    expect(r.redeemed.map((o: any) => o.id)).toEqual([a.id, b.id]);
    expect(r.failed.map((f: any) => [f.code, f.error.code])).toEqual([
      [unknown, 'NOT_FOUND'],
      [later.pickupCode, 'INVALID_STATE'],
      ['x1', 'VALIDATION_FAILED'],
      [a.pickupCode, 'ALREADY_DONE'],
    ]);
    expect(r.failed[0].error.message).toEqual(expect.any(String));
    expect((await readOrder(w, later)).status).toBe('CONFIRMED');
    expect(await entriesOf(w, 'l-xujiahui')).toHaveLength(2);
    expect((await w.store.get(keys.leaderBalance('l-xujiahui')))!.pendingFen).toBe(lineCommissionFen(6990, 0.08) + lineCommissionFen(12990, 0.08));
    await expect(call(w, batchCommand, { communityId: XJH, codes: [] }, leaderOf(XJH)).catch(codeOf)).resolves.toBe('VALIDATION_FAILED');
  });
});

describe("the leader's orders", () => {
  it('lists a wave of the own community with masked contacts and the product totals, filters by status and phone tail', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const a = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: WAVE, status: 'CONFIRMED', lines: [{ productId: 'p-rice', qty: 2 }, { productId: 'p-milk', qty: 1 }], contact: { name: '李小龙', phone: '13900001111' } });
    await givenOrder(w, { communityId: XJH, userId: 'u-2', waveDate: WAVE, status: 'CONFIRMED', lines: [{ productId: 'p-rice', qty: 1 }], contact: { name: '王五', phone: '13900002222' } });
    await givenOrder(w, { communityId: XJH, userId: 'u-3', waveDate: WAVE, status: 'CANCELLED', lines: [{ productId: 'p-oil', qty: 1 }] });
    await givenOrder(w, { communityId: XJH, userId: 'u-4', waveDate: WAVE, status: 'PENDING_PAYMENT', lines: [{ productId: 'p-oil', qty: 1 }] });
    await givenOrder(w, { communityId: 'c-jingan', userId: 'u-5', waveDate: WAVE, status: 'CONFIRMED', lines: [{ productId: 'p-tissue', qty: 1 }] });
    w.clock.set('2026-11-25T09:00:00+08:00');

    const all = await call(w, leaderOrdersCommand, {}, leaderOf(XJH));
    expect(all.waveDate).toBe(WAVE);
    expect(all.summary).toEqual({ orders: 2, items: [{ productId: 'p-rice', title: '五常大米 5kg', qty: 3 }, { productId: 'p-milk', title: '鲜牛奶 950ml', qty: 1 }] });
    expect(all.items.map((o: any) => o.status).sort()).toEqual(['CANCELLED', 'CONFIRMED', 'CONFIRMED']);
    const mine = all.items.find((o: any) => o.id === a.id);
    expect(mine.contact).toEqual({ name: '李**', phoneTail: '1111' });
    expect(mine.pickupCode).toBeUndefined();
    expect(JSON.stringify(all)).not.toContain('13900001111');

    const byTail = await call(w, leaderOrdersCommand, { waveDate: WAVE, phoneTail: '2222' }, leaderOf(XJH));
    expect(byTail.items).toHaveLength(1);
    expect(byTail.summary).toEqual({ orders: 1, items: [{ productId: 'p-rice', title: '五常大米 5kg', qty: 1 }] });
    const cancelled = await call(w, leaderOrdersCommand, { waveDate: WAVE, status: 'CANCELLED' }, leaderOf(XJH));
    expect(cancelled.items).toHaveLength(1);

    const other = await call(w, leaderOrdersCommand, { waveDate: WAVE }, leaderOf('c-jingan'));
    expect(other.summary.items).toEqual([{ productId: 'p-tissue', title: '抽纸 24包', qty: 1 }]);
    await expect(call(w, leaderOrdersCommand, { phoneTail: '12' }, leaderOf(XJH)).catch(codeOf)).resolves.toBe('VALIDATION_FAILED');
    await expect(call(w, leaderOrdersCommand, {}, 'u-1').catch(codeOf)).resolves.toBe('FORBIDDEN');
  });
});
