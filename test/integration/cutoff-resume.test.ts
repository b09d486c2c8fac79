import { beforeAll, describe, expect, it } from 'vitest';
import { upsertCommunityCommand, upsertLeaderCommand } from '#app/admin/commands';
import { runCutoff } from '#app/cutoff/close-waves';
import { cutoffJob } from '#app/cutoff/jobs';
import { cutoffKeys, DIMENSIONS } from '#app/cutoff/keys';
import { keys } from '#app/keys';
import { orderFromItem, orderKey, type Order } from '#app/orders/model';
import type { Ids } from '#ports/ids';
import { queryAll, type Item, type ItemStore } from '#ports/item-store';
import { givenOrder, makeWorld, staffCtx, type TestWorld } from '../support/harness.ts';
import { unpaidWithHolds } from '../support/order-fixtures.ts';

const D = '2026-11-24';
const EXTRA = Array.from({ length: 8 }, (_, i) => `c-extra-${i + 1}`);
const COMMUNITIES = ['c-xujiahui', 'c-jingan', 'c-lujiazui', 'c-wujiaochang', ...EXTRA];

/** Ids in a fixed sequence, so two worlds seeded alike hold the very same orders. */
function sequenceIds(): Ids {
  let n = 0;
  let d = 0;
  return {
    newId: () => `01KSEQ${String(++n).padStart(20, '0')}`,
    digits: (count) => String(10_000_000 + ++d).slice(-count),
  };
}

/** The demo merchant plus 8 communities, and the same mixed wave of orders every time. */
async function seededWorld(): Promise<TestWorld> {
  const w = await makeWorld({ now: `${D}T18:00:00+08:00` });
  w.deps.ids = sequenceIds();
  const staff = staffCtx(w.deps);
  for (const [i, id] of EXTRA.entries()) {
    await upsertCommunityCommand.run(staff, {
      id, name: `新村${i + 1}号`, address: `上海市某路${i + 1}号`, region: i % 2 ? '闵行区' : '长宁区',
      location: { lat: 31.15 + i * 0.011, lng: 121.38 + ((i * 7) % 5) * 0.013 }, routeId: i % 3 ? 'r-south' : 'r-west',
    });
    await upsertLeaderCommand.run(staff, { id: `l-extra-${i + 1}`, openid: `leader-extra-${i + 1}`, name: `团长${i + 1}`, phone: `1380000${String(2000 + i)}`, communityId: id });
  }
  const products = ['p-spinach', 'p-pork', 'p-milk', 'p-rice', 'p-oil', 'p-banana'];
  let k = 0;
  for (const [ci, communityId] of COMMUNITIES.entries()) {
    if (communityId === 'c-wujiaochang') continue; // one community without orders
    for (let j = 0; j < 6; j++) {
      k++;
      const userId = `u-${(k * 7) % 23}`;
      if (j === 5 && ci % 2 === 0) {
        await unpaidWithHolds(w, communityId, `u-held-${k}`, D, { flash: false, pointsUsed: 100, pointsLeft: 0, firstOrder: false });
        continue;
      }
      const status = j === 4 ? 'PENDING_PAYMENT' : j === 3 && ci % 3 === 0 ? 'CANCELLED' : 'PAID';
      const lines = [{ productId: products[k % products.length]!, qty: 1 + (k % 3) }, ...(k % 2 ? [{ productId: products[(k + 2) % products.length]!, qty: 2 }] : [])];
      await givenOrder(w, { communityId, userId, waveDate: D, status, lines, contact: { name: `顾客${k}`, phone: `1391234${String(k).padStart(4, '0')}` } });
    }
  }
  w.clock.set(`${D}T22:05:00+08:00`);
  return w;
}

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

/** Everything the cutoff produces or changes, minus what differs by construction (sealed contacts). */
async function snapshot(w: TestWorld) {
  const pushes: Item[] = [];
  for (let s = 0; s < 4; s++) pushes.push(...(await queryAll(w.store, { index: 'gsi2', pk: `OUTBOX#${s}` })));
  const orders: Pick<Order, 'id' | 'status' | 'cancelReason'>[] = [];
  for (const c of COMMUNITIES) {
    for (const o of (await queryAll(w.store, { ...keys.ordersOfWave(c, D), consistent: true })).map(orderFromItem)) orders.push({ id: o.id, status: o.status, cancelReason: o.cancelReason });
  }
  return {
    reports: await queryAll(w.store, { pk: `W#${D}`, consistent: true }),
    dashboard: [await queryAll(w.store, { pk: 'W#STATS' }), ...(await Promise.all(DIMENSIONS.map((d) => queryAll(w.store, { pk: `W#STATS#${d}` }))))],
    pushes: pushes.sort((a, b) => (a.pk < b.pk ? -1 : 1)),
    waves: await w.store.getMany(COMMUNITIES.map((c) => keys.communityWave(c, D))),
    orders: orders.sort((a, b) => (a.id < b.id ? -1 : 1)),
    stock: await w.store.get(keys.waveStock('p-eggs', D)),
    done: (await w.store.get(cutoffKeys.waveDone(D)))?.status,
  };
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
