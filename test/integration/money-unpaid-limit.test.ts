import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { cancelCommand, expireJob, placeCommand } from '#app/orders/commands';
import { keys } from '#app/keys';
import { findOrder } from '#app/orders/model';
import { settleOrderAtCutoff } from '#app/cutoff/settle-order';
import { isAppError } from '#domain/errors';
import { codeOf } from '#test/errors';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { pay } from '#test/calls';

/** Issue 12 item 8: at most 3 unpaid orders per customer at once; a fourth is RATE_LIMITED (429). */

const contact = { name: '张三', phone: '13912345678' };
let n = 0;
const rid = () => `lim-${n++}`;
const basket = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }] };

const place = (w: TestWorld, openid: string, requestId = rid()) =>
  dispatch(placeCommand, { requestId, contact, ...basket }, { kind: 'openid', openid }, w.deps) as Promise<any>;

const unpaidCount = async (w: TestWorld, user: string) => Number((await w.store.get(keys.unpaidOrders(user)))?.count ?? 0);

describe('at most 3 unpaid orders per customer', () => {
  it('10 simultaneous placements by one customer: exactly 3 succeed, the other 7 are RATE_LIMITED (429)', async () => {
    const w = await makeWorld();
    // Not a new customer: concurrent first-order discount claims would refuse each other (INVALID_STATE).
    await w.store.write({ type: 'update', key: keys.user('u-burst'), update: { set: { id: 'u-burst', points: 0, firstPaidOrderId: 'earlier' } } });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        place(w, 'u-burst').then(
          (r) => ({ ok: true as const, id: r.order.id as string }),
          (e) => ({ ok: false as const, code: codeOf(e), status: isAppError(e) ? e.status : 0 }),
        ),
      ),
    );
    const placed = results.filter((r) => r.ok);
    expect(placed).toHaveLength(3);
    expect(results.filter((r) => !r.ok)).toEqual(Array.from({ length: 7 }, () => ({ ok: false, code: 'RATE_LIMITED', status: 429 })));
    expect(await unpaidCount(w, 'u-burst')).toBe(3);
    const mine = await w.store.query({ index: 'gsi1', pk: 'U#u-burst' });
    expect(mine.items).toHaveLength(3);
    // Another customer is not limited by this one.
    expect((await place(w, 'u-someone-else')).order.status).toBe('PENDING_PAYMENT');
  }, 60_000);

  it('the slot comes back exactly once when an unpaid order is paid, cancelled, expired or cancelled at cutoff', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const user = 'u-slots';
    const [a, b, c] = [(await place(w, user)).order, (await place(w, user)).order, (await place(w, user)).order];
    expect(await unpaidCount(w, user)).toBe(3);
    expect(codeOf(await place(w, user).catch((e) => e))).toBe('RATE_LIMITED');

    // Paid: one slot back; a repeated notification gives back nothing more.
    expect((await pay(w, a, user)).status).toBe(200);
    expect((await pay(w, a, user)).status).toBe(200);
    expect(await unpaidCount(w, user)).toBe(2);
    // Cancelling the paid order later does not give a slot back a second time.
    await dispatch(cancelCommand, { id: a.id }, { kind: 'openid', openid: user }, w.deps);
    expect(await unpaidCount(w, user)).toBe(2);

    // Cancelled by the customer: one slot back, once (a second cancel is ALREADY_DONE).
    await dispatch(cancelCommand, { id: b.id }, { kind: 'openid', openid: user }, w.deps);
    expect(codeOf(await dispatch(cancelCommand, { id: b.id }, { kind: 'openid', openid: user }, w.deps).catch((e) => e))).toBe('ALREADY_DONE');
    expect(await unpaidCount(w, user)).toBe(1);

    // Expired by the job (run twice at once): one slot back.
    w.clock.advance(16 * 60_000);
    await Promise.all([expireJob.run(w.deps, {}), expireJob.run(w.deps, {})]);
    expect((await findOrder(w.deps, c.id))?.cancelReason).toBe('PAYMENT_TIMEOUT');
    expect(await unpaidCount(w, user)).toBe(0);

    // Cancelled at cutoff (unpaid): one slot back, and a second settle changes nothing.
    const d = (await place(w, user)).order;
    expect(await unpaidCount(w, user)).toBe(1);
    const stored = (await findOrder(w.deps, d.id))!;
    expect((await settleOrderAtCutoff(w.deps, stored)).did).toBe('cancelled');
    expect((await settleOrderAtCutoff(w.deps, stored)).did).toBeUndefined();
    expect(await unpaidCount(w, user)).toBe(0);

    // A payment after the pay window (order cancelled in the same write) gives the slot back once too.
    const e = (await place(w, user)).order;
    w.clock.advance(16 * 60_000);
    expect((await pay(w, e, user)).status).toBe(200);
    expect((await findOrder(w.deps, e.id))?.status).toBe('CANCELLED');
    expect(await unpaidCount(w, user)).toBe(0);

    // With every slot free again, three new unpaid orders fit and a fourth does not.
    for (let i = 0; i < 3; i++) await place(w, user);
    expect(codeOf(await place(w, user).catch((x) => x))).toBe('RATE_LIMITED');
  }, 60_000);

  it('a refused fourth order holds nothing, and replaying an earlier requestId still answers it', async () => {
    const w = await makeWorld();
    const user = 'u-replay-at-limit';
    const first = await place(w, user, 'keep-1');
    await place(w, user);
    await place(w, user);
    const stockBefore = (await w.store.get(keys.waveStock('p-rice', first.order.waveDate)))?.sold;
    expect(codeOf(await place(w, user).catch((e) => e))).toBe('RATE_LIMITED');
    expect((await w.store.get(keys.waveStock('p-rice', first.order.waveDate)))?.sold).toEqual(stockBefore);
    expect(await unpaidCount(w, user)).toBe(3);
    const again = await place(w, user, 'keep-1');
    expect(again.order.id).toBe(first.order.id);
    expect(again.payment).toEqual(first.payment);
  });
});
