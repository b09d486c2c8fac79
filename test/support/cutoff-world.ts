/**
 * A seeded cutoff world (the demo merchant plus 8 communities, the same mixed wave of orders
 * every time, ids in a fixed sequence) and a snapshot of everything the cutoff produces, so
 * two worlds closed different ways (resumed, concurrent, fanned out) can be compared whole.
 */
import { upsertCommunityCommand, upsertLeaderCommand } from '#app/admin/commands';
import { cutoffKeys, DIMENSIONS } from '#app/cutoff/keys';
import { keys } from '#app/keys';
import { orderFromItem, type Order } from '#app/orders/model';
import type { Ids } from '#ports/ids';
import { queryAll, type Item } from '#ports/item-store';
import { givenOrder, makeWorld, staffCtx, type TestWorld } from './harness.ts';
import { unpaidWithHolds } from './order-fixtures.ts';
import { withEffectiveStatus } from '#app/orders/effective';

export const D = '2026-11-24';
export const EXTRA = Array.from({ length: 8 }, (_, i) => `c-extra-${i + 1}`);
export const COMMUNITIES = ['c-xujiahui', 'c-jingan', 'c-lujiazui', 'c-wujiaochang', ...EXTRA];

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
export async function seededWorld(): Promise<TestWorld> {
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

/** Everything the cutoff produces or changes, minus what differs by construction (sealed contacts). */
export async function snapshot(w: TestWorld) {
  const pushes: Item[] = [];
  for (let s = 0; s < 4; s++) pushes.push(...(await queryAll(w.store, { index: 'gsi2', pk: `OUTBOX#${s}` })));
  const orders: Pick<Order, 'id' | 'status' | 'cancelReason'>[] = [];
  for (const c of COMMUNITIES) {
    // As every read path sees them (orders/effective.ts): a paid order of the CLOSED wave reads CONFIRMED.
    for (const o of await withEffectiveStatus(w.deps, (await queryAll(w.store, { ...keys.ordersOfWave(c, D), consistent: true })).map(orderFromItem))) orders.push({ id: o.id, status: o.status, cancelReason: o.cancelReason });
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

