import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { findOrder, orderFromItem, orderKey, type Order } from '#app/orders/model';
import { cancelOrder } from '#app/orders/cancel';
import { runCutoff } from '#app/cutoff/close-waves';
import { markLate } from '#app/cutoff/late';
import type { Item, ItemStore, Key, WriteOp } from '#ports/item-store';
import { callAs, errorOf } from '../support/calls.ts';
import { storeBackends } from '../support/store-backends.ts';
import { givenOrder, makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';

/**
 * Issue 19 item 1, "Cutoff does the minimum writes": closing a wave writes no paid order. A paid
 * order's CONFIRMED follows from its community wave's CLOSED state (shared/domain/order-status.ts,
 * loaded by shared/app/orders/effective.ts), on every read path, and everything downstream
 * (arrival, redeem, refunds, shortages, late notices, a merchant cancel) works from it; a cancel
 * of a paid order racing the close cannot commit into the closed wave. On DynamoDB Local and on
 * the CloudBase double.
 */
const BACKENDS = storeBackends();
const D = '2026-11-24';
const XJH = 'c-xujiahui';
const JA = 'c-jingan';
const LEADER_XJH = 'demo-leader-xujiahui';
const STAFF = 'staff-1';
const rice = [{ productId: 'p-rice', qty: 2 }];

const as = callAs;
const error = errorOf;
const idOf = (k: Key) => `${k.pk}|${k.sk}`;

/** The store, recording the key of every item any write touches (writes, transactions, batches). */
function recording(inner: ItemStore): { store: ItemStore; written: string[] } {
  const written: string[] = [];
  const keyOf = (op: WriteOp): Key => (op.type === 'put' ? op.item : op.key);
  return {
    written,
    store: {
      ...inner,
      get: (k, o) => inner.get(k, o),
      getMany: (k) => inner.getMany(k),
      query: (q) => inner.query(q),
      write: (op) => (written.push(idOf(keyOf(op))), inner.write(op)),
      transact: (ops) => (written.push(...ops.filter((op) => op.type !== 'check').map((op) => idOf(keyOf(op)))), inner.transact(ops)),
      putMany: (items) => (written.push(...items.map(idOf)), inner.putMany(items)),
    },
  };
}

const stored = async (w: TestWorld, o: Order): Promise<Item | undefined> => w.store.get(orderKey(o), { consistent: true });

describe.each(BACKENDS)('cutoff with the minimum writes on $name', ({ make }) => {
  it('writes nothing to a paid order, while every read path shows it CONFIRMED (confirmed at the close)', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, store: await make() });
    const a = await givenOrder(w, { communityId: XJH, userId: 'u-a', waveDate: D, lines: rice });
    const b = await givenOrder(w, { communityId: XJH, userId: 'u-b', waveDate: D, lines: [{ productId: 'p-eggs', qty: 1 }] });
    const j = await givenOrder(w, { communityId: JA, userId: 'u-a', waveDate: D, lines: rice });
    const unpaid = await givenOrder(w, { communityId: XJH, userId: 'u-c', waveDate: D, status: 'PENDING_PAYMENT', lines: rice });
    const paid = [a, b, j];
    const before = new Map(await Promise.all(paid.map(async (o) => [o.id, await stored(w, o)] as const)));

    // Before the close: PAID everywhere.
    expect((await as(w, 'u-a', 'order.get', { id: a.id })).status).toBe('PAID');

    w.clock.set(`${D}T22:00:00+08:00`);
    const rec = recording(w.store);
    const summary = await runCutoff({ ...w.deps, store: rec.store }, {});
    expect(summary).toMatchObject({ complete: true, ordersConfirmed: 3, ordersCancelled: 1 });

    // Not one write touched a paid order; the items are exactly as they were (the unpaid one was cancelled).
    const paidKeys = new Set(paid.map((o) => idOf(orderKey(o))));
    expect(rec.written.filter((k) => paidKeys.has(k))).toEqual([]);
    expect(rec.written).toContain(idOf(orderKey(unpaid)));
    for (const o of paid) expect(await stored(w, o)).toEqual(before.get(o.id));
    expect((await stored(w, unpaid))?.status).toBe('CANCELLED');
    const wave = (await w.store.get(keys.communityWave(XJH, D)))!;
    expect(wave.status).toBe('CLOSED');
    const closedAt = String(wave.closedAt);

    // The customer: the order, the list and its status filter, the export.
    expect(await as(w, 'u-a', 'order.get', { id: a.id })).toMatchObject({ status: 'CONFIRMED' });
    expect((await as(w, 'u-a', 'order.list', {})).items.map((o: Order) => [o.id, o.status]).sort()).toEqual([[a.id, 'CONFIRMED'], [j.id, 'CONFIRMED']].sort());
    expect((await as(w, 'u-a', 'order.list', { status: 'CONFIRMED' })).items).toHaveLength(2);
    expect((await as(w, 'u-a', 'order.list', { status: 'PAID' })).items).toEqual([]);
    expect((await as(w, 'u-a', 'auth.export', {})).orders.map((o: Order) => o.status)).toEqual(['CONFIRMED', 'CONFIRMED']);

    // The leader's list and its status filter.
    const leader = await as(w, LEADER_XJH, 'verify.orders', { waveDate: D });
    expect(leader.items.map((o: Order) => [o.id, o.status]).sort()).toEqual([[a.id, 'CONFIRMED'], [b.id, 'CONFIRMED'], [unpaid.id, 'CANCELLED']].sort());
    expect((await as(w, LEADER_XJH, 'verify.orders', { waveDate: D, status: 'CONFIRMED' })).items).toHaveLength(2);
    expect((await as(w, LEADER_XJH, 'verify.orders', { waveDate: D, status: 'PAID' })).items).toEqual([]);

    // Staff: the list's status filter finds PAID-stored orders of closed waves under CONFIRMED only; the timeline.
    const confirmed = await as(w, STAFF, 'admin.orders', { waveDate: D, status: 'CONFIRMED' });
    expect(confirmed.items.map((o: Order) => o.id).sort()).toEqual(paid.map((o) => o.id).sort());
    expect((await as(w, STAFF, 'admin.orders', { waveDate: D, status: 'PAID' })).items).toEqual([]);
    expect((await as(w, STAFF, 'admin.orders', { communityId: XJH, waveDate: D, status: 'CONFIRMED' })).items).toHaveLength(2);
    const staffView = await as(w, STAFF, 'admin.order', { id: a.id });
    expect(staffView).toMatchObject({ status: 'CONFIRMED', confirmedAt: closedAt });
    expect(staffView.timeline).toContainEqual({ at: closedAt, event: 'CONFIRMED' });

    // The reports count them: purchase list and pick lists.
    const purchase = await as(w, STAFF, 'cutoff.purchaseList', { date: D });
    expect(purchase.qty).toBe(2 + 1 + 2);
    const { lists } = await as(w, STAFF, 'cutoff.pickLists', { date: D, communityId: XJH });
    expect(lists[0].labels.map((l: { shortNo: string }) => l.shortNo).sort()).toEqual([a.shortNo, b.shortNo].sort());

    // A rerun changes nothing and writes no order.
    const again = recording(w.store);
    expect(await runCutoff({ ...w.deps, store: again.store }, {})).toMatchObject({ ordersConfirmed: 0, ordersCancelled: 0 });
    expect(again.written.filter((k) => k.includes('|O#'))).toEqual([]);
  });

  it('a cancel of a paid order read before the close cannot commit once the wave closed; one that commits first is not counted', async () => {
    const w = await makeWorld({ now: `${D}T21:00:00+08:00`, store: await make() });
    const refunds = recordRefunds(w);
    const late = await givenOrder(w, { communityId: XJH, userId: 'u-late', waveDate: D, lines: rice });
    const early = await givenOrder(w, { communityId: XJH, userId: 'u-early', waveDate: D, lines: [{ productId: 'p-eggs', qty: 1 }] });
    const readBefore = (await findOrder(w.deps, late.id))!;
    expect(readBefore.status).toBe('PAID');

    // The customer's cancel of `early` commits before the close: it is refunded and not counted.
    expect(await as(w, 'u-early', 'order.cancel', { id: early.id })).toMatchObject({ status: 'CANCELLED' });
    // The merchant closes the wave early (21:00, before the 22:00 cutoff).
    expect(await runCutoff(w.deps, { date: D })).toMatchObject({ complete: true, ordersConfirmed: 1 });

    // The customer's and the merchant's cancel, from a read made while the wave was open: refused by the wave gate.
    expect(codeOf(await error(cancelOrder(w.deps, readBefore, 'CUSTOMER')))).toBe('WAVE_CLOSED');
    expect(codeOf(await error(cancelOrder(w.deps, readBefore, 'MERCHANT')))).toBe('WAVE_CLOSED');
    // Read now, the order is CONFIRMED: the customer's cancel is refused as before.
    expect(codeOf(await error(as(w, 'u-late', 'order.cancel', { id: late.id })))).toBe('WAVE_CLOSED');
    expect((await stored(w, late))?.status).toBe('PAID');
    expect(await findOrder(w.deps, late.id)).toMatchObject({ status: 'CONFIRMED', refunds: [] });
    expect(refunds.map((r) => r.orderId)).toEqual([early.id]);
    const { lists } = await as(w, STAFF, 'cutoff.pickLists', { date: D, communityId: XJH });
    expect(lists[0].labels.map((l: { shortNo: string }) => l.shortNo)).toEqual([late.shortNo]);
  });

  it('arrival, redeem, a unit refund, a shortage, a late notice and a merchant cancel work on orders stored PAID in the closed wave', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, store: await make() });
    const refunds = recordRefunds(w);
    const pick = await givenOrder(w, { communityId: XJH, userId: 'u-pick', waveDate: D, lines: [{ productId: 'p-rice', qty: 3 }] });
    const short = await givenOrder(w, { communityId: XJH, userId: 'u-short', waveDate: D, lines: [{ productId: 'p-eggs', qty: 2 }] });
    const drop = await givenOrder(w, { communityId: XJH, userId: 'u-drop', waveDate: D, lines: [{ productId: 'p-milk', qty: 1 }] });
    w.clock.set(`${D}T22:00:00+08:00`);
    await runCutoff(w.deps, {});
    const closedAt = String((await w.store.get(keys.communityWave(XJH, D)))!.closedAt);
    for (const o of [pick, short, drop]) expect((await stored(w, o))?.status).toBe('PAID');

    // Staff refund one unit of a locked order: done, the pick list rebuilt without it (no wave stock given back).
    const refunded = await as(w, STAFF, 'admin.refundOrder', { id: pick.id, requestId: 'rf1', lines: [{ productId: 'p-rice', qty: 1 }], reason: '破损' });
    expect(refunded).toMatchObject({ status: 'CONFIRMED', refundedQty: { 'p-rice': 1 } });
    // A shortage of eggs refunds a unit of the order that has them.
    const shortage = await as(w, STAFF, 'cutoff.shortage', { date: D, requestId: 'sh1', productId: 'p-eggs', shortQty: 1, reason: '缺货' });
    expect(shortage).toMatchObject({ refunded: [{ orderId: short.id, qty: 1 }], remainingShortQty: 0 });
    const { lists } = await as(w, STAFF, 'cutoff.pickLists', { date: D, communityId: XJH });
    const units = Object.fromEntries(lists[0].labels.map((l: { shortNo: string; lines: { qty: number }[] }) => [l.shortNo, l.lines.reduce((s, x) => s + x.qty, 0)]));
    expect(units).toEqual({ [pick.shortNo]: 2, [short.shortNo]: 1, [drop.shortNo]: 1 });

    // A late notice moves the arrival of the locked orders.
    const lateResult = await markLate(w.deps, { date: D, requestId: 'late1', newArrivalAt: '2026-11-25T18:00:00+08:00', reason: '延迟' }, 'staff');
    expect(lateResult.orders).toBe(3);
    expect((await stored(w, pick))?.arrivalAt).toBe('2026-11-25T18:00:00+08:00');

    // The merchant cancels a locked order: refunded in full, confirmedAt kept for the timeline.
    expect(await as(w, STAFF, 'admin.cancelOrder', { id: drop.id, reason: '商家缺货' })).toMatchObject({ status: 'CANCELLED', cancelReason: 'MERCHANT' });
    expect(orderFromItem((await stored(w, drop))!)).toMatchObject({ status: 'CANCELLED', confirmedAt: closedAt });
    expect(refunds.filter((r) => r.orderId === drop.id)).toHaveLength(1);

    // Arrival: every locked order ARRIVED, its confirmation time kept; then the pickup.
    w.clock.set('2026-11-25T18:30:00+08:00');
    expect(await as(w, LEADER_XJH, 'verify.arrival', { communityId: XJH, waveDate: D })).toMatchObject({ arrived: 2 });
    expect(orderFromItem((await stored(w, pick))!)).toMatchObject({ status: 'ARRIVED', confirmedAt: closedAt });
    expect((await as(w, STAFF, 'admin.order', { id: short.id })).timeline.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['PAID', 'CONFIRMED', 'ARRIVED']));
    const picked = await as(w, LEADER_XJH, 'verify.redeem', { communityId: XJH, code: pick.pickupCode });
    expect(picked).toMatchObject({ status: 'PICKED_UP' });
  });
});
