import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { orderKey, type Order } from '#app/orders/model';
import { afterSalesKey } from '#app/after-sales/model';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';

/**
 * Issue 14: `finance` handles refunds above a threshold. The merchant's `staffRefundLimitFen`
 * (default 10,000 fen) bounds what an `operations` member refunds in one staff refund or one
 * after-sales approval; `finance` and the `owner` refund any amount. Through dispatch on
 * DynamoDB Local, with a staff record of each role (bound openids).
 */
const D = '2026-11-24';
const XJH = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps) as Promise<any>;
const error = (p: Promise<unknown>) => p.then(() => undefined, (e) => e as { code: string; message: string; details?: any });
const stored = async (w: TestWorld, o: Order) => (await w.store.get(orderKey(o), { consistent: true }))!;

/** One staff record per role, each bound to the openid `o-<role>`; `staff-1` (STAFF_OPENIDS) is the seed owner. */
async function team(w: TestWorld) {
  for (const role of ['owner', 'operations', 'finance', 'warehouse'])
    await as(w, 'staff-1', 'admin.createStaff', { login: `m-${role}`, name: role, roles: [role], openid: `o-${role}` });
}

// Rice: 3 bags paid 30,003 fen (10,001 a bag); eggs: 2 boxes paid 20,000 (10,000 a box).
const LINES = [
  { productId: 'p-rice', qty: 3, paidFen: 30_003 },
  { productId: 'p-eggs', qty: 2, paidFen: 20_000 },
];

describe('refunds above the staff refund limit need finance', () => {
  it('admin.refundOrder: operations up to the limit (inclusive), 403 naming finance above it with nothing changed; finance and the owner any amount; the limit is a setting', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    await team(w);
    expect(w.deps.settings.staffRefundLimitFen).toBe(10_000);
    const order = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: D, status: 'PAID', lines: LINES });
    const gateway = recordRefunds(w);
    const refund = (who: string, requestId: string, productId: string) => as(w, who, 'admin.refundOrder', { id: order.id, requestId, lines: [{ productId, qty: 1 }], reason: '破损' });

    // Exactly the limit: operations may.
    await refund('o-operations', 'r1', 'p-eggs');
    expect(gateway.map((r) => r.amountFen)).toEqual([10_000]);

    // One fen above: FORBIDDEN, the message names the finance role, nothing written, no gateway call.
    const before = await stored(w, order);
    const refused = await error(refund('o-operations', 'r2', 'p-rice'));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', details: { refundFen: 10_001, limitFen: 10_000, role: 'finance' } });
    expect(refused!.message).toContain('finance');
    expect(await stored(w, order)).toEqual(before);
    expect(gateway).toHaveLength(1);
    // The warehouse does not refund at all (role check of the command).
    expect(codeOf(await error(refund('o-warehouse', 'r3', 'p-eggs')))).toBe('FORBIDDEN');

    // Finance and the owner (a record, and the STAFF_OPENIDS seed) refund above the limit.
    await refund('o-finance', 'r4', 'p-rice');
    await refund('o-owner', 'r5', 'p-rice');
    expect(gateway.map((r) => r.amountFen)).toEqual([10_000, 10_001, 10_001]);
    // A replay of a refused request stays refused; a replay of a done one answers the same order.
    expect(codeOf(await error(refund('o-operations', 'r2', 'p-rice')))).toBe('FORBIDDEN');
    expect((await refund('o-finance', 'r4', 'p-rice')).refunds).toHaveLength(3);

    // The owner raises the limit: the same operations refund now goes through.
    const current = await as(w, 'o-owner', 'admin.settings', {});
    expect(current.staffRefundLimitFen).toBe(10_000);
    const { version, ...settings } = current;
    expect(codeOf(await error(as(w, 'o-owner', 'admin.updateSettings', { ...settings, version, staffRefundLimitFen: -1 })))).toBe('VALIDATION_FAILED');
    expect(codeOf(await error(as(w, 'o-owner', 'admin.updateSettings', { ...settings, version, staffRefundLimitFen: 100_000_001 })))).toBe('VALIDATION_FAILED');
    // Finance does not change settings.
    expect(codeOf(await error(as(w, 'o-finance', 'admin.updateSettings', { ...settings, version, staffRefundLimitFen: 20_000 })))).toBe('FORBIDDEN');
    await as(w, 'o-owner', 'admin.updateSettings', { ...settings, version, staffRefundLimitFen: 20_000 });
    await refund('o-operations', 'r2', 'p-rice');
    expect(gateway.map((r) => r.amountFen)).toEqual([10_000, 10_001, 10_001, 10_001]);
    // Finance finds the orders it refunds.
    expect((await as(w, 'o-finance', 'admin.order', { id: order.id })).refunds).toHaveLength(4);
  });

  it('after-sales approvals: operations approve up to the limit and reject anything; above it 403 and the request stays pending until finance approves', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    await team(w);
    const order = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: D, status: 'CONFIRMED', lines: LINES });
    w.clock.set('2026-11-25T16:00:00+08:00');
    await w.store.write({ type: 'put', item: { ...keys.communityWave(XJH, D), status: 'CLOSED' } });
    await as(w, LEADER, 'verify.arrival', { communityId: XJH, waveDate: D });
    w.clock.set('2026-11-25T18:00:00+08:00');
    await as(w, LEADER, 'verify.redeem', { communityId: XJH, code: order.pickupCode });
    w.clock.set('2026-11-26T09:00:00+08:00');
    const gateway = recordRefunds(w);
    const ask = (productId: string, qty: number) => as(w, 'u-1', 'order.afterSales', { id: order.id, lines: [{ productId, qty }], reason: '坏了' });
    const decide = (who: string, id: string, decision: 'approve' | 'reject') => as(w, who, 'admin.decideAfterSales', { id, decision });

    const eggs = await ask('p-eggs', 1); // 10,000 fen: at the limit
    const rice = await ask('p-rice', 2); // 20,002 fen: above
    const more = await ask('p-rice', 1); // 10,001 fen: above, rejected by operations

    expect((await decide('o-operations', eggs.id, 'approve')).refundFen).toBe(10_000);
    const refused = await error(decide('o-operations', rice.id, 'approve'));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', details: { refundFen: 20_002, limitFen: 10_000 } });
    expect(refused!.message).toContain('finance');
    expect((await w.store.get(afterSalesKey(rice.id), { consistent: true }))!.status).toBe('PENDING');
    expect(gateway.map((r) => r.amountFen)).toEqual([10_000]);
    expect(codeOf(await error(decide('o-warehouse', rice.id, 'approve')))).toBe('FORBIDDEN');

    // Finance sees the queue and approves; a rejection refunds nothing and needs no finance.
    expect((await as(w, 'o-finance', 'admin.afterSales', { status: 'PENDING' })).items.map((r: any) => r.id).sort()).toEqual([rice.id, more.id].sort());
    expect((await decide('o-finance', rice.id, 'approve')).refundFen).toBe(20_002);
    expect((await decide('o-operations', more.id, 'reject')).status).toBe('REJECTED');
    expect(gateway.map((r) => r.amountFen)).toEqual([10_000, 20_002]);
  });
});
