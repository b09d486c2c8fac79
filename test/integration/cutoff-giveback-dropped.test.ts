import { describe, expect, it } from 'vitest';
import { keys } from '#app/keys';
import { findOrder } from '#app/orders/model';
import { settleOrderAtCutoff } from '#app/cutoff/settle-order';
import { makeWorld } from '../support/harness.ts';
import { unpaidWithHolds } from '#test/order-fixtures';

/**
 * Cutoff of an unpaid order whose give-back counters do not hold what it took (bad data): the
 * order still leaves PENDING_PAYMENT (the wave must close), without the failing give-backs and
 * with every other one (cutoff/settle-order.ts names the failed give-back by its guard).
 */
describe('cutoff cancels an unpaid order even when a give-back condition fails', () => {
  it('drops exactly the give-backs whose counters no longer hold what the order took, and gives the rest back once', async () => {
    const date = '2026-11-24';
    const w = await makeWorld({ now: `${date}T10:00:00+08:00` });
    const order = await unpaidWithHolds(w, 'c-jingan', 'u-bad-data', date, { flash: true });
    // Bad data: the wave stock and one flash shard were reset behind the order's back.
    const eggsSold = Number((await w.store.get(keys.waveStock('p-eggs', date)))?.sold);
    await w.store.write({ type: 'update', key: keys.waveStock('p-eggs', date), update: { set: { sold: 1 } } });
    await w.store.write({ type: 'update', key: keys.flashStock('p-strawberry', 'flash-strawberry', 3), update: { set: { sold: 0 } } });
    expect(eggsSold).toBeGreaterThanOrEqual(2);

    const done = await settleOrderAtCutoff(w.deps, order);
    expect(done.did).toBe('cancelled');
    expect(await findOrder(w.deps, order.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUTOFF_UNPAID' });
    // The failing give-backs were left out…
    expect((await w.store.get(keys.waveStock('p-eggs', date)))?.sold).toBe(1);
    expect((await w.store.get(keys.flashStock('p-strawberry', 'flash-strawberry', 3)))?.sold).toBe(0);
    // …and every other one happened, once.
    expect((await w.store.get(keys.flashStock('p-strawberry', 'flash-strawberry', 0)))?.sold).toBe(0);
    expect((await w.store.get(keys.userLimit('u-bad-data', date, 'p-eggs')))?.count).toBe(0);
    expect((await w.store.get(keys.userLimit('u-bad-data', 'FLASH-flash-strawberry', 'p-strawberry')))?.count).toBe(0);
    expect(await w.store.get(keys.userCoupon('u-bad-data', 'cpn-100-10'))).toMatchObject({ status: 'available' });
    expect(await w.store.get(keys.user('u-bad-data'))).toMatchObject({ points: 1000 });
    expect((await w.store.get(keys.user('u-bad-data')))?.firstOrderClaimedBy).toBeUndefined();

    // A second run changes nothing (the order is no longer unpaid).
    expect((await settleOrderAtCutoff(w.deps, order)).did).toBeUndefined();
    expect(await w.store.get(keys.user('u-bad-data'))).toMatchObject({ points: 1000 });
  });
});
