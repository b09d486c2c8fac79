import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { queryAll } from '#ports/item-store';
import { runSettlement } from '#app/settle/run';
import { adjustCommand, balanceCommand, pendingCommand, statementsCommand } from '#app/settle/commands';
import { arrivalCommand, redeemCommand } from '#app/verify/commands';
import { createStaffCommand } from '#app/staff/commands';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';
import { call } from '#test/calls';

/**
 * Issue 17 item 3: the leader's commission not yet settled (`settle.pending`) and finance's
 * manual adjustment (`settle.adjust`), through dispatch on DynamoDB Local: a real pickup
 * (cutoff → arrival → redeem) is listed until its week is settled; an adjustment lands on the
 * next statement and in the balance, once per requestId; a negative one follows the debt rule.
 */
const WAVE = '2026-11-24';
const XJH = 'c-xujiahui';
const LEADER_ID = 'l-xujiahui';
const LEADER = 'demo-leader-xujiahui';

async function pickedUp(w: TestWorld, userId: string, lines: { productId: string; qty: number; paidFen: number }[], redeemAt: string) {
  const order = await givenOrder(w, { communityId: XJH, userId, waveDate: WAVE, status: 'CONFIRMED', lines });
  await w.store.write({ type: 'put', item: { ...keys.communityWave(XJH, WAVE), status: 'CLOSED' } });
  await call(w, arrivalCommand, { communityId: XJH, waveDate: WAVE }, LEADER);
  w.clock.set(redeemAt);
  await call(w, redeemCommand, { communityId: XJH, code: order.pickupCode }, LEADER);
  return order;
}

async function team(w: TestWorld) {
  for (const role of ['finance', 'operations']) await call(w, createStaffCommand, { login: `m-${role}`, name: role, roles: [role], openid: `o-${role}` }, 'staff-1');
}

describe('settle.pending: commission not yet settled', () => {
  it('lists a pickup with its commission until its week is settled, then no longer; only the caller leader\'s own', async () => {
    const w = await makeWorld({ now: '2026-11-25T16:00:00+08:00' });
    // p-rice at 8%: 1,006 fen paid → 80.48 → 80; p-pork at 10%: 145 → 14.5 → 15
    const a = await pickedUp(w, 'u-1', [{ productId: 'p-rice', qty: 2, paidFen: 1_006 }, { productId: 'p-pork', qty: 1, paidFen: 145 }], '2026-11-25T18:30:00+08:00');
    expect(await call(w, pendingCommand, {}, LEADER)).toEqual([{ orderId: a.id, shortNo: a.shortNo, pickedUpAt: '2026-11-25T18:30:00+08:00', commissionFen: 95 }]);
    // another leader sees none of it; a customer is refused
    expect(await call(w, pendingCommand, {}, 'demo-leader-jingan')).toEqual([]);
    await expect(call(w, pendingCommand, {}, 'u-1').catch(codeOf)).resolves.toBe('FORBIDDEN');

    // act: the week W48 is settled on Monday 02:00; a pickup of W49 stays pending
    w.clock.set('2026-11-30T02:00:00+08:00');
    expect((await runSettlement(w.deps)).statements).toBeGreaterThan(0);
    expect(await call(w, pendingCommand, {}, LEADER)).toEqual([]);
    const b = await pickedUp(w, 'u-2', [{ productId: 'p-pork', qty: 1, paidFen: 145 }], '2026-11-30T09:00:00+08:00');
    expect(await call(w, pendingCommand, {}, LEADER)).toEqual([{ orderId: b.id, shortNo: b.shortNo, pickedUpAt: '2026-11-30T09:00:00+08:00', commissionFen: 15 }]);
    expect(await call(w, balanceCommand, {}, LEADER)).toMatchObject({ pendingFen: 15, availableFen: 95 });
  });
});

describe('settle.adjust: a manual adjustment by finance', () => {
  it('+500 appears on the next statement as a manual adjustment with its reason and in the balance after settlement; the same requestId twice changes nothing', async () => {
    const w = await makeWorld({ now: '2026-11-25T16:00:00+08:00' });
    await team(w);
    await pickedUp(w, 'u-1', [{ productId: 'p-rice', qty: 2, paidFen: 1_006 }], '2026-11-25T18:30:00+08:00'); // 80

    const input = { id: LEADER_ID, requestId: 'adj-1', amountFen: 500, reason: '11月活动补贴' };
    const first = await call(w, adjustCommand, input, 'o-finance');
    expect(first).toMatchObject({ leaderId: LEADER_ID, amountFen: 500, reason: '11月活动补贴', requestId: 'adj-1', at: '2026-11-25T18:30:00+08:00' });
    const ledger = await queryAll(w.store, { pk: `L#${LEADER_ID}`, consistent: true });
    w.clock.set('2026-11-26T10:00:00+08:00');
    expect(await call(w, adjustCommand, input, 'o-finance')).toEqual(first);
    expect(await queryAll(w.store, { pk: `L#${LEADER_ID}`, consistent: true })).toEqual(ledger);
    // the same requestId for another amount is refused, nothing written
    await expect(call(w, adjustCommand, { ...input, amountFen: 501 }, 'o-finance').catch(codeOf)).resolves.toBe('INVALID_STATE');
    expect(await call(w, balanceCommand, {}, LEADER)).toMatchObject({ pendingFen: 80 + 500, availableFen: 0 });
    // not a per-order commission: the pending list shows the pickup only
    expect((await call(w, pendingCommand, {}, LEADER)).map((r: { commissionFen: number }) => r.commissionFen)).toEqual([80]);

    // roles, bounds and the leader's existence
    for (const who of ['o-operations', LEADER, 'u-1']) await expect(call(w, adjustCommand, { ...input, requestId: 'adj-x' }, who).catch(codeOf)).resolves.toBe('FORBIDDEN');
    for (const amountFen of [0, 10_000_001, -10_000_001, 1.5])
      await expect(call(w, adjustCommand, { ...input, requestId: 'adj-x', amountFen }, 'o-finance').catch(codeOf)).resolves.toBe('VALIDATION_FAILED');
    await expect(call(w, adjustCommand, { ...input, requestId: 'adj-x', reason: '  ' }, 'o-finance').catch(codeOf)).resolves.toBe('VALIDATION_FAILED');
    await expect(call(w, adjustCommand, { ...input, id: 'l-nobody', requestId: 'adj-x' }, 'o-finance').catch(codeOf)).resolves.toBe('NOT_FOUND');
    expect(await call(w, balanceCommand, {}, LEADER)).toMatchObject({ pendingFen: 580 });
    // the owner may post too
    await call(w, adjustCommand, { ...input, requestId: 'adj-owner', amountFen: -30 }, 'staff-1');

    // act: the week is settled
    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);

    // assert
    const [statement] = await call(w, statementsCommand, { period: '2026-W48' }, LEADER);
    expect(statement).toMatchObject({ commissionFen: 80, adjustmentFen: 470, totalFen: 550 });
    expect(statement.adjustments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'manual', amountFen: 500, note: '11月活动补贴' }),
        expect.objectContaining({ kind: 'manual', amountFen: -30, note: '11月活动补贴' }),
      ]),
    );
    expect(await call(w, balanceCommand, {}, LEADER)).toMatchObject({ pendingFen: 0, availableFen: 550, debtFen: 0 });
    // a repeat after settlement still changes nothing
    expect(await call(w, adjustCommand, input, 'o-finance')).toEqual(first);
    expect(await call(w, balanceCommand, {}, LEADER)).toMatchObject({ pendingFen: 0, availableFen: 550 });
  });

  it('a negative adjustment larger than the available balance leaves it at zero and carries the rest as debt', async () => {
    const w = await makeWorld({ now: '2026-11-25T16:00:00+08:00' });
    await team(w);
    await pickedUp(w, 'u-1', [{ productId: 'p-rice', qty: 2, paidFen: 1_006 }], '2026-11-25T18:30:00+08:00'); // 80
    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);
    expect(await call(w, balanceCommand, {}, LEADER)).toMatchObject({ availableFen: 80 });

    w.clock.set('2026-12-01T10:00:00+08:00');
    await call(w, adjustCommand, { id: LEADER_ID, requestId: 'adj-neg', amountFen: -1_000_000, reason: '重复发放冲正' }, 'o-finance');
    expect(await call(w, balanceCommand, {}, LEADER)).toMatchObject({ pendingFen: -1_000_000, availableFen: 80 });
    w.clock.set('2026-12-07T02:00:00+08:00');
    await runSettlement(w.deps);

    const [statement] = await call(w, statementsCommand, { period: '2026-W49' }, LEADER);
    // (the week may also carry an award: the total is the award less the adjustment)
    expect(statement).toMatchObject({ commissionFen: 0, adjustmentFen: -1_000_000, adjustments: [expect.objectContaining({ kind: 'manual', amountFen: -1_000_000, note: '重复发放冲正' })] });
    expect(statement.totalFen).toBe(statement.bonusFen - 1_000_000);
    expect(statement.totalFen).toBeLessThan(-80);
    expect(await call(w, balanceCommand, {}, LEADER)).toMatchObject({ pendingFen: 0, availableFen: 0, debtFen: -(80 + statement.totalFen) });
  });
});
