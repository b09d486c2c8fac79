import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { lineCommissionFen } from '#domain/commission';
import { keys } from '#app/keys';
import { orderKey, type Order } from '#app/orders/model';
import { outboxKey } from '#app/outbox';
import { queryAll } from '#ports/item-store';
import { arrivalCommand, redeemCommand } from '#app/verify/commands';
import { afterSalesCommand, decideAfterSalesCommand, listAfterSalesCommand } from '#app/after-sales/commands';
import { complaintsKey } from '#app/after-sales/model';
import { givenOrder, makeWorld, type TestWorld, recordRefunds } from '../support/harness.ts';
import { call } from '#test/calls';

const WAVE = '2026-11-24';
const XJH = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';

const ask = (w: TestWorld, orderId: string, lines: { productId: string; qty: number }[], who = 'u-1') =>
  call(w, afterSalesCommand, { id: orderId, lines, reason: '菜叶发黄' }, who);
const decide = (w: TestWorld, id: string, input: Record<string, unknown>) => call(w, decideAfterSalesCommand, { id, ...input }, 'staff-1');

// Rice: 3 bags paid 1000 fen in all (discounts spread over lines), 8%; eggs: 2 boxes paid 6580, 10%.
const LINES = [
  { productId: 'p-rice', qty: 3, paidFen: 1000 },
  { productId: 'p-eggs', qty: 2, paidFen: 6580 },
];
const COMMISSION = lineCommissionFen(1000, 0.08) + lineCommissionFen(6580, 0.1);
const POINTS = Math.floor(7580 / 100);

/** A picked-up order (arrived 25th 16:00, verified 18:00), with gateway refunds recorded. */
async function pickedUp(options: { userId?: string } = {}) {
  const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
  const order = await givenOrder(w, { communityId: XJH, userId: options.userId ?? 'u-1', waveDate: WAVE, status: 'CONFIRMED', lines: LINES });
  w.clock.set('2026-11-25T16:00:00+08:00');
  await w.store.write({ type: 'put', item: { ...keys.communityWave(XJH, WAVE), status: 'CLOSED' } });
  await call(w, arrivalCommand, { communityId: XJH, waveDate: WAVE }, LEADER);
  w.clock.set('2026-11-25T18:00:00+08:00');
  await call(w, redeemCommand, { communityId: XJH, code: order.pickupCode }, LEADER);
  w.clock.set('2026-11-26T09:00:00+08:00');
  return { w, order, refunds: recordRefunds(w) };
}

const stored = async (w: TestWorld, o: Order) => (await w.store.get(orderKey(o)))!;
const entries = (w: TestWorld) => queryAll(w.store, { pk: 'L#l-xujiahui', prefix: 'E#', consistent: true });
const pending = async (w: TestWorld) => (await w.store.get(keys.leaderBalance('l-xujiahui')))!.pendingFen;
const points = async (w: TestWorld, userId = 'u-1') => (await w.store.get(keys.user(userId)))!.points;

describe('after-sales requests', () => {
  it('only the owner, only picked-up orders, only within 48 hours of pickup, only units not yet asked for', async () => {
    const { w, order } = await pickedUp();
    const arrived = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: WAVE, status: 'ARRIVED', lines: [{ productId: 'p-rice', qty: 1 }] });

    await expect(ask(w, order.id, [{ productId: 'p-rice', qty: 1 }], 'u-other').catch(codeOf)).resolves.toBe('NOT_FOUND');
    await expect(ask(w, arrived.id, [{ productId: 'p-rice', qty: 1 }]).catch(codeOf)).resolves.toBe('INVALID_STATE');
    await expect(ask(w, order.id, [{ productId: 'p-milk', qty: 1 }]).catch((e) => e)).resolves.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { issues: [{ path: 'lines.0.productId', message: 'not in this order' }] },
    });
    await expect(call(w, afterSalesCommand, { id: order.id, lines: [], reason: 'x' }, 'u-1').catch(codeOf)).resolves.toBe('VALIDATION_FAILED');
    await expect(call(w, afterSalesCommand, { id: order.id, lines: [{ productId: 'p-rice', qty: 1 }], reason: ' ' }, 'u-1').catch(codeOf)).resolves.toBe('VALIDATION_FAILED');

    const request = await ask(w, order.id, [{ productId: 'p-rice', qty: 1 }, { productId: 'p-rice', qty: 1 }]);
    expect(request).toMatchObject({ status: 'PENDING', orderId: order.id, leaderId: 'l-xujiahui', lines: [{ productId: 'p-rice', qty: 2, title: '五常大米 5kg' }] });
    await expect(ask(w, order.id, [{ productId: 'p-rice', qty: 2 }]).catch((e) => e)).resolves.toMatchObject({ code: 'INVALID_STATE', details: { productId: 'p-rice', remaining: 1 } });
    // issue 12: a request alone counts no complaint (only an approval does, once per order).
    expect(await w.store.get(complaintsKey('l-xujiahui', '2026-11'))).toBeUndefined();

    w.clock.set('2026-11-27T18:00:00+08:00'); // exactly 48 h after pickup: still open
    await ask(w, order.id, [{ productId: 'p-eggs', qty: 1 }]);
    w.clock.set('2026-11-27T18:00:01+08:00');
    await expect(ask(w, order.id, [{ productId: 'p-eggs', qty: 1 }]).catch(codeOf)).resolves.toBe('INVALID_STATE');
    expect(await w.store.get(complaintsKey('l-xujiahui', '2026-11'))).toBeUndefined();
    expect((await stored(w, order)).refunds).toEqual([]);
  });
});

describe('deciding after-sales', () => {
  it('a partial approval refunds exactly the approved units once, claws back their commission and takes back the points', async () => {
    const { w, order, refunds } = await pickedUp();
    expect(await pending(w)).toBe(COMMISSION);
    expect(await points(w)).toBe(POINTS);
    const request = await ask(w, order.id, [{ productId: 'p-rice', qty: 2 }, { productId: 'p-eggs', qty: 1 }]);

    w.clock.set('2026-11-26T10:00:00+08:00');
    await expect(decide(w, request.id, { decision: 'approve', lines: [{ productId: 'p-milk', qty: 1 }] }).catch(codeOf)).resolves.toBe('VALIDATION_FAILED');
    await expect(decide(w, request.id, { decision: 'approve', lines: [{ productId: 'p-rice', qty: 3 }] }).catch(codeOf)).resolves.toBe('VALIDATION_FAILED');
    // Approve one bag of rice of the two asked (1000 fen over 3 bags: 334 + 333 + 333).
    const decided = await decide(w, request.id, { decision: 'approve', lines: [{ productId: 'p-rice', qty: 1 }], reason: '一袋破损' });
    const clawback = lineCommissionFen(334, 0.08);
    expect(decided).toMatchObject({ status: 'APPROVED', decidedBy: 'staff-1', refundFen: 334, clawbackFen: clawback, approvedLines: [{ productId: 'p-rice', qty: 1, amountFen: 334, commissionFen: clawback }] });
    expect(refunds).toEqual([expect.objectContaining({ orderId: order.id, amountFen: 334, totalFen: 7580, refundId: decided.refundId })]);
    const after = await stored(w, order);
    expect(after.refunds).toEqual([expect.objectContaining({ id: decided.refundId, amountFen: 334, lines: [{ productId: 'p-rice', qty: 1, amountFen: 334 }] })]);
    expect(after).toMatchObject({ refundedQty: { 'p-rice': 1 }, claimedQty: { 'p-rice': 1, 'p-eggs': 0 } });
    expect(await w.store.get(outboxKey(`refund#${decided.refundId}`))).toMatchObject({ key: 'refundResult', payload: { amountFen: 334 } });

    const ledger = await entries(w);
    expect(ledger.map((e) => [e.kind, e.amountFen])).toEqual([
      ['commission', COMMISSION],
      ['clawback', -clawback],
    ]);
    expect(ledger[1]).toMatchObject({ at: '2026-11-26T10:00:00+08:00', orderId: order.id, lines: [expect.objectContaining({ productId: 'p-rice', paidFen: 334, commissionFen: -clawback })] });
    expect(await pending(w)).toBe(COMMISSION - clawback);
    expect(await points(w)).toBe(POINTS - Math.floor((POINTS * 334) / 7580));

    // Deciding again: ALREADY_DONE, nothing more refunded.
    await expect(decide(w, request.id, { decision: 'reject' }).catch((e) => e)).resolves.toMatchObject({ code: 'ALREADY_DONE', details: { status: 'APPROVED', decidedBy: 'staff-1' } });
    expect(refunds).toHaveLength(1);

    // The rest of the rice later: the remaining 666 fen, so the line never refunds more than it was paid.
    const rest = await ask(w, order.id, [{ productId: 'p-rice', qty: 2 }]);
    const restDecided = await decide(w, rest.id, { decision: 'approve' });
    expect(restDecided.refundFen).toBe(666);
    expect(restDecided.clawbackFen).toBe(lineCommissionFen(1000, 0.08) - clawback);
    await expect(ask(w, order.id, [{ productId: 'p-rice', qty: 1 }]).catch(codeOf)).resolves.toBe('INVALID_STATE');
  });

  it('approved twice concurrently: one refund, one clawback, the other ALREADY_DONE', async () => {
    const { w, order, refunds } = await pickedUp();
    const request = await ask(w, order.id, [{ productId: 'p-eggs', qty: 2 }]);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => decide(w, request.id, { decision: 'approve' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => codeOf((r as PromiseRejectedResult).reason))).toEqual(Array(7).fill('ALREADY_DONE'));

    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amountFen: 6580 });
    expect((await stored(w, order)).refunds).toHaveLength(1);
    const claw = (await entries(w)).filter((e) => e.kind === 'clawback');
    expect(claw.map((e) => e.amountFen)).toEqual([-lineCommissionFen(6580, 0.1)]);
    expect(await pending(w)).toBe(lineCommissionFen(1000, 0.08));
    expect(await points(w)).toBe(POINTS - Math.floor((POINTS * 6580) / 7580));
  });

  it('a rejection refunds nothing and frees the units; staff list requests by status', async () => {
    const { w, order, refunds } = await pickedUp();
    const request = await ask(w, order.id, [{ productId: 'p-eggs', qty: 2 }]);
    await expect(call(w, listAfterSalesCommand, { status: 'PENDING' }, 'staff-1')).resolves.toMatchObject({ items: [{ id: request.id, status: 'PENDING' }] });
    await expect(call(w, listAfterSalesCommand, {}, 'u-1').catch(codeOf)).resolves.toBe('FORBIDDEN');
    await expect(decide(w, 'NOPE', { decision: 'reject' }).catch(codeOf)).resolves.toBe('NOT_FOUND');

    const rejected = await decide(w, request.id, { decision: 'reject', reason: '无质量问题' });
    expect(rejected).toMatchObject({ status: 'REJECTED', decisionReason: '无质量问题' });
    expect(rejected.refundFen).toBeUndefined();
    expect(refunds).toEqual([]);
    expect((await stored(w, order)).refunds).toEqual([]);
    expect(await pending(w)).toBe(COMMISSION);
    expect(await points(w)).toBe(POINTS);
    expect((await call(w, listAfterSalesCommand, { status: 'PENDING' }, 'staff-1')).items).toEqual([]);
    expect((await call(w, listAfterSalesCommand, { status: 'REJECTED' }, 'staff-1')).items.map((a: any) => a.id)).toEqual([request.id]);

    // The units are free again: the customer may ask once more.
    const again = await ask(w, order.id, [{ productId: 'p-eggs', qty: 2 }]);
    expect((await call(w, listAfterSalesCommand, {}, 'staff-1')).items.map((a: any) => a.id)).toEqual([again.id, request.id]);
  });
});
