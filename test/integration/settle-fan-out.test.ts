/**
 * Settlement fanned out over function instances (issue 19, shared/app/jobs/parts.ts): above
 * FanOutSizing.settleLeaders leaders the settle run coordinates — part `i/n` (the leaders whose
 * id hashes to `i`) runs as a job run of its own through the job launcher (in-process here, a
 * Lambda asynchronous invoke or `callFunction` on the clouds) and the coordinator merges their
 * totals. What is written is exactly what one run writes, also when a part cannot be started,
 * is delivered twice, or dies (the next heartbeat settles what it left).
 */
import { describe, expect, it } from 'vitest';
import { keys } from '#app/keys';
import { runKey } from '#app/jobs/keys';
import { partOf } from '#app/jobs/parts';
import { OUTBOX_SHARDS } from '#app/outbox';
import { runSettlement } from '#app/settle/run';
import { settleWhenDue } from '#app/settle/heartbeat';
import { queryAll } from '#ports/item-store';
import { leaderItems, pickups } from '#test/settle-fixtures';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { watchStarts } from '../support/job-starts.ts';

const EXTRA = Array.from({ length: 10 }, (_, i) => `l-fan-${String(i + 1).padStart(2, '0')}`);
const PERIOD = '2026-W48';

/** The demo leaders plus 10, each with pickups in W48, at the settle time of W48. */
async function settleWorld(): Promise<TestWorld & { leaders: string[] }> {
  const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
  await w.store.putMany(EXTRA.flatMap((id) => leaderItems({ id, createdAt: '2026-11-02T09:00:00+08:00' })));
  for (const [i, id] of EXTRA.entries()) await pickups(w, id, '2026-11-25', 1 + (i % 3), 1_000 + i * 10);
  await pickups(w, 'l-xujiahui', '2026-11-26', 2, 2_000);
  w.clock.set('2026-11-30T02:00:00+08:00');
  const leaders = (await queryAll(w.store, { index: 'gsi1', pk: 'T#leader' })).map((l) => String(l.id)).sort();
  return Object.assign(w, { leaders });
}

/** What settlement writes, per leader: balance and statement (without ids and times that differ by construction). */
async function snapshot(w: TestWorld & { leaders: string[] }) {
  const out: Record<string, unknown> = {};
  for (const id of w.leaders) {
    const b = await w.store.get(keys.leaderBalance(id), { consistent: true });
    const s = await w.store.get(keys.leaderStatement(id, PERIOD), { consistent: true });
    out[id] = {
      balance: b && { availableFen: b.availableFen, pendingFen: b.pendingFen, debtFen: b.debtFen, settledUntil: b.settledUntil },
      statement: s && { totalFen: s.totalFen, commissionFen: s.commissionFen, lines: (s.lines as unknown[]).length, bonuses: s.bonuses },
    };
  }
  const pushes = (await Promise.all(Array.from({ length: OUTBOX_SHARDS }, (_, i) => queryAll(w.store, { index: 'gsi2', pk: `OUTBOX#${i}` })))).flat();
  return { leaders: out, statementPushes: pushes.filter((p) => p.key === 'statement').map((p) => String(p.id)).sort() };
}

const totals = (r: Awaited<ReturnType<typeof runSettlement>>) => ({ statements: r.statements, totalFen: r.totalFen, periods: r.periods, failed: r.failed, settledUntil: r.settledUntil, leaders: r.leaders });

describe('settlement fan-out over function instances', () => {
  it('below the threshold one run settles everyone; above it, parts in other runs write exactly what one run writes', async () => {
    const one = await settleWorld();
    const single = await runSettlement(one.deps);
    expect(single.statements).toBeGreaterThan(10);
    const clean = await snapshot(one);

    const w = await settleWorld();
    w.deps.fanOut = { settleLeaders: 4 };
    const started = watchStarts(w);
    const merged = await runSettlement(w.deps);
    await w.jobs.idle();
    const count = Math.ceil(w.leaders.length / 4);
    expect(started.map((s) => s.part).sort()).toEqual(Array.from({ length: count }, (_, i) => `${i}/${count}`).sort());
    expect(started.every((s) => s.job === 'settle')).toBe(true);
    const runs = await Promise.all(started.map((s) => w.store.get(runKey(s.runId), { consistent: true })));
    expect(runs.map((r) => r?.status)).toEqual(started.map(() => 'DONE'));
    // Each part settled only its own leaders.
    for (const r of runs) {
      const [i, n] = String((r!.result as { part: string }).part).split('/').map(Number);
      expect((r!.result as { leaders: number }).leaders).toBe(w.leaders.filter((id) => partOf(id, n!) === i).length);
    }
    expect(totals(merged)).toEqual(totals(single));
    expect(await snapshot(w)).toEqual(clean);
  });

  it('a part that cannot be started is settled by the coordinator; a part delivered twice changes nothing', async () => {
    const one = await settleWorld();
    const single = await runSettlement(one.deps);
    const clean = await snapshot(one);

    const w = await settleWorld();
    w.deps.fanOut = { settleLeaders: 4 };
    watchStarts(w, { refuse: '1/4' });
    const merged = await runSettlement(w.deps);
    await w.jobs.idle();
    expect(totals(merged)).toEqual(totals(single));
    expect(await snapshot(w)).toEqual(clean);

    const again = await Promise.all(['0/4', '1/4', '2/4', '3/4'].map((part) => runSettlement(w.deps, { part })));
    expect(again.map((r) => r.statements)).toEqual([0, 0, 0, 0]);
    expect(again.reduce((s, r) => s + r.leaders, 0)).toBe(w.leaders.length);
    expect(await snapshot(w)).toEqual(clean);
  });

  it('a part that died is not recorded done: the next heartbeat dispatches again and settles what it left', async () => {
    const one = await settleWorld();
    await runSettlement(one.deps);
    const clean = await snapshot(one);

    const w = await settleWorld();
    w.deps.fanOut = { settleLeaders: 4 };
    const launcher = w.deps.jobs;
    watchStarts(w, { lose: '2/4' });
    const first = await runSettlement(w.deps, { budgetMs: 4_000 });
    await w.jobs.idle();
    expect(first.failed).toEqual([{ leaderId: 'part 2/4', error: 'part did not finish' }]);
    const lost = w.leaders.filter((id) => partOf(id, 4) === 2);
    expect(lost.length).toBeGreaterThan(0);
    for (const id of lost) expect(await w.store.get(keys.leaderStatement(id, PERIOD))).toBeUndefined();

    // The next beat: nothing was recorded as settled, so it runs, fans out again, and the lost leaders are settled.
    w.deps.jobs = launcher;
    const started = watchStarts(w);
    const next = await settleWhenDue(w.deps);
    await w.jobs.idle();
    expect('skipped' in next).toBe(false);
    expect(started.length).toBeGreaterThan(0);
    expect(next.failed).toEqual([]);
    expect(await snapshot(w)).toEqual(clean);
    // And the beat after that finds it done.
    expect(await settleWhenDue(w.deps)).toMatchObject({ skipped: true });
  });
});
