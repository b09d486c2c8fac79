import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { outputOf } from '#app/outputs';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { orderFromItem, orderKey, type Order } from '#app/orders/model';
import { adminOrderKeys } from '#app/admin-orders/keys';
import { phoneIndexOf } from '#app/admin-orders/phone-index';
import { cutoffKeys } from '#app/cutoff/keys';
import { runCutoff } from '#app/cutoff/close-waves';
import { lineCommissionFen } from '#domain/commission';
import { allocateFen } from '#domain/money';
import { queryAll } from '#ports/item-store';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';
import { unpaidWithHolds } from '../support/order-fixtures.ts';

const D = '2026-11-24';
const XJH = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
/** Every answer is checked against the command's output schema (shared/app/outputs.ts). */
const checked = (name: string) => (data: unknown) => {
  const schema = outputOf(command(name));
  const r = schema?.safeParse(data);
  if (r && !r.success) throw new Error(`${name} answered outside its output schema: ${JSON.stringify(r.error.issues).slice(0, 500)}`);
  return data as any;
};
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps).then(checked(name)) as Promise<any>;
const staff = (w: TestWorld, name: string, input: Record<string, unknown>) => as(w, 'staff-1', name, input);
const stored = async (w: TestWorld, o: Pick<Order, 'communityId' | 'waveDate' | 'id'>) => orderFromItem((await w.store.get(orderKey(o), { consistent: true }))!);
const place = (w: TestWorld, userId: string, phone: string, requestId: string) =>
  as(w, userId, 'order.place', { communityId: XJH, items: [{ productId: 'p-rice', qty: 1 }], requestId, contact: { name: '张三丰', phone } });

describe('staff find orders by the full phone (keyed blind index, never decrypting)', () => {
  it('the full number finds exactly that customer’s orders; a tail or another number finds none; the view is masked and has no pickup code', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const a1 = (await place(w, 'u-a', '13912345678', 'r1')).order;
    const a2 = (await place(w, 'u-a', '13912345678', 'r2')).order;
    const b = (await place(w, 'u-b', '13800001111', 'r3')).order;

    const found = await staff(w, 'admin.orders', { phone: '13912345678' });
    expect(found.items.map((o: any) => o.id).sort()).toEqual([a1.id, a2.id].sort());
    expect((await staff(w, 'admin.orders', { phone: '+8613800001111' })).items.map((o: any) => o.id)).toEqual([b.id]);
    expect((await staff(w, 'admin.orders', { phone: '13912345670' })).items).toEqual([]);
    // Masked: no full number, no full name, no pickup code anywhere in the answer.
    const text = JSON.stringify(found);
    expect(text).not.toContain('13912345678');
    expect(text).not.toContain('张三丰');
    expect(found.items[0].contact).toEqual({ name: '张**', phoneTail: '5678' });
    expect(found.items[0]).not.toHaveProperty('pickupCode');
    // The lookup item holds the keyed index, not the number; the index is keyed (not a bare hash of the number).
    const index = phoneIndexOf(w.deps, '13912345678');
    const lookups = await queryAll(w.store, { ...adminOrderKeys.phoneOrders(index) });
    expect(lookups.map((l) => l.orderId).sort()).toEqual([a1.id, a2.id].sort());
    expect(JSON.stringify(lookups)).not.toContain('13912345678');
    expect(index).not.toBe(phoneIndexOf({ contacts: { ...w.deps.contacts, mac: (t: string) => `x${t}` } } as any, '13912345678'));

    // Other filters: community + wave + status, short number; the order detail has a timeline.
    const list = await staff(w, 'admin.orders', { communityId: XJH, waveDate: D, status: 'PENDING_PAYMENT' });
    expect(list.items.map((o: any) => o.id).sort()).toEqual([a1.id, a2.id, b.id].sort());
    expect((await staff(w, 'admin.orders', { shortNo: b.shortNo })).items.map((o: any) => o.id)).toEqual([b.id]);
    const detail = await staff(w, 'admin.order', { id: a1.id });
    expect(detail.timeline[0]).toMatchObject({ event: 'PLACED', at: a1.createdAt });
    expect(JSON.stringify(detail)).not.toContain('13912345678');
  });

  it('pages with signed cursors through every order', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    for (let i = 0; i < 55; i++) await givenOrder(w, { communityId: XJH, userId: `u-${i}`, waveDate: D, status: 'PAID', lines: [{ productId: 'p-rice', qty: 1 }] });
    const first = await staff(w, 'admin.orders', { waveDate: D });
    expect(first.items).toHaveLength(50);
    const second = await staff(w, 'admin.orders', { waveDate: D, cursor: first.nextCursor });
    expect(new Set([...first.items, ...second.items].map((o: any) => o.id)).size).toBe(55);
    expect(codeOf(await staff(w, 'admin.orders', { waveDate: D, cursor: `${first.nextCursor}x` }).catch((e) => e))).toBe('VALIDATION_FAILED');
  });
});

// Rice: 3 bags paid 1000 fen (largest remainder: 334, 333, 333); eggs: 2 boxes paid 6580.
const LINES = [
  { productId: 'p-rice', qty: 3, paidFen: 1000 },
  { productId: 'p-eggs', qty: 2, paidFen: 6580 },
];

describe('staff refund units (POST /admin/orders/{id}/refund)', () => {
  it('one unit of a confirmed order: exact fen, once per requestId; the pickup then accrues commission and points on what remains', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const order = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: D, status: 'PAID', lines: LINES });
    w.clock.set(`${D}T22:00:00+08:00`);
    await runCutoff(w.deps, { date: D });
    const gateway = recordRefunds(w);
    const pickBefore = (await staff(w, 'cutoff.pickLists', { date: D, communityId: XJH })).lists[0].products.find((p: any) => p.productId === 'p-rice').qty;

    const input = { id: order.id, requestId: 'ref-1', lines: [{ productId: 'p-rice', qty: 1 }], reason: '破损' };
    const [x, y] = await Promise.all([staff(w, 'admin.refundOrder', input), staff(w, 'admin.refundOrder', input)]);
    expect(x.status).toBe('CONFIRMED');
    expect(y.refunds).toEqual(x.refunds);
    const after = await stored(w, order);
    expect(after.refunds.map((r) => r.amountFen)).toEqual([334]);
    expect(gateway.map((r) => r.amountFen)).toEqual([334]);
    expect((after as any).refundedQty).toEqual({ 'p-rice': 1 });
    expect((await staff(w, 'cutoff.pickLists', { date: D, communityId: XJH })).lists[0].products.find((p: any) => p.productId === 'p-rice').qty).toBe(pickBefore - 1);

    // More than remains → INVALID_STATE, nothing changes; a product not in the order → VALIDATION_FAILED.
    expect(codeOf(await staff(w, 'admin.refundOrder', { ...input, requestId: 'ref-2', lines: [{ productId: 'p-rice', qty: 3 }] }).catch((e) => e))).toBe('INVALID_STATE');
    expect(codeOf(await staff(w, 'admin.refundOrder', { ...input, requestId: 'ref-3', lines: [{ productId: 'p-milk', qty: 1 }] }).catch((e) => e))).toBe('VALIDATION_FAILED');
    expect(await stored(w, order)).toEqual(after);

    // Arrival and pickup: commission and points on what remains.
    w.clock.set('2026-11-25T16:00:00+08:00');
    await as(w, LEADER, 'verify.arrival', { communityId: XJH, waveDate: D });
    await as(w, LEADER, 'verify.redeem', { communityId: XJH, code: order.pickupCode });
    const [rice, eggs] = after.lines;
    const commission = lineCommissionFen(1000, rice!.commissionRate) - lineCommissionFen(334, rice!.commissionRate) + lineCommissionFen(6580, eggs!.commissionRate);
    const entries = await queryAll(w.store, { pk: keys.leaderBalance('l-xujiahui').pk, prefix: 'E#', consistent: true });
    expect(entries.filter((e) => e.orderId === order.id).map((e) => e.amountFen)).toEqual([commission]);
    expect((await w.store.get(keys.user('u-1')))?.points).toBe(Math.floor((7580 - 334) / 100));
    // The fixture's assumption: the first bag of rice is worth 334 fen.
    expect(allocateFen(1000, [1, 1, 1])).toEqual([334, 333, 333]);
  });

  it('a paid order of an open wave gives its units back on sale; a cancel afterwards gives back only the rest, and everything else, once', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const order = await unpaidWithHolds(w, XJH, 'u-9', D, { flash: false });
    await w.store.write({ type: 'update', key: orderKey(order), update: { set: { status: 'PAID', paidAt: `${D}T10:01:00+08:00` } } });
    const sold = async () => Number((await w.store.get(keys.waveStock('p-eggs', D), { consistent: true }))?.sold ?? 0);
    const limit = async () => Number((await w.store.get(keys.userLimit('u-9', D, 'p-eggs'), { consistent: true }))?.count ?? 0);
    const soldBefore = await sold();

    await staff(w, 'admin.refundOrder', { id: order.id, requestId: 'e1', lines: [{ productId: 'p-eggs', qty: 1 }], reason: '缺货' });
    expect(await sold()).toBe(soldBefore - 1);
    expect(await limit()).toBe(1);

    const cancelled = await staff(w, 'admin.cancelOrder', { id: order.id, reason: '客户电话要求取消' });
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelReason: 'MERCHANT' });
    expect(await sold()).toBe(soldBefore - 2);
    expect(await limit()).toBe(0);
    const after = await stored(w, order);
    expect(after.refunds.reduce((a, r) => a + r.amountFen, 0)).toBe(order.amounts.payableFen);
    expect((await w.store.get(keys.userCoupon('u-9', 'cpn-100-10')))?.status).toBe('available');
    expect((await w.store.get(keys.user('u-9')))?.points).toBe(700 + 300);
    // Once: a second cancel is ALREADY_DONE and changes nothing.
    expect(codeOf(await staff(w, 'admin.cancelOrder', { id: order.id, reason: 'again' }).catch((e) => e))).toBe('ALREADY_DONE');
    expect(await stored(w, order)).toEqual(after);
    expect(await sold()).toBe(soldBefore - 2);
  });

  it('a confirmed order cancelled by the merchant: refunded what is left, off the pick list; not after pickup', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const order = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: D, status: 'PAID', lines: LINES });
    const other = await givenOrder(w, { communityId: XJH, userId: 'u-2', waveDate: D, status: 'PAID', lines: [{ productId: 'p-rice', qty: 1 }] });
    w.clock.set(`${D}T22:00:00+08:00`);
    await runCutoff(w.deps, { date: D });
    await staff(w, 'admin.refundOrder', { id: order.id, requestId: 'r1', lines: [{ productId: 'p-eggs', qty: 1 }], reason: '破损' });
    const done = await staff(w, 'admin.cancelOrder', { id: order.id, reason: '商家无法履约' });
    expect(done).toMatchObject({ status: 'CANCELLED', cancelReason: 'MERCHANT' });
    const after = await stored(w, order);
    expect(after.refunds.map((r) => r.amountFen)).toEqual([3290, 7580 - 3290]);
    const lists = (await staff(w, 'cutoff.pickLists', { date: D, communityId: XJH })).lists;
    expect(lists[0].labels.map((l: any) => l.shortNo)).toEqual([other.shortNo]);
    expect(await w.store.get(cutoffKeys.pick(D, XJH, 0))).toBeTruthy();

    const picked = await givenOrder(w, { communityId: XJH, userId: 'u-3', waveDate: D, status: 'PICKED_UP', lines: [{ productId: 'p-rice', qty: 1 }] });
    expect(codeOf(await staff(w, 'admin.cancelOrder', { id: picked.id, reason: 'x' }).catch((e) => e))).toBe('INVALID_STATE');
    expect(codeOf(await staff(w, 'admin.refundOrder', { id: picked.id, requestId: 'p1', lines: [{ productId: 'p-rice', qty: 1 }], reason: 'x' }).catch((e) => e))).toBe('INVALID_STATE');
  });
});
