import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { placeCommand } from '#app/orders/commands';
import { applyPayment } from '#app/orders/pay';
import { customersCommand, moveCustomerCommand } from '#app/verify/commands';
import { shareCardCommand } from '#app/share/commands';
import { findOrder } from '#app/orders/model';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { call } from '#test/calls';

/**
 * Issue 17 item 3 (用户管理, anti-poaching), through the real place → pay path on DynamoDB Local:
 * a customer is bound to the leader of their first paid order's community; `GET /leader/customers`
 * lists a leader's own bound customers, masked (never the full phone); another leader — also
 * where the customer later orders — sees none of them.
 */
const XJH = 'c-xujiahui';
const JINGAN = 'c-jingan';
const LEADER_A = 'demo-leader-xujiahui';
const LEADER_B = 'demo-leader-jingan';

let n = 0;
async function paidOrder(w: TestWorld, userId: string, communityId: string, phone: string, name = '王小明') {
  const placed = await call(w, placeCommand, { requestId: `r-${++n}`, contact: { name, phone }, communityId, items: [{ productId: 'p-rice', qty: 1 }] }, userId);
  await applyPayment(w.deps, { orderId: placed.order.id, transactionId: `tx-${n}`, amountFen: placed.order.amounts.payableFen, paidAt: '2026-11-24T10:01:00+08:00', tradeState: 'SUCCESS' });
  return placed.order as { id: string; amounts: { payableFen: number } };
}

describe('bound customers', () => {
  it('leader A sees their customers masked with counters; leader B (poaching) sees none of them, even after they order in B\'s community', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const a1 = await paidOrder(w, 'u-a1', XJH, '13912345678');
    w.clock.set('2026-11-24T11:00:00+08:00');
    const a1b = await paidOrder(w, 'u-a1', XJH, '13912345678');
    await paidOrder(w, 'u-a2', XJH, '13800001111', '李四');
    // poaching: A's customer orders in B's community; B's own customer
    w.clock.set('2026-11-24T12:00:00+08:00');
    const poached = await paidOrder(w, 'u-a1', JINGAN, '13912345678');
    await paidOrder(w, 'u-b1', JINGAN, '13700002222', '赵六');

    const listA = await call(w, customersCommand, {}, LEADER_A);
    const byId = Object.fromEntries(listA.items.map((i: { customerId: string }) => [i.customerId, i]));
    expect(Object.keys(byId).sort()).toEqual(['u-a1', 'u-a2']);
    expect(byId['u-a1']).toEqual({
      customerId: 'u-a1',
      name: '王**',
      phoneTail: '5678',
      orders: 3,
      lastOrderAt: '2026-11-24T12:00:00+08:00',
      spendFen: a1.amounts.payableFen + a1b.amounts.payableFen + poached.amounts.payableFen,
    });
    expect(byId['u-a2']).toMatchObject({ name: '李*', phoneTail: '1111', orders: 1 });
    expect(listA.nextCursor).toBeUndefined();
    // never a full phone number
    expect(JSON.stringify(listA)).not.toMatch(/13912345678|13800001111|1391234|1380000/);

    const listB = await call(w, customersCommand, {}, LEADER_B);
    expect(listB.items.map((i: { customerId: string }) => i.customerId)).toEqual(['u-b1']);
    expect(await w.store.get(keys.user('u-a1'))).toMatchObject({ boundLeaderId: 'l-xujiahui', boundCommunityId: XJH });

    // paged
    const page1 = await call(w, customersCommand, { limit: 1 }, LEADER_A);
    expect(page1.items).toHaveLength(1);
    const page2 = await call(w, customersCommand, { limit: 1, cursor: page1.nextCursor }, LEADER_A);
    expect([page1.items[0].customerId, page2.items[0].customerId].sort()).toEqual(['u-a1', 'u-a2']);

    // only leaders
    await expect(call(w, customersCommand, {}, 'u-a1').catch(codeOf)).resolves.toBe('FORBIDDEN');
  });

  it('two first payments at once in two communities bind the customer to one leader, who counts both', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const place = (communityId: string) =>
      call(w, placeCommand, { requestId: `r-${communityId}`, contact: { name: '王小明', phone: '13912345678' }, communityId, items: [{ productId: 'p-rice', qty: 1 }] }, 'u-race');
    const x = (await place(XJH)).order;
    const y = (await place(JINGAN)).order;
    await Promise.all(
      [x, y].map((o, i) => applyPayment(w.deps, { orderId: o.id, transactionId: `tx-race-${i}`, amountFen: o.amounts.payableFen, paidAt: '2026-11-24T10:01:00+08:00', tradeState: 'SUCCESS' })),
    );

    const user = (await w.store.get(keys.user('u-race')))!;
    const [winner, loser] = user.boundLeaderId === 'l-xujiahui' ? [LEADER_A, LEADER_B] : [LEADER_B, LEADER_A];
    expect(['l-xujiahui', 'l-jingan']).toContain(user.boundLeaderId);
    expect((await call(w, customersCommand, {}, winner)).items).toEqual([expect.objectContaining({ customerId: 'u-race', orders: 2 })]);
    expect((await call(w, customersCommand, {}, loser)).items).toEqual([]);
  });

  it('staff move a binding: the customer and their counters leave A\'s list for B\'s, later payments count for B; leaders may not move', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const first = await paidOrder(w, 'u-m', XJH, '13912345678');
    await expect(call(w, moveCustomerCommand, { id: 'u-m', leaderId: 'l-jingan' }, LEADER_B).catch(codeOf)).resolves.toBe('FORBIDDEN');
    await expect(call(w, moveCustomerCommand, { id: 'u-m', leaderId: 'l-nobody' }, 'staff-1').catch(codeOf)).resolves.toBe('NOT_FOUND');
    expect((await call(w, customersCommand, {}, LEADER_A)).items.map((i: { customerId: string }) => i.customerId)).toEqual(['u-m']);

    expect(await call(w, moveCustomerCommand, { id: 'u-m', leaderId: 'l-jingan' }, 'staff-1')).toMatchObject({ customerId: 'u-m', leaderId: 'l-jingan', movedFrom: 'l-xujiahui' });
    expect((await call(w, customersCommand, {}, LEADER_A)).items).toEqual([]);
    expect((await call(w, customersCommand, {}, LEADER_B)).items).toEqual([expect.objectContaining({ customerId: 'u-m', orders: 1, spendFen: first.amounts.payableFen, phoneTail: '5678' })]);

    // an order in A's community now counts for B, the binding stays
    const again = await paidOrder(w, 'u-m', XJH, '13912345678');
    expect((await call(w, customersCommand, {}, LEADER_B)).items).toEqual([expect.objectContaining({ customerId: 'u-m', orders: 2, spendFen: first.amounts.payableFen + again.amounts.payableFen })]);
    expect((await call(w, customersCommand, {}, LEADER_A)).items).toEqual([]);
  });

  it('the binding moves after bindingMoveWaves waves in a row ordered with another leader (an order at home resets the count), counters included', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00', settings: { bindingMoveWaves: 2 } });
    const orders = [await paidOrder(w, 'u-w', XJH, '13912345678')];
    const listed = async (openid: string) => (await call(w, customersCommand, {}, openid)).items.map((i: { customerId: string; orders: number }) => [i.customerId, i.orders]);
    // wave 1 at B's; wave 2 back home (resets); waves 3 and 4 at B's: the binding moves at the 2nd
    orders.push(await paidOrder(w, 'u-w', JINGAN, '13912345678'));
    orders.push(await paidOrder(w, 'u-w', JINGAN, '13912345678')); // the same wave counts once
    expect(await listed(LEADER_A)).toEqual([['u-w', 3]]);
    w.clock.set('2026-11-25T10:00:00+08:00');
    orders.push(await paidOrder(w, 'u-w', XJH, '13912345678'));
    w.clock.set('2026-11-26T10:00:00+08:00');
    orders.push(await paidOrder(w, 'u-w', JINGAN, '13912345678'));
    expect(await listed(LEADER_A)).toEqual([['u-w', 5]]);
    expect(await listed(LEADER_B)).toEqual([]);
    w.clock.set('2026-11-27T10:00:00+08:00');
    orders.push(await paidOrder(w, 'u-w', JINGAN, '13912345678'));

    expect(await listed(LEADER_A)).toEqual([]);
    const [moved] = (await call(w, customersCommand, {}, LEADER_B)).items;
    expect(moved).toMatchObject({ customerId: 'u-w', orders: 6, spendFen: orders.reduce((a, o) => a + o.amounts.payableFen, 0), lastOrderAt: '2026-11-27T10:00:00+08:00' });
    expect(await w.store.get(keys.user('u-w'))).toMatchObject({ boundLeaderId: 'l-jingan', boundCommunityId: JINGAN, movedFrom: 'l-xujiahui' });
  });

  it('a first order through a leader\'s share card binds the customer to that leader, wherever they pick up', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    // Leader B's card (the jingan community's); the customer orders for pickup in xujiahui through it.
    const { scene } = await call(w, shareCardCommand, { communityId: JINGAN }, LEADER_B);
    const placed = await call(w, placeCommand, { requestId: 'r-card', contact: { name: '李卡片', phone: '13912340001' }, communityId: XJH, items: [{ productId: 'p-rice', qty: 1 }], scene }, 'u-card');
    expect((await findOrder(w.deps, placed.order.id))?.attribution).toMatchObject({ leaderId: 'l-jingan' });
    await applyPayment(w.deps, { orderId: placed.order.id, transactionId: 'tx-card', amountFen: placed.order.amounts.payableFen, paidAt: '2026-11-24T10:01:00+08:00', tradeState: 'SUCCESS' });
    expect(await w.store.get(keys.user('u-card'))).toMatchObject({ boundLeaderId: 'l-jingan', boundCommunityId: JINGAN });
    expect((await call(w, customersCommand, {}, LEADER_B)).items.map((i: { customerId: string }) => i.customerId)).toEqual(['u-card']);
    expect((await call(w, customersCommand, {}, LEADER_A)).items).toEqual([]);
  });
});
