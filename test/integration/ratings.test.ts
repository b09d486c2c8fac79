import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { codeOf } from '#test/errors';
import { orderKeys } from '#app/orders/keys';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';

/**
 * Issue 17 item 8 (DESIGN.md §13): a customer rates a picked-up order once (1–5, tags).
 * Through dispatch on DynamoDB Local.
 */
const D = '2026-11-24';
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps) as Promise<any>;
const error = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

describe('ratings', () => {
  it('once per picked-up order of the caller: a second is ALREADY_DONE, racing ones store one, others\' orders NOT_FOUND, not picked up INVALID_STATE, bad stars VALIDATION_FAILED', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const lines = [{ productId: 'p-rice', qty: 1 }];
    const picked = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-1', waveDate: D, status: 'PICKED_UP', pickedUpAt: `${D}T18:00:00+08:00`, lines });
    const arrived = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-1', waveDate: D, status: 'ARRIVED', lines });
    const racing = await givenOrder(w, { communityId: 'c-jingan', userId: 'u-1', waveDate: D, status: 'PICKED_UP', pickedUpAt: `${D}T18:00:00+08:00`, lines });
    const rate = (who: string, id: string, body: Record<string, unknown>) => as(w, who, 'order.rate', { id, ...body });

    for (const stars of [0, 6, 2.5]) expect(codeOf(await error(rate('u-1', picked.id, { stars })))).toBe('VALIDATION_FAILED');
    expect(codeOf(await error(rate('u-2', picked.id, { stars: 5 })))).toBe('NOT_FOUND');
    expect(codeOf(await error(rate('u-1', 'no-such-order', { stars: 5 })))).toBe('NOT_FOUND');
    expect(codeOf(await error(rate('u-1', arrived.id, { stars: 5 })))).toBe('INVALID_STATE');
    expect(await w.store.get(orderKeys.rating(picked.id))).toBeUndefined();
    expect(await w.store.get(orderKeys.rating(arrived.id))).toBeUndefined();

    expect(await rate('u-1', picked.id, { stars: 2, tags: ['不新鲜'] })).toEqual({ orderId: picked.id, stars: 2, tags: ['不新鲜'], ratedAt: `${D}T10:00:00+08:00` });
    const again = await error(rate('u-1', picked.id, { stars: 5 }));
    expect(codeOf(again)).toBe('ALREADY_DONE');
    expect(await w.store.get(orderKeys.rating(picked.id), { consistent: true })).toMatchObject({ stars: 2, tags: ['不新鲜'], userId: 'u-1', communityId: 'c-xujiahui' });

    // Two at once: exactly one stored, the other ALREADY_DONE.
    const both = await Promise.allSettled([rate('u-1', racing.id, { stars: 1 }), rate('u-1', racing.id, { stars: 5 })]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(both.filter((r) => r.status === 'rejected').map((r) => codeOf((r as PromiseRejectedResult).reason))).toEqual(['ALREADY_DONE']);
    const stored = await w.store.get(orderKeys.rating(racing.id), { consistent: true });
    expect(stored!.stars).toBe((both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<any>).value.stars);
  });
});

describe('ratings and the customer\'s personal-information rights', () => {
  it('the export lists the ratings the customer gave (no one else\'s); deleting the account keeps the rating without the customer', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const lines = [{ productId: 'p-rice', qty: 1 }];
    const mine = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-rater', waveDate: D, status: 'PICKED_UP', pickedUpAt: `${D}T18:00:00+08:00`, lines });
    const theirs = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-other', waveDate: D, status: 'PICKED_UP', pickedUpAt: `${D}T18:00:00+08:00`, lines });
    await as(w, 'u-rater', 'order.rate', { id: mine.id, stars: 4, tags: ['新鲜'] });
    await as(w, 'u-other', 'order.rate', { id: theirs.id, stars: 1 });

    const exported = await as(w, 'u-rater', 'auth.export', {});
    expect(exported.ratings).toEqual([expect.objectContaining({ orderId: mine.id, stars: 4, tags: ['新鲜'], userId: 'u-rater' })]);

    await as(w, 'u-rater', 'auth.deleteAccount', { confirm: 'DELETE' });
    const kept = await w.store.get(orderKeys.rating(mine.id), { consistent: true });
    expect(kept).toMatchObject({ orderId: mine.id, stars: 4, communityId: 'c-xujiahui' });
    expect(JSON.stringify(kept)).not.toContain('u-rater');
    expect(await w.store.get(orderKeys.rating(theirs.id), { consistent: true })).toMatchObject({ userId: 'u-other' });
  });
});
