import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { lineCommissionFen } from '#domain/commission';
import { keys } from '#app/keys';
import { ledgerEntryOps, type LedgerEntry } from '#app/ledger';
import { runSettlement } from '#app/settle/run';
import { balanceCommand, decideWithdrawalCommand, withdrawCommand } from '#app/settle/commands';
import { devPayoutCommand } from '#app/settle/dev';
import { makeWorld, type TestWorld } from '../support/harness.ts';

/** Issue 12 item 6: clawbacks carry a debt rather than a negative available balance (the rule: shared/domain/leader-debt.ts). */

const LEADER = 'l-xujiahui';
const OPENID = 'demo-leader-xujiahui';
const asLeader = { kind: 'openid' as const, openid: OPENID };
let seq = 0;

function entry(kind: LedgerEntry['kind'], at: string, paidFen: number, orderId = `o-${seq}`): LedgerEntry {
  const commissionFen = lineCommissionFen(paidFen, 0.1) * (kind === 'clawback' ? -1 : 1);
  return {
    id: `e-${seq++}`,
    leaderId: LEADER,
    kind,
    orderId,
    shortNo: orderId.slice(-6),
    communityId: 'c-xujiahui',
    at,
    lines: [{ productId: 'p-pork', title: '猪肉', qty: 1, paidFen: kind === 'clawback' ? -paidFen : paidFen, rate: 0.1, commissionFen }],
    amountFen: commissionFen,
  };
}
const write = (w: TestWorld, e: LedgerEntry) => w.store.transact(ledgerEntryOps(w.deps, e));
const balance = async (w: TestWorld) => (await w.store.get(keys.leaderBalance(LEADER)))!;
const view = (w: TestWorld) => dispatch(balanceCommand, {}, asLeader, w.deps) as Promise<Record<string, number>>;

async function settledWeek(availableFen: number) {
  const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00', settings: { settlement: { rankingAwards: [] } } });
  await write(w, entry('commission', '2026-11-25T18:00:00+08:00', availableFen * 10, 'o-first'));
  w.clock.set('2026-11-30T02:00:00+08:00');
  await runSettlement(w.deps);
  expect(await balance(w)).toMatchObject({ availableFen });
  return w;
}

describe('settlement with refunds after settlement', () => {
  it('a negative statement never takes available below zero: the rest is debt, shown by GET /leader/balance, repaid from the next statement', async () => {
    const w = await settledWeek(100);
    // W49: a refund of an order whose commission (300) was settled in W48, with only 100 available.
    await write(w, entry('clawback', '2026-12-02T11:00:00+08:00', 3000));
    w.clock.set('2026-12-07T02:00:00+08:00');
    await runSettlement(w.deps);
    expect(await balance(w)).toMatchObject({ availableFen: 0, debtFen: 200, pendingFen: 0 });
    await expect(view(w)).resolves.toMatchObject({ availableFen: 0, debtFen: 200 });
    await expect(dispatch(withdrawCommand, { requestId: 'r-1', amountFen: 100 }, asLeader, w.deps)).rejects.toMatchObject({ code: 'INSUFFICIENT_BALANCE' });

    // W50: 150 of commission repays 150 of the debt; nothing becomes available yet.
    await write(w, entry('commission', '2026-12-09T18:00:00+08:00', 1500));
    w.clock.set('2026-12-14T02:00:00+08:00');
    await runSettlement(w.deps);
    expect(await balance(w)).toMatchObject({ availableFen: 0, debtFen: 50 });

    // W51: 400 more: the last 50 of the debt first, 350 available.
    await write(w, entry('commission', '2026-12-16T18:00:00+08:00', 4000));
    w.clock.set('2026-12-21T02:00:00+08:00');
    await runSettlement(w.deps);
    expect(await balance(w)).toMatchObject({ availableFen: 350, debtFen: 0 });
    await expect(view(w)).resolves.toMatchObject({ availableFen: 350, debtFen: 0 });
  });

  it('a balance left negative by older data becomes debt at the next settlement', async () => {
    const w = await settledWeek(100);
    await w.store.write({ type: 'update', key: keys.leaderBalance(LEADER), update: { set: { availableFen: -300 } } });
    await write(w, entry('commission', '2026-12-02T18:00:00+08:00', 1000));
    w.clock.set('2026-12-07T02:00:00+08:00');
    await runSettlement(w.deps);
    expect(await balance(w)).toMatchObject({ availableFen: 0, debtFen: 200 });
  });

  it('a withdrawal racing the settlement: available never below zero, and nothing is lost', async () => {
    const w = await settledWeek(1000);
    await write(w, entry('clawback', '2026-12-02T11:00:00+08:00', 3000));
    w.clock.set('2026-12-07T02:00:00+08:00');
    const [, withdrawal] = await Promise.allSettled([runSettlement(w.deps), dispatch(withdrawCommand, { requestId: 'r-race', amountFen: 1000 }, asLeader, w.deps)]);
    const b = await balance(w);
    expect(b.settledUntil).toBe('2026-12-07T00:00:00+08:00');
    expect(b.availableFen).toBeGreaterThanOrEqual(0);
    expect(b.debtFen).toBeGreaterThanOrEqual(0);
    // 1000 settled, 300 clawed back: what is available or reserved, less the debt, is 700 either way.
    expect(Number(b.availableFen) + Number(b.reservedFen) - Number(b.debtFen)).toBe(700);
    if (withdrawal.status === 'fulfilled') expect(b).toMatchObject({ availableFen: 0, reservedFen: 1000, debtFen: 300 });
    else expect(b).toMatchObject({ availableFen: 700, reservedFen: 0, debtFen: 0 });
  });

  describe('a withdrawal given back while the leader has debt (reject, failed or cancelled transfer)', () => {
    const STAFF = { kind: 'openid' as const, openid: 'staff-1' };
    const decide = (w: TestWorld, id: string, decision: 'approve' | 'reject') => dispatch(decideWithdrawalCommand, { id, decision }, STAFF, w.deps);
    const payout = (w: TestWorld, withdrawalId: string, state: 'FAIL' | 'CANCELLED') =>
      dispatch(devPayoutCommand, { withdrawalId, state }, asLeader, { ...w.deps, devMode: true }) as Promise<{ withdrawal: { status: string } }>;

    /** `availableFen` settled and all of it asked for; then a clawback settled after that leaves `debtFen`. */
    async function reservedWithDebt(availableFen: number, clawbackPaidFen: number, debtFen: number) {
      const w = await settledWeek(availableFen);
      const asked = (await dispatch(withdrawCommand, { requestId: 'r-all', amountFen: availableFen }, asLeader, w.deps)) as { id: string };
      await write(w, entry('clawback', '2026-12-02T11:00:00+08:00', clawbackPaidFen));
      w.clock.set('2026-12-07T02:00:00+08:00');
      await runSettlement(w.deps);
      expect(await balance(w)).toMatchObject({ availableFen: 0, reservedFen: availableFen, debtFen });
      return { w, id: asked.id };
    }

    it('reject: the amount repays the debt first, the rest becomes available', async () => {
      const { w, id } = await reservedWithDebt(1000, 3000, 300);
      await decide(w, id, 'reject');
      expect(await balance(w)).toMatchObject({ availableFen: 700, reservedFen: 0, debtFen: 0 });
      await expect(view(w)).resolves.toMatchObject({ availableFen: 700, debtFen: 0 });
    });

    it('a failed transfer smaller than the debt: all of it repays debt, nothing becomes available', async () => {
      const { w, id } = await reservedWithDebt(200, 5000, 500);
      await decide(w, id, 'approve');
      await expect(payout(w, id, 'FAIL')).resolves.toMatchObject({ withdrawal: { status: 'FAILED' } });
      expect(await balance(w)).toMatchObject({ availableFen: 0, reservedFen: 0, debtFen: 300 });
    });

    it('a cancelled transfer: debt first, the rest available; a repeated outcome changes nothing', async () => {
      const { w, id } = await reservedWithDebt(1000, 4000, 400);
      await decide(w, id, 'approve');
      await payout(w, id, 'CANCELLED');
      await payout(w, id, 'CANCELLED');
      expect(await balance(w)).toMatchObject({ availableFen: 600, reservedFen: 0, debtFen: 0 });
    });
  });
});
