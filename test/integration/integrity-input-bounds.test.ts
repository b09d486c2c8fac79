import { describe, expect, it } from 'vitest';
import { keys } from '#app/keys';
import { queryAll } from '#ports/item-store';
import { upsertCouponCommand, upsertLeaderCommand, upsertProductCommand } from '#app/admin/commands';
import { placeCommand } from '#app/orders/commands';
import { withdrawCommand } from '#app/settle/commands';
import { MAX_STAFF_FEN, MAX_STAFF_UNITS } from '#app/catalog/schemas';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { call } from '#test/calls';

/** Issue 12 item 6: staff money and count fields have upper bounds; contact names refuse control and bidi characters. */

const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e) => ({ code: e.code, paths: [...new Set((e.details?.issues ?? []).map((i: { path: string }) => i.path))] }));

const product = (over: Record<string, unknown> = {}) => ({ id: 'p-bounds', title: '测试', category: '粮油', priceFen: 1000, supplierId: 's-1', fresh: false, ...over });
const flash = (over: Record<string, unknown> = {}) => ({ priceFen: 500, stock: 10, startsAt: '2026-11-24T10:00:00+08:00', endsAt: '2026-11-24T12:00:00+08:00', perUserLimit: 1, ...over });

describe('staff money and count fields have upper bounds', () => {
  it('products: ¥100,000 and 1,000,000 units are accepted, one more is VALIDATION_FAILED naming the field and nothing is written', async () => {
    const w = await makeWorld();
    const cases: [Record<string, unknown>, string][] = [
      [{ priceFen: MAX_STAFF_FEN + 1 }, 'priceFen'],
      [{ memberPriceFen: MAX_STAFF_FEN + 1, priceFen: MAX_STAFF_FEN }, 'memberPriceFen'],
      [{ costFen: MAX_STAFF_FEN + 1 }, 'costFen'],
      [{ stockPerWave: MAX_STAFF_UNITS + 1 }, 'stockPerWave'],
      [{ perUserLimit: MAX_STAFF_UNITS + 1 }, 'perUserLimit'],
      [{ supplierCapacity: MAX_STAFF_UNITS + 1 }, 'supplierCapacity'],
      [{ flashSale: flash({ priceFen: MAX_STAFF_FEN + 1 }) }, 'flashSale.priceFen'],
      [{ flashSale: flash({ stock: MAX_STAFF_UNITS + 1 }) }, 'flashSale.stock'],
      [{ flashSale: flash({ perUserLimit: MAX_STAFF_UNITS + 1 }) }, 'flashSale.perUserLimit'],
      [{ priceFen: 1e300 }, 'priceFen'],
    ];
    for (const [over, path] of cases) {
      await expect(refusal(call(w, upsertProductCommand, product(over), 'staff-1'))).resolves.toEqual({ code: 'VALIDATION_FAILED', paths: [path] });
    }
    expect(await w.store.get(keys.product('p-bounds'))).toBeUndefined();

    const max = { priceFen: MAX_STAFF_FEN, costFen: MAX_STAFF_FEN, stockPerWave: MAX_STAFF_UNITS, perUserLimit: MAX_STAFF_UNITS, supplierCapacity: MAX_STAFF_UNITS, flashSale: flash({ priceFen: MAX_STAFF_FEN, stock: MAX_STAFF_UNITS, perUserLimit: MAX_STAFF_UNITS }) };
    await expect(call(w, upsertProductCommand, product(max), 'staff-1')).resolves.toMatchObject({ id: 'p-bounds', priceFen: MAX_STAFF_FEN });
  });

  it('coupons and withdrawals: amounts above ¥100,000 are VALIDATION_FAILED', async () => {
    const w = await makeWorld();
    const coupon = { id: 'cp-bounds', title: '券', kind: 'fixed', valueFen: 100, thresholdFen: 0, validFrom: '2026-11-01T00:00:00+08:00', validTo: '2026-12-31T00:00:00+08:00' };
    await expect(refusal(call(w, upsertCouponCommand, { ...coupon, valueFen: MAX_STAFF_FEN + 1 }, 'staff-1'))).resolves.toEqual({ code: 'VALIDATION_FAILED', paths: ['valueFen'] });
    await expect(refusal(call(w, upsertCouponCommand, { ...coupon, thresholdFen: MAX_STAFF_FEN + 1 }, 'staff-1'))).resolves.toEqual({ code: 'VALIDATION_FAILED', paths: ['thresholdFen'] });
    expect(await w.store.get(keys.coupon('cp-bounds'))).toBeUndefined();
    await expect(refusal(call(w, withdrawCommand, { requestId: 'r-big', amountFen: MAX_STAFF_FEN + 1 }, 'demo-leader-jingan'))).resolves.toEqual({ code: 'VALIDATION_FAILED', paths: ['amountFen'] });
  });
});

describe('contact names refuse control and bidi characters', () => {
  const bad = ['\u0000', '\u0007', '\n', '\u001f', '\u007f', '\u0085', '\u009f', '\u200e', '\u200f', '\u202a', '\u202e', '\u2066', '\u2069'];

  it('placing an order: VALIDATION_FAILED naming contact.name, and no order', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    for (const [i, c] of bad.entries()) {
      const input = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], requestId: `r-bidi-${i}`, contact: { name: `张${c}三`, phone: '13912345678' } };
      await expect(refusal(call(w, placeCommand, input, 'u-bidi'))).resolves.toEqual({ code: 'VALIDATION_FAILED', paths: ['contact.name'] });
    }
    expect(await queryAll(w.store, { index: 'gsi1', pk: 'U#u-bidi', prefix: 'O#' })).toEqual([]);
    const ok = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], requestId: 'r-ok', contact: { name: '欧阳 娜娜', phone: '13912345678' } };
    await expect(call(w, placeCommand, ok, 'u-bidi')).resolves.toMatchObject({ order: { contact: { name: '欧阳 娜娜' } } });
  });

  it('onboarding a leader: the same rule for the leader’s name', async () => {
    const w = await makeWorld();
    const input = { id: 'l-bidi', openid: 'openid-bidi', name: '王\u202e芳', phone: '13800007777', communityId: 'c-jingan' };
    await expect(refusal(call(w, upsertLeaderCommand, input, 'staff-1'))).resolves.toEqual({ code: 'VALIDATION_FAILED', paths: ['name'] });
    expect(await w.store.get(keys.leader('l-bidi'))).toBeUndefined();
  });
});
