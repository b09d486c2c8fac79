import { beforeAll, describe, expect, it } from 'vitest';
import { runCutoff } from '#app/cutoff/close-waves';
import { cutoffJob } from '#app/cutoff/jobs';
import type { ItemStore } from '#ports/item-store';
import type { TestWorld } from '../support/harness.ts';
import { COMMUNITIES, D, EXTRA, seededWorld, snapshot } from '../support/cutoff-world.ts';

/** A store that fails every write after the first `after` (a Lambda killed mid-run), counting them. */
function crashingStore(store: ItemStore, after = Infinity) {
  let writes = 0;
  const gate = () => {
    if (++writes > after) throw new Error('injected crash');
  };
  const wrapped: ItemStore & { writes(): number } = {
    get: (key, o) => store.get(key, o),
    getMany: (k) => store.getMany(k),
    query: (q) => store.query(q),
    write: async (op) => (gate(), store.write(op)),
    transact: async (ops) => (gate(), store.transact(ops)),
    putMany: async (items) => (gate(), store.putMany(items)),
    writes: () => writes,
  };
  return wrapped;
}

describe('cutoff: resumable, idempotent, safe when concurrent', () => {
  let clean: Awaited<ReturnType<typeof snapshot>>;
  let cleanWorld: TestWorld;
  let totalWrites: number;

  beforeAll(async () => {
    // Reference: one uninterrupted run, counting its writes.
    cleanWorld = await seededWorld();
    const counting = crashingStore(cleanWorld.store);
    const summary = await runCutoff({ ...cleanWorld.deps, store: counting }, { concurrency: 2 });
    expect(summary.complete).toBe(true);
    totalWrites = counting.writes();
    clean = await snapshot(cleanWorld);
  });

  it('the reference run closed every community, with one summary per leader that has orders', () => {
    expect(clean.done).toBe('DONE');
    expect(clean.waves.map((x) => x.status)).toEqual(COMMUNITIES.map(() => 'CLOSED'));
    expect(clean.pushes.map((p) => p.touser).sort()).toEqual(
      ['demo-leader-xujiahui', 'demo-leader-jingan', 'demo-leader-lujiazui', ...EXTRA.map((_, i) => `leader-extra-${i + 1}`)].sort(),
    );
    expect(clean.orders.some((o) => o.status === 'PAID' || o.status === 'PENDING_PAYMENT')).toBe(false);
    // Six orders held 2 eggs each; all were unpaid, so every egg is back.
    expect(clean.stock?.sold).toBe(0);
    expect(clean.reports.filter((r) => String(r.sk).startsWith('PICK#'))).toHaveLength(11);
  });

  it.each([
    ['halfway through the communities', (t: number) => Math.floor(t / 2)],
    ['while writing the wave reports', (t: number) => t - 3],
  ])('a run killed %s is resumed by the next into exactly what one run produces', async (_, crashAt) => {
    const w = await seededWorld();
    const crashing = crashingStore(w.store, crashAt(totalWrites));
    await expect(runCutoff({ ...w.deps, store: crashing }, { concurrency: 2 })).rejects.toThrow('injected crash');
    const halfway = await snapshot(w);
    expect(halfway.done).toBeUndefined();
    if (crashAt(totalWrites) < totalWrites / 2 + 1) {
      // Killed mid-way: some communities are closed, others are not yet.
      expect(halfway.waves.filter((x) => x.status === 'CLOSED').length).toBeGreaterThan(0);
      expect(halfway.waves.filter((x) => x.status === 'CLOSED').length).toBeLessThan(COMMUNITIES.length);
    }

    const resumed = (await cutoffJob.run(w.deps, {})) as { complete: boolean };
    expect(resumed.complete).toBe(true);
    expect(await snapshot(w)).toEqual(clean);
  });

  it('two runs at once produce one set of reports and one summary per leader', async () => {
    const w = await seededWorld();
    const [a, b] = (await Promise.all([cutoffJob.run(w.deps, {}), cutoffJob.run(w.deps, {})])) as { ordersConfirmed: number; ordersCancelled: number }[];
    expect(await snapshot(w)).toEqual(clean);
    // Each order was moved by exactly one of them.
    expect(a!.ordersConfirmed + b!.ordersConfirmed).toBe(clean.orders.filter((o) => o.status === 'CONFIRMED').length);
    expect(a!.ordersCancelled + b!.ordersCancelled).toBe(clean.orders.filter((o) => o.cancelReason === 'CUTOFF_UNPAID').length);
  });

  it('a second complete run changes nothing', async () => {
    const counting = crashingStore(cleanWorld.store);
    const again = await runCutoff({ ...cleanWorld.deps, store: counting }, { date: D });
    expect(again).toMatchObject({ complete: true, communities: 0, ordersConfirmed: 0, ordersCancelled: 0, wavesClosed: 0 });
    expect(counting.writes()).toBe(0);
    expect(await snapshot(cleanWorld)).toEqual(clean);
  });
});
