import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { codeOf } from '#test/errors';
import { findOrder, orderKey, orderView } from '#app/orders/model';
import { phoneIndexOp } from '#app/admin-orders/phone-index';
import { adminOrderKeys } from '#app/admin-orders/keys';
import { openContact } from '#app/privacy/contacts';
import { privacyKeys } from '#app/privacy/keys';
import { retentionJob } from '#app/privacy/retention';
import { deleteAccountCommand } from '#app/privacy/commands';
import { ensureProfile } from '#app/users';
import { queryAll } from '#ports/item-store';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';

// Retention (issue 20 item 5): a sealed contact is destroyed `contactRetentionDays` after its
// order finished; the clock walks past the period.

const XJH = 'c-xujiahui';
const CONTACT = { name: '上官婉儿', phone: '13500005555' };

async function finished(w: TestWorld, input: { status: 'PICKED_UP' | 'CANCELLED' | 'ARRIVED'; waveDate: string; at: string }) {
  const o = await givenOrder(w, {
    communityId: XJH,
    userId: 'u-ret',
    waveDate: input.waveDate,
    status: input.status,
    lines: [{ productId: 'p-rice', qty: 1 }],
    contact: CONTACT,
    ...(input.status === 'PICKED_UP' ? { pickedUpAt: input.at } : {}),
  });
  if (input.status === 'CANCELLED') await w.store.write({ type: 'update', key: orderKey(o), update: { set: { cancelledAt: input.at } } });
  await w.store.write(phoneIndexOp(w.deps, o, CONTACT.phone).op);
  return o;
}
const opens = async (w: TestWorld, id: string) => openContact(w.deps, (await findOrder(w.deps, id))!) !== undefined;

describe('contact retention', () => {
  it('destroys sealed contacts of orders finished more than contactRetentionDays ago (not a day earlier), keeps the masked ones, and a second run finds nothing', async () => {
    const w = await makeWorld({ now: '2026-05-02T10:00:00+08:00', settings: { contactRetentionDays: 180 } });
    const picked = await finished(w, { status: 'PICKED_UP', waveDate: '2026-04-29', at: '2026-04-30T18:00:00+08:00' });
    const cancelled = await finished(w, { status: 'CANCELLED', waveDate: '2026-04-30', at: '2026-04-30T20:00:00+08:00' });
    const open = await finished(w, { status: 'ARRIVED', waveDate: '2026-04-29', at: '' });
    const recent = await finished(w, { status: 'PICKED_UP', waveDate: '2026-06-01', at: '2026-06-02T18:00:00+08:00' });

    // 179 days after: nothing yet.
    w.clock.set('2026-10-26T18:00:00+08:00');
    expect(await retentionJob.run(w.deps, {})).toMatchObject({ destroyed: 0 });
    for (const o of [picked, cancelled, open, recent]) expect(await opens(w, o.id)).toBe(true);

    // 180 days and a bit after the pickup and the cancellation: both gone, the others kept.
    w.clock.set('2026-10-28T21:00:00+08:00');
    expect(await retentionJob.run(w.deps, {})).toMatchObject({ destroyed: 2 });
    for (const o of [picked, cancelled]) {
      const after = (await findOrder(w.deps, o.id))!;
      expect(after.contactSealed).toBeUndefined();
      expect(openContact(w.deps, after)).toBeUndefined();
      // The old sealed value cannot be opened from anywhere: it is not in the store any more.
      expect(JSON.stringify(await w.store.get(orderKey(o)))).not.toContain(o.contactSealed);
      // Views fall back to the masked name and the phone's last four digits (kept for the merchant's reports).
      expect(after.contactMasked).toMatch(/^上\*+$/);
      expect(orderView(w.deps, after, 'staff').contact).toEqual({ name: after.contactMasked, phoneTail: '5555' });
    }
    expect(await opens(w, open.id)).toBe(true);
    expect(await opens(w, recent.id)).toBe(true);
    // The blind-index items of the destroyed contacts are gone too.
    const index = await queryAll(w.store, { pk: adminOrderKeys.phoneOrder(phoneIndexOf(w), '', '').pk });
    expect(index.map((i) => i.orderId).sort()).toEqual([open.id, recent.id].sort());
    // The checkpoint sits before the order still waiting for pickup; a second run destroys nothing.
    expect((await w.store.get(privacyKeys.retention(XJH)))!.through).toBe('2026-04-28');
    expect(await retentionJob.run(w.deps, {})).toMatchObject({ destroyed: 0 });

    // Walk on: the recent one falls due 180 days after its pickup.
    w.clock.set('2026-12-01T00:00:00+08:00');
    expect(await retentionJob.run(w.deps, {})).toMatchObject({ destroyed: 1 });
    expect(await opens(w, recent.id)).toBe(false);
    expect(await opens(w, open.id)).toBe(true);
  });

  it('erasure is refused while an order is paid and not picked up, or in after-sales', async () => {
    const w = await makeWorld({ now: '2026-11-25T10:00:00+08:00' });
    const call = (openid: string) => dispatch(deleteAccountCommand, { confirm: 'DELETE' }, { kind: 'openid', openid }, w.deps).catch(codeOf);
    for (const [user, status] of [['u-paid', 'PAID'], ['u-confirmed', 'CONFIRMED'], ['u-arrived', 'ARRIVED']] as const) {
      await ensureProfile(w.deps, user);
      await givenOrder(w, { communityId: XJH, userId: user, waveDate: '2026-11-24', status, lines: [{ productId: 'p-rice', qty: 1 }] });
      expect(await call(user)).toBe('INVALID_STATE');
    }
    await ensureProfile(w.deps, 'u-as');
    const o = await givenOrder(w, { communityId: XJH, userId: 'u-as', waveDate: '2026-11-24', status: 'PICKED_UP', pickedUpAt: '2026-11-25T09:00:00+08:00', lines: [{ productId: 'p-rice', qty: 1 }] });
    await w.store.write({ type: 'update', key: orderKey(o), update: { set: { claimedQty: { 'p-rice': 1 }, afterSalesRev: 1 } } });
    expect(await call('u-as')).toBe('INVALID_STATE');
    expect(await findOrder(w.deps, o.id)).toMatchObject({ userId: 'u-as', contactSealed: o.contactSealed });
    // Decided and refunded: no longer in after-sales.
    await w.store.write({ type: 'update', key: orderKey(o), update: { set: { refundedQty: { 'p-rice': 1 }, afterSalesRev: 2 } } });
    expect(await call('u-as')).toEqual({ deleted: true });
  });
});

function phoneIndexOf(w: TestWorld) {
  return phoneIndexOp(w.deps, { id: 'x', communityId: XJH, waveDate: '2026-01-01', createdAt: '' }, CONTACT.phone).phoneIndex;
}
