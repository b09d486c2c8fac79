import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { keys } from '#app/keys';
import { rolesOf } from '#app/users';
import { listLeadersCommand, setLeaderStatusCommand } from '#app/admin/commands';
import { allStatementsCommand, decideWithdrawalCommand, financeCommand, withdrawCommand } from '#app/settle/commands';
import { devPayoutCommand } from '#app/settle/dev';
import { leaderItems, pickups as pickupsOf } from '#test/settle-fixtures';
import { financeDayOp } from '#app/settle/finance';
import { settleKeys } from '#app/settle/keys';
import { runSettlement } from '#app/settle/run';
import { makeWorld, staffCtx, type TestWorld } from '../support/harness.ts';

const STAFF = { kind: 'openid' as const, openid: 'staff-1' };

/** Pickups whose product title starts like a spreadsheet formula (the CSV exports must neutralise it). */
const pickups = (w: TestWorld, leaderId: string, day: string, orders: number, paidFen = 1_000) => pickupsOf(w, leaderId, day, orders, paidFen, '=cmd');

describe('finance per day', () => {
  it('adds the order code’s counters, settlement and withdrawals, and carries pending payouts over days', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00', settings: { settlement: { rankingAwards: [] } } });
    // prepare: what the order / verify / after-sales code adds to their own transactions
    await w.store.transact([financeDayOp(w.deps, '2026-11-24', { paidFen: 10_000 }, 'o-1')]);
    await w.store.transact([financeDayOp(w.deps, '2026-11-24', { paidFen: 5_000, accruedFen: 500 }, 'o-2')]);
    await w.store.transact([financeDayOp(w.deps, '2026-11-25', { refundFen: 2_000, accruedFen: -200 })]);
    await pickups(w, 'l-xujiahui', '2026-11-25', 3);

    // act: settle (Mon 30th), withdraw the same day, paid the next day
    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);
    const leader = { kind: 'openid' as const, openid: 'demo-leader-xujiahui' };
    const asked = (await dispatch(withdrawCommand, { requestId: 'f-1', amountFen: 250 }, leader, w.deps)) as { id: string };
    w.clock.set('2026-12-01T09:00:00+08:00');
    await dispatch(decideWithdrawalCommand, { id: asked.id, decision: 'approve' }, STAFF, w.deps);
    await dispatch(devPayoutCommand, { withdrawalId: asked.id }, leader, { ...w.deps, devMode: true });

    // assert
    const report = (await dispatch(financeCommand, { from: '2026-11-24', to: '2026-12-02' }, STAFF, w.deps)) as {
      days: Record<string, number | string>[];
      totals: Record<string, number>;
    };
    const day = (d: string) => report.days.find((x) => x.date === d)!;
    expect(report.days).toHaveLength(9);
    expect(day('2026-11-24')).toMatchObject({ paidFen: 15_000, accruedFen: 500, refundFen: 0, pendingPayoutFen: 0 });
    expect(day('2026-11-25')).toMatchObject({ refundFen: 2_000, accruedFen: -200 });
    expect(day('2026-11-30')).toMatchObject({ settledFen: 300, requestedFen: 250, withdrawnFen: 0, pendingPayoutFen: 250 });
    expect(day('2026-12-01')).toMatchObject({ withdrawnFen: 250, pendingPayoutFen: 0 });
    expect(day('2026-12-02')).toMatchObject({ pendingPayoutFen: 0 });
    expect(report.totals).toMatchObject({ paidFen: 15_000, refundFen: 2_000, settledFen: 300, withdrawnFen: 250, pendingPayoutFen: 0 });
    // a window after the request sees the pending amount carried in
    const later = (await dispatch(financeCommand, { from: '2026-11-30', to: '2026-11-30' }, STAFF, w.deps)) as { days: { pendingPayoutFen: number }[] };
    expect(later.days[0]!.pendingPayoutFen).toBe(250);
    await expect(dispatch(financeCommand, { from: '2026-12-02', to: '2026-11-24' }, STAFF, w.deps)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('every leader’s statements for staff', () => {
  it('lists a period as JSON pages and as CSV with a BOM', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    await pickups(w, 'l-xujiahui', '2026-11-25', 2, 1_005);
    await pickups(w, 'l-jingan', '2026-11-26', 1, 2_000);
    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);

    const page = (await dispatch(allStatementsCommand, { period: '2026-W48', limit: '1' }, STAFF, w.deps)) as { items: { leaderId: string; totalFen: number }[]; nextCursor?: string };
    expect(page.items).toHaveLength(1);
    const rest = (await dispatch(allStatementsCommand, { period: '2026-W48', cursor: page.nextCursor }, STAFF, w.deps)) as { items: { leaderId: string; totalFen: number }[] };
    expect([...page.items, ...rest.items].map((s) => [s.leaderId, s.totalFen])).toEqual([
      ['l-jingan', 200],
      ['l-xujiahui', 202],
    ]);
    const csv = (await dispatch(allStatementsCommand, { period: '2026-W48', format: 'csv' }, STAFF, w.deps)) as { __csv: string; filename: string };
    expect(csv.filename).toBe('statements-2026-W48.csv');
    expect(csv.__csv.startsWith('\uFEFF结算周期,')).toBe(true);
    expect(csv.__csv).toContain('2026-W48,l-xujiahui,王芳,c-xujiahui,2,20.1,2.02,0,0,2.02,');
    await expect(dispatch(allStatementsCommand, { period: '2026-W99' }, STAFF, w.deps)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('elimination review on the 1st', () => {
  const OLD = '2026-09-01T09:00:00+08:00';
  const settlement = { review: { minWeeklyOrders: 3, weeks: 2, maxMonthlyComplaints: 2 }, rankingAwards: [] };

  it('warns at, not above, the thresholds; suspends a warned leader who still fails; applies each decision once', async () => {
    const w = await makeWorld({ now: '2026-11-10T10:00:00+08:00', seed: false, settings: { settlement } });
    const leaders = ['low', 'enough', 'complaints', 'few-complaints', 'warned-low', 'new'];
    await w.store.putMany([
      ...leaders.filter((id) => id !== 'warned-low' && id !== 'new').flatMap((id) => leaderItems({ id, createdAt: OLD })),
      ...leaderItems({ id: 'warned-low', createdAt: OLD, status: 'warned' }),
      // created within the window: fewer than `weeks` weeks of history
      ...leaderItems({ id: 'new', createdAt: '2026-11-20T09:00:00+08:00' }),
    ]);
    // the window on 1 December is W47 (16–22 Nov) and W48 (23–29 Nov)
    await pickups(w, 'low', '2026-11-17', 2);
    await pickups(w, 'low', '2026-11-24', 2);
    await pickups(w, 'enough', '2026-11-17', 3); // at the minimum: a good week
    await pickups(w, 'enough', '2026-11-24', 2);
    for (const id of ['complaints', 'few-complaints']) {
      await pickups(w, id, '2026-11-17', 5);
      await pickups(w, id, '2026-11-24', 5);
    }
    await w.store.write({ type: 'put', item: { ...settleKeys.complaints('complaints', '2026-11'), count: 3 } });
    await w.store.write({ type: 'put', item: { ...settleKeys.complaints('few-complaints', '2026-11'), count: 2 } });
    await pickups(w, 'warned-low', '2026-11-24', 1);
    await pickups(w, 'new', '2026-11-24', 1);

    // act
    w.clock.set('2026-12-01T02:00:00+08:00');
    const result = await runSettlement(w.deps);

    // assert
    expect(result.monthly).toMatchObject({ month: '2026-11', changes: 3 });
    const status = async (id: string) => (await w.store.get(keys.leader(id)))!;
    expect(await status('low')).toMatchObject({ status: 'warned', statusBy: 'review', statusReason: expect.stringMatching(/fewer than 3 picked-up orders a week for 2 weeks/) });
    expect((await status('enough')).status).toBe('active');
    expect(await status('complaints')).toMatchObject({ status: 'warned', statusReason: expect.stringMatching(/3 after-sales complaints/) });
    expect((await status('few-complaints')).status).toBe('active');
    expect(await status('warned-low')).toMatchObject({ status: 'suspended', statusReason: expect.stringMatching(/still failing/) });
    expect((await status('new')).status).toBe('active');
    // the role binding changed too: a suspended leader is no leader any more
    expect((await rolesOf(w.deps, 'openid-warned-low')).roles).not.toContain('leader');
    expect((await rolesOf(w.deps, 'openid-low')).roles).toContain('leader');
    // staff see them with the reason
    const warned = (await listLeadersCommand.run(staffCtx(w.deps), { status: 'warned' })) as { id: string; statusReason: string }[];
    expect(warned.map((l) => l.id).sort()).toEqual(['complaints', 'low']);

    // staff restore one; a repeated run (even after the month's record is lost) changes nothing
    await setLeaderStatusCommand.run(staffCtx(w.deps), { id: 'low', status: 'active', reason: 'talked to them' });
    await w.store.write({ type: 'delete', key: settleKeys.month('2026-11') });
    w.clock.set('2026-12-02T02:00:00+08:00');
    await runSettlement(w.deps);
    expect((await status('low')).status).toBe('active');
    expect((await status('complaints')).status).toBe('warned');
    expect((await status('warned-low')).status).toBe('suspended');
  });
});
