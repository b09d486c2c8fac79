import { describe, expect, it } from 'vitest';
import { keys } from '#app/keys';
import { runSettlement } from '#app/settle/run';
import { rankingCommand } from '#app/settle/commands';
import { leaderItems, pickups, type LeaderFixture } from '#test/settle-fixtures';
import { makeWorld, staffCtx, type TestWorld } from '../support/harness.ts';

/** A world of our own leaders only (no demo data), with the given settlement settings. */
async function worldWith(settlement: Record<string, unknown>, leaders: LeaderFixture[], now = '2026-11-20T10:00:00+08:00') {
  const w = await makeWorld({ now, seed: false, settings: { settlement } });
  await w.store.putMany(leaders.flatMap(leaderItems));
  return w;
}

const statement = (w: TestWorld, leaderId: string, period: string) => w.store.get(keys.leaderStatement(leaderId, period));
const bonusesOf = async (w: TestWorld, leaderId: string, period: string) => ((await statement(w, leaderId, period))?.bonuses ?? []) as { kind: string; amountFen: number }[];

const OLD = '2026-10-01T09:00:00+08:00';
const MONDAY = '2026-11-23T00:00:00+08:00';

describe('tier bonus (setting tiers)', () => {
  it('pays from the threshold on, not a fen below, on the period’s picked-up sales', async () => {
    const cases = { 't1-below': 9_999, 't1-at': 10_000, 't1-above': 10_001, 't2-below': 29_999, 't2-at': 30_000, 't2-above': 30_001 };
    const w = await worldWith(
      { tiers: [{ minSalesFen: 10_000, extraRatePoints: 1 }, { minSalesFen: 30_000, extraRatePoints: 2 }] },
      Object.keys(cases).map((id) => ({ id, createdAt: OLD })),
    );
    for (const [id, paidFen] of Object.entries(cases)) await pickups(w, id, '2026-11-25', 1, paidFen);

    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);

    const tier = async (id: string) => (await bonusesOf(w, id, '2026-W48')).filter((b) => b.kind === 'tier').map((b) => b.amountFen);
    expect(await tier('t1-below')).toEqual([]);
    expect(await tier('t1-at')).toEqual([100]);
    expect(await tier('t1-above')).toEqual([100]);
    expect(await tier('t2-below')).toEqual([300]);
    expect(await tier('t2-at')).toEqual([600]);
    expect(await tier('t2-above')).toEqual([600]);
    // the bonus becomes available with the commission
    expect((await w.store.get(keys.leaderBalance('t2-at')))!).toMatchObject({ pendingFen: 0, availableFen: 3_000 + 600 });
  });
});

describe('new-leader award (setting newLeaderAward)', () => {
  it('pays once, in the first full week, from minOrders on', async () => {
    const w = await worldWith({ newLeaderAward: { amountFen: 10_000, minOrders: 3 }, rankingAwards: [] }, [
      { id: 'n-2', createdAt: MONDAY },
      { id: 'n-3', createdAt: MONDAY },
      { id: 'n-4', createdAt: MONDAY },
      // created a second after Monday 00:00: W48 is not a full week, W49 is its first
      { id: 'n-late', createdAt: '2026-11-23T00:00:01+08:00' },
    ]);
    await pickups(w, 'n-2', '2026-11-24', 2);
    await pickups(w, 'n-3', '2026-11-24', 3);
    await pickups(w, 'n-4', '2026-11-24', 4);
    await pickups(w, 'n-late', '2026-11-24', 4);

    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);
    const award = async (id: string, period: string) => (await bonusesOf(w, id, period)).filter((b) => b.kind === 'newLeader').map((b) => b.amountFen);
    expect(await award('n-2', '2026-W48')).toEqual([]);
    expect(await award('n-3', '2026-W48')).toEqual([10_000]);
    expect(await award('n-4', '2026-W48')).toEqual([10_000]);
    expect(await award('n-late', '2026-W48')).toEqual([]);

    // the next week: n-late's first full week; n-4 is not paid again
    await pickups(w, 'n-4', '2026-12-01', 5);
    await pickups(w, 'n-late', '2026-12-01', 3);
    w.clock.set('2026-12-07T02:00:00+08:00');
    await runSettlement(w.deps);
    expect(await award('n-4', '2026-W49')).toEqual([]);
    expect(await award('n-late', '2026-W49')).toEqual([10_000]);
    expect((await w.store.get(keys.leaderBalance('n-3')))!.availableFen).toBe(300 + 10_000);
  });

  it('T+1: the award is in the statement of the first full week’s last day', async () => {
    const w = await worldWith({ settlementPeriod: 't+1', newLeaderAward: { amountFen: 10_000, minOrders: 3 } }, [{ id: 'n-t', createdAt: MONDAY }]);
    await pickups(w, 'n-t', '2026-11-24', 3);
    w.clock.set('2026-11-29T02:00:00+08:00');
    await runSettlement(w.deps);
    expect(await bonusesOf(w, 'n-t', '2026-11-24')).toEqual([]);
    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);
    expect((await statement(w, 'n-t', '2026-11-29'))!).toMatchObject({ lines: [], totalFen: 10_000, bonuses: [expect.objectContaining({ kind: 'newLeader' })] });
  });
});

describe('referral award (setting referralAward)', () => {
  it('pays the referrer when the referred leader’s first full week reaches minOrders, even without sales of their own', async () => {
    const w = await worldWith({ referralAward: { amountFen: 5_000, minOrders: 3 } }, [
      { id: 'a-2', createdAt: OLD },
      { id: 'a-3', createdAt: OLD },
      { id: 'a-4', createdAt: OLD },
      { id: 'r-2', createdAt: MONDAY, referredBy: 'a-2' },
      { id: 'r-3', createdAt: MONDAY, referredBy: 'a-3' },
      { id: 'r-4', createdAt: MONDAY, referredBy: 'a-4' },
    ]);
    await pickups(w, 'r-2', '2026-11-26', 2);
    await pickups(w, 'r-3', '2026-11-26', 3);
    await pickups(w, 'r-4', '2026-11-26', 4);

    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);

    expect(await statement(w, 'a-2', '2026-W48')).toBeUndefined();
    for (const id of ['a-3', 'a-4']) {
      expect(await statement(w, id, '2026-W48')).toMatchObject({ lines: [], totalFen: 5_000, bonuses: [expect.objectContaining({ kind: 'referral', amountFen: 5_000 })] });
      expect(await w.store.get(keys.leaderBalance(id))).toMatchObject({ pendingFen: 0, availableFen: 5_000 });
    }
    // a second run pays nothing more
    w.clock.set('2026-11-30T08:00:00+08:00');
    expect((await runSettlement(w.deps)).statements).toBe(0);
  });
});

describe('monthly ranking award (setting rankingAwards)', () => {
  it('ranks the month on the 1st and pays ranks 1–3 once, in the statement holding the month’s end', async () => {
    const sales = { 'k-1': 50_000, 'k-2': 40_000, 'k-3': 30_000, 'k-3x': 30_000, 'k-5': 29_999 };
    const w = await worldWith({ rankingAwards: [30_000, 20_000, 10_000] }, [...Object.keys(sales), 'k-none'].map((id) => ({ id, createdAt: OLD })));
    for (const [id, paidFen] of Object.entries(sales)) await pickups(w, id, '2026-11-18', 1, paidFen);

    // act: the 1st of December (a Tuesday): W47 was settled, the ranking made
    w.clock.set('2026-12-01T02:00:00+08:00');
    const first = await runSettlement(w.deps);
    expect(first.monthly).toMatchObject({ month: '2026-11', alreadyDone: false });
    const ranking = (await rankingCommand.run(staffCtx(w.deps), { month: '2026-11' })) as { ranking: { leaderId: string; rank: number; awardFen: number }[] };
    expect(ranking.ranking.map((r) => [r.leaderId, r.rank, r.awardFen])).toEqual([
      ['k-1', 1, 30_000],
      ['k-2', 2, 20_000],
      ['k-3', 3, 10_000], // ties broken by leader id
      ['k-3x', 4, 0],
      ['k-5', 5, 0],
    ]);
    // the award is not paid before its week (W49, holding 1 December 00:00) is settled
    expect(await statement(w, 'k-1', '2026-W49')).toBeUndefined();

    w.clock.set('2026-12-07T02:00:00+08:00');
    const second = await runSettlement(w.deps);
    expect(second.monthly).toMatchObject({ month: '2026-11', alreadyDone: true });
    const paid = async (id: string) => (await bonusesOf(w, id, '2026-W49')).filter((b) => b.kind === 'ranking').map((b) => b.amountFen);
    expect(await paid('k-1')).toEqual([30_000]);
    expect(await paid('k-2')).toEqual([20_000]);
    expect(await paid('k-3')).toEqual([10_000]);
    expect(await paid('k-3x')).toEqual([]);
    expect(await paid('k-none')).toEqual([]);
    expect((await w.store.get(keys.leaderBalance('k-1')))!.availableFen).toBe(5_000 + 30_000);

    w.clock.set('2026-12-14T02:00:00+08:00');
    expect((await runSettlement(w.deps)).statements).toBe(0);
    await expect(rankingCommand.run(staffCtx(w.deps), { month: '2026-12' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
