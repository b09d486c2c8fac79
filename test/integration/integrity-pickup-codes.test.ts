import { describe, expect, it } from 'vitest';
import { CSV } from '#platform/http';
import { keys } from '#app/keys';
import { cutoffKeys } from '#app/cutoff/keys';
import { pickListsCommand } from '#app/cutoff/commands';
import { getOrderCommand, listOrdersCommand } from '#app/orders/commands';
import { arrivalCommand, batchCommand, leaderOrdersCommand, redeemCommand } from '#app/verify/commands';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';
import { call } from '#test/calls';

/** Issue 12 item 7 through the use cases: no leader or staff view, no pick list, carries a pickup code. */

const WAVE = '2026-11-24';
const XJH = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';

describe('pickup codes in views', () => {
  it('the owner gets code and QR payload; staff, leader, redeem and batch answers never do', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const a = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: WAVE, status: 'CONFIRMED', lines: [{ productId: 'p-rice', qty: 1 }] });
    const b = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: WAVE, status: 'CONFIRMED', lines: [{ productId: 'p-eggs', qty: 1 }] });
    const codes = [a.pickupCode!, b.pickupCode!];

    await expect(call(w, getOrderCommand, { id: a.id }, 'u-1')).resolves.toMatchObject({ pickupCode: a.pickupCode, pickupQr: `GB1:${XJH}:${a.pickupCode}` });
    const mine = await call(w, listOrdersCommand, {}, 'u-1');
    expect(mine.items.map((o: any) => o.pickupQr).sort()).toEqual(codes.map((c) => `GB1:${XJH}:${c}`).sort());

    const noCode = (view: unknown) => {
      const text = JSON.stringify(view);
      for (const c of codes) expect(text).not.toContain(c);
      expect(text).not.toMatch(/pickupCode|pickupQr/);
    };
    noCode(await call(w, getOrderCommand, { id: a.id }, 'staff-1'));
    noCode(await call(w, getOrderCommand, { id: a.id }, LEADER));

    w.clock.set('2026-11-25T16:00:00+08:00');
    await w.store.write({ type: 'put', item: { ...keys.communityWave(XJH, WAVE), status: 'CLOSED' } });
    await call(w, arrivalCommand, { communityId: XJH, waveDate: WAVE }, LEADER);
    const listed = await call(w, leaderOrdersCommand, { waveDate: WAVE }, LEADER);
    expect(listed.items.map((o: any) => o.shortNo).sort()).toEqual([a.shortNo, b.shortNo].sort());
    noCode(listed);
    noCode(await call(w, redeemCommand, { communityId: XJH, code: a.pickupCode }, LEADER));
    const batch = await call(w, batchCommand, { communityId: XJH, codes: [b.pickupCode] }, LEADER);
    expect(batch.redeemed).toHaveLength(1);
    noCode(batch.redeemed);
  });

  it('a pick list stored with codes by an older cutoff is served without them (JSON and CSV)', async () => {
    const w = await makeWorld({ now: '2026-11-25T10:00:00+08:00' });
    const label = { shortNo: 'A00001', contactName: '张*', phoneTail: '5678', pickupCode: '87654321', lines: [{ title: '五常大米 5kg', qty: 1 }] };
    await w.store.write({
      type: 'put',
      item: { ...cutoffKeys.pick(WAVE, XJH, 0), communityId: XJH, name: '徐家汇花园', chunk: 0, chunks: 1, products: [{ productId: 'p-rice', title: '五常大米 5kg', qty: 1 }], labels: [label] },
    });
    const json = await call(w, pickListsCommand, { date: WAVE, communityId: XJH }, 'staff-1');
    expect(json.lists[0].labels).toEqual([{ shortNo: 'A00001', contactName: '张*', phoneTail: '5678', lines: [{ title: '五常大米 5kg', qty: 1 }] }]);
    const csv = await call(w, pickListsCommand, { date: WAVE, communityId: XJH, format: 'csv' }, 'staff-1');
    expect(csv[CSV]).toContain('A00001');
    expect(csv[CSV]).not.toContain('87654321');
  });
});
