/**
 * The cutoff on the CloudBase store at volume: one community with 2,500 paid orders, more than
 * twice the platform's 1,000-document cap per read, must be closed completely by one run of the
 * cutoff job (every order CONFIRMED — by the CLOSED wave, not by a write — the wave CLOSED, the totals counting all of them). The
 * orders are written straight into the double, shaped as test/support/harness.ts `givenOrder`
 * writes them (order, order ref, pickup code), through the adapter's `putMany`.
 */
import { describe, expect, it } from 'vitest';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { getProducts } from '#app/catalog/products';
import { keys } from '#app/keys';
import { sealedRecord } from '#app/contacts/sealed';
import { orderFromItem, orderUserIndex } from '#app/orders/model';
import { cutoffJob } from '#app/cutoff/jobs';
import { cutoffKeys } from '#app/cutoff/keys';
import { toBizIso } from '#domain/time';
import { queryAll, type Item } from '#ports/item-store';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';
import { createCloudbaseDouble, MAX_LIMIT } from '../support/cloudbase-double/index.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { withEffectiveStatus } from '#app/orders/effective';

const WAVE = '2026-11-24';
const COMMUNITY = 'c-jingan';
const ORDERS = 2_500;

/** The items `givenOrder` writes for a PAID order, built without a transaction per order. */
async function paidOrderItems(world: TestWorld, count: number): Promise<Item[]> {
  const { deps } = world;
  const products = await getProducts(deps, ['p-rice', 'p-milk']);
  const now = toBizIso(deps.clock.now());
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    const id = deps.ids.newId();
    const contactSealed = deps.contacts.encrypt(JSON.stringify({ name: '张三', phone: '13912345678' }), sealedRecord.orderContact(id));
    // Distinct 8-digit codes (random ones would collide now and then at this volume).
    const code = String(10_000_000 + i);
    const lines = [...products.values()].map((p) => ({
      productId: p.id,
      title: p.title,
      qty: 1 + (i % 3),
      unitPriceFen: p.priceFen,
      paidFen: p.priceFen * (1 + (i % 3)),
      fresh: p.fresh,
      commissionRate: p.commissionRate ?? 0.1,
      supplierId: p.supplierId,
      flash: false,
    }));
    const payable = lines.reduce((s, l) => s + l.paidFen, 0);
    const order = {
      id,
      shortNo: id.slice(-6),
      communityId: COMMUNITY,
      waveDate: WAVE,
      userId: `u-${i % 700}`,
      status: 'PAID',
      lines,
      amounts: { goodsFen: payable, memberDiscountFen: 0, couponFen: 0, firstOrderFen: 0, pointsFen: 0, payableFen: payable },
      pointsUsed: 0,
      firstOrder: false,
      contactSealed,
      contactMasked: '张*',
      phoneTail: '5678',
      requestId: id,
      createdAt: now,
      payBy: toBizIso(Date.parse(now) + 15 * 60_000),
      paidAt: now,
      transactionId: `tx-${id}`,
      pickupCode: code,
      refunds: [],
    };
    items.push(
      { ...keys.order(COMMUNITY, WAVE, id), ...orderUserIndex(order), ...order },
      { ...keys.orderRef(id), communityId: COMMUNITY, waveDate: WAVE, userId: order.userId },
      { ...keys.pickupCode(COMMUNITY, code), orderId: id, waveDate: WAVE, issuedAt: now },
    );
  }
  return items;
}

describe('cutoff on the CloudBase store', () => {
  it(`closes a community with ${ORDERS} paid orders completely (reads paged past the ${MAX_LIMIT}-document cap)`, { timeout: 600_000 }, async () => {
    // Prepare: the demo data and the orders in a CloudBase double, the clock at the day's orders.
    const double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
    try {
      const store = createCloudbaseItemStore({ db: double.db });
      const world = await makeWorld({ now: `${WAVE}T12:00:00+08:00`, store });
      await store.putMany(await paidOrderItems(world, ORDERS));
      expect(await queryAll(store, { ...keys.ordersOfWave(COMMUNITY, WAVE) })).toHaveLength(ORDERS);

      // Act: the timer's run at the cutoff time (no date: what is due comes from the clock and data).
      world.clock.set(`${WAVE}T22:00:00+08:00`);
      const summary = (await cutoffJob.run(world.deps, {})) as { complete: boolean; ordersConfirmed: number; waves: { date: string }[] };

      // Assert: every order CONFIRMED, the wave CLOSED with all of them counted.
      expect(summary).toMatchObject({ complete: true, ordersConfirmed: ORDERS });
      expect(summary.waves.map((w) => w.date)).toEqual([WAVE]);
      const stored = (await queryAll(store, { ...keys.ordersOfWave(COMMUNITY, WAVE), consistent: true })).map(orderFromItem);
      // No paid order was written: CONFIRMED follows from the CLOSED wave (issue 19).
      expect(stored.filter((o) => o.status !== 'PAID')).toEqual([]);
      const after = await withEffectiveStatus(world.deps, stored);
      expect(after).toHaveLength(ORDERS);
      const notConfirmed = after.filter((o) => o.status !== 'CONFIRMED');
      expect(notConfirmed.map((o) => `${o.id}: ${o.status}`)).toEqual([]);
      expect(await store.get(keys.communityWave(COMMUNITY, WAVE))).toMatchObject({ status: 'CLOSED', orders: ORDERS });
      expect(await store.get(cutoffKeys.part(WAVE, COMMUNITY))).toMatchObject({ orders: ORDERS });

      // A second run changes nothing.
      const again = (await cutoffJob.run(world.deps, {})) as { ordersConfirmed: number };
      expect(again.ordersConfirmed).toBe(0);
    } finally {
      double.uninstall();
    }
  });
});
