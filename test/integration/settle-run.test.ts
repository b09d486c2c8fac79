import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { keys } from '#app/keys';
import { queryAll } from '#ports/item-store';
import { OUTBOX_SHARDS } from '#app/outbox';
import { runSettlement } from '#app/settle/run';
import { statementsCommand, balanceCommand, withdrawCommand } from '#app/settle/commands';
import { clawbackEntry, commissionEntry, pickupEntryOf, writeEntry } from '#test/settle-fixtures';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';

/** round-half-up(paidFen × rate) computed independently of the code under test. */
const expectedCommission = (paidFen: number, rate: number) => {
  const bp = BigInt(Math.round(rate * 10_000));
  return Number((BigInt(paidFen) * bp * 2n + 10_000n) / 20_000n);
};

const balanceOf = async (w: TestWorld, leaderId: string) => (await w.store.get(keys.leaderBalance(leaderId)))!;
const statementOf = (w: TestWorld, leaderId: string, period: string) => w.store.get(keys.leaderStatement(leaderId, period));
/** Queued statement pushes (nothing drains the outbox in these tests). */
const statementPushes = async (w: TestWorld) => {
  const shards = await Promise.all(Array.from({ length: OUTBOX_SHARDS }, (_, i) => queryAll(w.store, { index: 'gsi2', pk: `OUTBOX#${i}` })));
  return shards.flat().filter((m) => m.key === 'statement');
};

/** Orders of W48 picked up by two leaders, with paid amounts on the rounding edges. */
async function givenWeekOfPickups(w: TestWorld) {
  // prepare: paid in W48, picked up on Wednesday and Sunday night
  const a = await givenOrder(w, {
    communityId: 'c-xujiahui',
    userId: 'u-1',
    waveDate: '2026-11-24',
    status: 'PICKED_UP',
    lines: [
      { productId: 'p-pork', qty: 1, paidFen: 145 }, // 10% → 14.5 → 15
      { productId: 'p-rice', qty: 2, paidFen: 1_006 }, // 8% → 80.48 → 80
    ],
  });
  const b = await givenOrder(w, {
    communityId: 'c-xujiahui',
    userId: 'u-2',
    waveDate: '2026-11-24',
    status: 'PICKED_UP',
    lines: [{ productId: 'p-tomato', qty: 1, paidFen: 2_995 }], // 10% → 299.5 → 300
  });
  const c = await givenOrder(w, {
    communityId: 'c-jingan',
    userId: 'u-3',
    waveDate: '2026-11-25',
    status: 'PICKED_UP',
    lines: [{ productId: 'p-oil', qty: 1, paidFen: 11_990 }], // 8% → 959.2 → 959
  });
  const entries = [
    await writeEntry(w.deps, pickupEntryOf(a, 'l-xujiahui', '2026-11-25T18:00:00+08:00')),
    await writeEntry(w.deps, pickupEntryOf(b, 'l-xujiahui', '2026-11-29T23:59:59+08:00')),
    await writeEntry(w.deps, pickupEntryOf(c, 'l-jingan', '2026-11-26T10:00:00+08:00')),
  ];
  return { orders: [a, b, c], entries };
}

describe('settle job: weekly statements', () => {
  it('writes one statement per leader at Monday 02:00, with exact line commission, and moves pending to available', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const { orders } = await givenWeekOfPickups(w);
    expect((await balanceOf(w, 'l-xujiahui')).pendingFen).toBe(15 + 80 + 300);

    // act: a minute before the settle time nothing is due
    w.clock.set('2026-11-30T01:59:00+08:00');
    expect((await runSettlement(w.deps)).statements).toBe(0);
    w.clock.set('2026-11-30T02:00:00+08:00');
    const result = await runSettlement(w.deps);

    // assert
    expect(result).toMatchObject({ statements: 2, periods: ['2026-W48'], failed: [] });
    const s = (await statementOf(w, 'l-xujiahui', '2026-W48'))!;
    const paidLines = orders.slice(0, 2).flatMap((o) => o.lines);
    expect(s.lines).toHaveLength(3);
    for (const line of s.lines as { productId: string; paidFen: number; rate: number; commissionFen: number; shortNo: string; pickedUpAt: string; qty: number }[]) {
      const ordered = paidLines.find((l) => l.productId === line.productId)!;
      expect(line.paidFen).toBe(ordered.paidFen);
      expect(line.commissionFen).toBe(expectedCommission(ordered.paidFen, ordered.commissionRate));
      expect(line.shortNo).toMatch(/^\w{6}$/);
    }
    expect((s.lines as { commissionFen: number }[]).map((l) => l.commissionFen)).toEqual([15, 80, 300]);
    expect(s).toMatchObject({ totalFen: 395, commissionFen: 395, bonuses: [], adjustments: [], to: '2026-11-30T00:00:00+08:00' });
    expect(await balanceOf(w, 'l-xujiahui')).toMatchObject({ pendingFen: 0, availableFen: 395, settledUntil: '2026-11-30T00:00:00+08:00' });
    expect(await balanceOf(w, 'l-jingan')).toMatchObject({ pendingFen: 0, availableFen: 959 });
    // leaders without pickups get no statement
    expect(await statementOf(w, 'l-lujiazui', '2026-W48')).toBeUndefined();
    const pushes = await statementPushes(w);
    expect(pushes.map((p) => p.touser).sort()).toEqual(['demo-leader-jingan', 'demo-leader-xujiahui']);
    expect(pushes.find((p) => p.touser === 'demo-leader-xujiahui')!.payload).toEqual({ period: '2026-W48', totalFen: 395, availableFen: 395 });

    // the leader reads it through the API, and the balance
    const viaApi = (await dispatch(statementsCommand, {}, { kind: 'openid', openid: 'demo-leader-xujiahui' }, w.deps)) as { period: string; totalFen: number }[];
    expect(viaApi.map((x) => [x.period, x.totalFen])).toEqual([['2026-W48', 395]]);
    expect(await dispatch(balanceCommand, {}, { kind: 'openid', openid: 'demo-leader-xujiahui' }, w.deps)).toMatchObject({ availableFen: 395, pendingFen: 0, withdrawnFen: 0 });
  });

  it('changes nothing when run again, or twice at once', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    await givenWeekOfPickups(w);
    w.clock.set('2026-11-30T02:00:00+08:00');

    // act: two runs at once, then a third
    const [r1, r2] = await Promise.all([runSettlement(w.deps), runSettlement(w.deps)]);
    const before = await queryAll(w.store, { pk: 'L#l-xujiahui' });
    w.clock.set('2026-11-30T09:00:00+08:00');
    const r3 = await runSettlement(w.deps);

    // assert: one statement per leader in total, the balance moved once
    expect(r1.statements + r2.statements).toBe(2);
    expect(r3.statements).toBe(0);
    expect(await queryAll(w.store, { pk: 'L#l-xujiahui' })).toEqual(before);
    expect(await balanceOf(w, 'l-xujiahui')).toMatchObject({ pendingFen: 0, availableFen: 395 });
    expect(await balanceOf(w, 'l-jingan')).toMatchObject({ pendingFen: 0, availableFen: 959 });
    expect(await statementPushes(w)).toHaveLength(2);
  });

  it('catches up a missed week: both periods in one run, each entry in exactly one statement', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    await givenWeekOfPickups(w);
    const w49 = await writeEntry(
      w.deps,
      commissionEntry({ leaderId: 'l-xujiahui', at: '2026-11-30T00:00:00+08:00', lines: [{ productId: 'p-milk', qty: 1, paidFen: 1_590, rate: 0.1 }] }),
    );
    // an entry of the week in progress stays pending
    await writeEntry(w.deps, commissionEntry({ leaderId: 'l-xujiahui', at: '2026-12-14T01:00:00+08:00', lines: [{ productId: 'p-milk', qty: 1, paidFen: 1_000 }] }));

    // act: the job did not run for two weeks
    w.clock.set('2026-12-14T02:00:00+08:00');
    const result = await runSettlement(w.deps);

    // assert
    expect(result.periods).toEqual(['2026-W48', '2026-W49']);
    const first = (await statementOf(w, 'l-xujiahui', '2026-W48'))!;
    const second = (await statementOf(w, 'l-xujiahui', '2026-W49'))!;
    expect(first.totalFen).toBe(395);
    expect(second).toMatchObject({ totalFen: w49.amountFen, from: '2026-11-30T00:00:00+08:00', to: '2026-12-07T00:00:00+08:00' });
    expect(await balanceOf(w, 'l-xujiahui')).toMatchObject({ pendingFen: 100, availableFen: 395 + 159, settledUntil: '2026-12-07T00:00:00+08:00' });
  });

  it('T+1: the statement of day D appears at D+1 02:00', async () => {
    const w = await makeWorld({ now: '2026-11-26T10:00:00+08:00', settings: { settlement: { settlementPeriod: 't+1' } } });
    await writeEntry(w.deps, commissionEntry({ leaderId: 'l-xujiahui', at: '2026-11-26T15:00:00+08:00', lines: [{ productId: 'p-pork', qty: 1, paidFen: 2_990 }] }));
    await writeEntry(w.deps, commissionEntry({ leaderId: 'l-xujiahui', at: '2026-11-27T00:00:00+08:00', lines: [{ productId: 'p-pork', qty: 1, paidFen: 1_000 }] }));

    w.clock.set('2026-11-27T01:59:59+08:00');
    expect((await runSettlement(w.deps)).statements).toBe(0);
    w.clock.set('2026-11-27T02:00:00+08:00');
    const result = await runSettlement(w.deps);

    expect(result.periods).toEqual(['2026-11-26']);
    expect(await statementOf(w, 'l-xujiahui', '2026-11-26')).toMatchObject({ totalFen: 299, to: '2026-11-27T00:00:00+08:00' });
    expect(await balanceOf(w, 'l-xujiahui')).toMatchObject({ pendingFen: 100, availableFen: 299 });
    w.clock.set('2026-11-28T02:00:00+08:00');
    expect((await runSettlement(w.deps)).periods).toEqual(['2026-11-27']);
  });
});

describe('settle job: refunds', () => {
  it('nets a refund before settlement in the same statement as an adjustment', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const { entries } = await givenWeekOfPickups(w);
    await writeEntry(w.deps, clawbackEntry(entries[0]!, '2026-11-27T09:00:00+08:00', [entries[0]!.lines[1]!]));

    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);

    const s = (await statementOf(w, 'l-xujiahui', '2026-W48'))!;
    expect(s).toMatchObject({ commissionFen: 395, adjustmentFen: -80, totalFen: 315 });
    expect(s.adjustments).toEqual([expect.objectContaining({ kind: 'refund', orderId: entries[0]!.orderId, amountFen: -80 })]);
    expect(await balanceOf(w, 'l-xujiahui')).toMatchObject({ pendingFen: 0, availableFen: 315 });
  });

  it('turns a refund after settlement into a negative adjustment of the next statement, exactly the refunded lines’ commission', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00', settings: { settlement: { rankingAwards: [] } } });
    const { entries } = await givenWeekOfPickups(w);
    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);

    // act: the second order (¥29.95, commission 300) is refunded in W49, after W48 was settled
    w.clock.set('2026-12-02T11:00:00+08:00');
    await writeEntry(w.deps, clawbackEntry(entries[1]!, '2026-12-02T11:00:00+08:00'));
    w.clock.set('2026-12-07T02:00:00+08:00');
    await runSettlement(w.deps);

    // assert: W48 is untouched, W49 carries -300 and may be negative; the balance carries it
    expect((await statementOf(w, 'l-xujiahui', '2026-W48'))!.totalFen).toBe(395);
    const next = (await statementOf(w, 'l-xujiahui', '2026-W49'))!;
    expect(next).toMatchObject({ lines: [], commissionFen: 0, adjustmentFen: -300, totalFen: -300 });
    expect(next.adjustments).toEqual([expect.objectContaining({ kind: 'refund', orderId: entries[1]!.orderId, amountFen: -300, note: expect.stringMatching(/after settlement/) })]);
    expect(await balanceOf(w, 'l-xujiahui')).toMatchObject({ pendingFen: 0, availableFen: 95 });
  });

  it('lets a negative statement take the available balance below zero, and then no withdrawal is possible', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00', settings: { settlement: { rankingAwards: [] } } });
    const { entries } = await givenWeekOfPickups(w);
    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);
    const leader = { kind: 'openid' as const, openid: 'demo-leader-xujiahui' };
    await dispatch(withdrawCommand, { requestId: 'r-all', amountFen: 395 }, leader, w.deps);

    w.clock.set('2026-12-02T11:00:00+08:00');
    await writeEntry(w.deps, clawbackEntry(entries[1]!, '2026-12-02T11:00:00+08:00'));
    w.clock.set('2026-12-07T02:00:00+08:00');
    await runSettlement(w.deps);

    // issue 12: available never below zero; what it could not cover is carried as debt.
    expect(await balanceOf(w, 'l-xujiahui')).toMatchObject({ availableFen: 0, debtFen: 300, reservedFen: 395 });
    await expect(dispatch(withdrawCommand, { requestId: 'r-more', amountFen: 100 }, leader, w.deps)).rejects.toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
    const pushes = await statementPushes(w);
    expect(pushes.find((p) => (p.payload as { period: string }).period === '2026-W49')!.payload).toMatchObject({ totalFen: -300, availableFen: 0 });
  });
});

describe('settle job: scale habits', () => {
  it('reads nothing more for a leader already settled up to date', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    await givenWeekOfPickups(w);
    w.clock.set('2026-11-30T02:00:00+08:00');
    await runSettlement(w.deps);
    let queries = 0;
    const counting = { ...w.deps, store: { ...w.deps.store, query: (q: Parameters<typeof w.deps.store.query>[0]) => (q.pk.startsWith('L#l-xujiahui') && queries++, w.deps.store.query(q)) } };
    w.clock.set('2026-12-01T02:00:00+08:00');
    await runSettlement(counting as typeof w.deps);
    // only the monthly review (on the 1st) reads the leader's entries; settlement itself does not
    expect(queries).toBe(1);
    w.clock.set('2026-12-02T02:00:00+08:00');
    queries = 0;
    await runSettlement(counting as typeof w.deps);
    expect(queries).toBe(0);
  });
});
