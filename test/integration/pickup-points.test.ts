import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { orderKey } from '#app/orders/model';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';

/**
 * Issue 17 item 2 (DESIGN.md §13): a pickup point's opening hours and closed days. Pickup
 * deadlines end at the point's closing time on the last day and skip its closed days; a point
 * without hours keeps the setting `pickupClosesAt` and counts every day. Through dispatch on
 * DynamoDB Local.
 */
const D = '2026-11-26'; // Thursday's wave; the goods arrive on Friday 2026-11-27
const XJH = 'c-xujiahui';
const JA = 'c-jingan';
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps) as Promise<any>;
const error = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

async function editable(w: TestWorld, id: string) {
  const { name, address, region, location, routeId } = (await w.store.get(keys.community(id)))!;
  return { id, name, address, region, location, routeId };
}

describe('pickup points: opening hours and closed days', () => {
  it('arrival on a Friday with Sunday closed and 3 pickup days: the deadline skips Sunday and ends at the closing time; a point without hours keeps pickupClosesAt', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, settings: { pickupDays: 3, pickupClosesAt: '22:00' } });
    const xjh = await editable(w, XJH);

    // Bad hours change nothing.
    for (const hours of [
      { opens: '21:00', closes: '08:00' },
      { opens: '8:00', closes: '21:00' },
      { opens: '08:00', closes: '21:00', closedDays: [7] },
      { opens: '08:00', closes: '21:00', closedDays: [0, 0] },
      { opens: '08:00', closes: '21:00', closedDays: [0, 1, 2, 3, 4, 5, 6] },
    ])
      expect(codeOf(await error(as(w, 'staff-1', 'admin.updateCommunity', { ...xjh, hours })))).toBe('VALIDATION_FAILED');
    expect((await w.store.get(keys.community(XJH)))!.hours).toBeUndefined();

    const hours = { opens: '08:00', closes: '21:00', closedDays: [0] };
    expect((await as(w, 'staff-1', 'admin.updateCommunity', { ...xjh, hours })).hours).toEqual(hours);
    expect((await as(w, 'u-1', 'order.communities', {})).find((c: any) => c.id === XJH).hours).toEqual(hours);

    const rice = [{ productId: 'p-rice', qty: 1 }];
    const here = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: D, status: 'CONFIRMED', lines: rice });
    const there = await givenOrder(w, { communityId: JA, userId: 'u-2', waveDate: D, status: 'CONFIRMED', lines: rice });
    for (const c of [XJH, JA]) await w.store.write({ type: 'put', item: { ...keys.communityWave(c, D), status: 'CLOSED' } });

    w.clock.set('2026-11-27T16:00:00+08:00'); // Friday
    const arrived = await as(w, 'staff-1', 'verify.arrival', { communityId: XJH, waveDate: D });
    // Saturday, (Sunday closed), Monday, Tuesday → Tuesday 21:00.
    expect(arrived.pickupDeadline).toBe('2026-12-01T21:00:00+08:00');
    expect((await w.store.get(orderKey(here), { consistent: true }))!.pickupDeadline).toBe('2026-12-01T21:00:00+08:00');

    const plain = await as(w, 'staff-1', 'verify.arrival', { communityId: JA, waveDate: D });
    expect(plain.pickupDeadline).toBe('2026-11-30T22:00:00+08:00');
    expect((await w.store.get(orderKey(there), { consistent: true }))!.pickupDeadline).toBe('2026-11-30T22:00:00+08:00');
  });
});
