import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/**
 * Issue 16 items 4 and 5 over HTTP on the local stack: a recharge paid in the sandbox credits
 * principal and bonus once; orders paid by the balance alone (PAID at once, no payment) or with
 * WeChat Pay for the rest; 20 concurrent balance orders never overdraw; a cancel gives each part
 * back to its source; the unused principal is refunded; paid membership (member prices); growth
 * from a pickup in `GET /me`; the monthly levels job is idempotent. Clock: 2027-10-15 … 10-31.
 */
const D = '2027-10-15';
const C = 'c-xujiahui';
const contact = { name: '欧阳小锋', phone: '13900001111' };

describe('wallet, membership and levels over HTTP', () => {
  let staff: string;
  let leader: string;
  let me: string;
  const openid = uniqueOpenid('wallet');
  let n = 0;
  const place = (items: { productId: string; qty: number }[], useBalance?: true | 'only') =>
    api('POST', '/orders', { token: me, body: { communityId: C, items, requestId: `gw-${n++}-${Math.random().toString(36).slice(2, 8)}`, contact, ...(useBalance ? { useBalance } : {}) } });
  const wallet = async () => {
    const r = await api('GET', '/wallet', { token: me });
    expect(r.status, r.text).toBe(200);
    return r.body.data as { principalFen: number; bonusFen: number; entries: { kind: string; amountFen: number; orderId?: string }[] };
  };
  const balance = async () => {
    const { principalFen, bonusFen } = await wallet();
    return { principalFen, bonusFen };
  };

  beforeAll(async () => {
    staff = await login('demo-staff');
    leader = await login('demo-leader-xujiahui');
    me = await login(openid);
    await setClock(staff, `${D}T10:00:00+08:00`);
  });
  afterAll(async () => {
    await resetClock(staff);
  });

  it('a recharge of ¥100 gets the ¥10 bonus and is credited once however often it is paid', async () => {
    // A first order paid by WeChat Pay (the first-order discount claimed), so later orders race for nothing but the balance.
    const firstOrder = await place([{ productId: 'p-banana', qty: 1 }]);
    expect(firstOrder.status, firstOrder.text).toBe(201);
    expect((await api('POST', `/dev/pay/${firstOrder.body.data.order.id}`, { token: me })).body.data.order.status).toBe('PAID');
    const created = await api('POST', '/wallet/recharges', { token: me, body: { requestId: 'rc-1', amountFen: 10000 } });
    expect(created.status, created.text).toBe(201);
    const { recharge, payment } = created.body.data;
    expect(recharge).toMatchObject({ amountFen: 10000, bonusFen: 1000, status: 'PENDING' });
    expect(payment).toMatchObject({ signType: 'RSA', package: expect.stringContaining('prepay_id=') });
    const replay = await api('POST', '/wallet/recharges', { token: me, body: { requestId: 'rc-1', amountFen: 10000 } });
    expect(replay.status).toBe(201);
    expect(replay.body.data.recharge.id).toBe(recharge.id);
    expect((await api('POST', '/wallet/recharges', { token: me, body: { requestId: 'rc-1', amountFen: 500 } })).body.error.code).toBe('INVALID_STATE');

    // Another customer cannot pay it in the sandbox.
    const other = await login(uniqueOpenid('wallet-other'));
    expect((await api('POST', `/dev/pay/${recharge.id}`, { token: other })).status).toBe(404);
    const paid = await api('POST', `/dev/pay/${recharge.id}`, { token: me });
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body.data.recharge).toMatchObject({ id: recharge.id, status: 'PAID' });
    // The sandbox's second notification is another payment: refunded, nothing more credited.
    await api('POST', `/dev/pay/${recharge.id}`, { token: me });
    expect(await balance()).toEqual({ principalFen: 10000, bonusFen: 1000 });
    const profile = await api('GET', '/me', { token: me });
    expect(profile.body.data.wallet).toEqual({ principalFen: 10000, bonusFen: 1000 });
  });

  it('20 concurrent orders paying from one balance: exactly what it covers, never below zero; "only" refuses a WeChat part', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, () => place([{ productId: 'p-rice', qty: 1 }], 'only')));
    const ok = all.filter((r) => r.status === 201);
    expect(ok).toHaveLength(1); // 11000 covers one bag at 6990, not two
    expect(all.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(Array(19).fill('INSUFFICIENT_BALANCE'));
    const order = ok[0]!.body.data.order;
    expect(ok[0]!.body.data.payment).toBeNull();
    expect(order).toMatchObject({ status: 'PAID', amounts: { balanceFen: 6990, payableFen: 0 }, pickupCode: expect.any(String) });
    expect(await balance()).toEqual({ principalFen: 3010, bonusFen: 1000 });

    // The customer cancels: all of it back to principal, nothing sent to WeChat Pay.
    const cancelled = await api('POST', `/orders/${order.id}/cancel`, { token: me });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.data.refunds).toEqual([expect.objectContaining({ amountFen: 0, balanceFen: 6990, status: 'SUCCESS' })]);
    expect(await balance()).toEqual({ principalFen: 10000, bonusFen: 1000 });
  });

  it('balance first and WeChat Pay for the rest; a cancel refunds the WeChat part and gives the balance part back; the unused principal can be withdrawn', async () => {
    const placed = await place([{ productId: 'p-oil', qty: 1 }], true); // 12990: 11000 balance + 1990 WeChat
    expect(placed.status, placed.text).toBe(201);
    const { order, payment } = placed.body.data;
    expect(order).toMatchObject({ status: 'PENDING_PAYMENT', amounts: { balanceFen: 11000, payableFen: 1990 } });
    expect(payment).not.toBeNull();
    expect(await balance()).toEqual({ principalFen: 0, bonusFen: 0 });
    const paid = await api('POST', `/dev/pay/${order.id}`, { token: me });
    expect(paid.body.data.order.status, paid.text).toBe('PAID');

    const cancelled = await api('POST', `/orders/${order.id}/cancel`, { token: me });
    expect(cancelled.body.data.refunds, cancelled.text).toEqual([expect.objectContaining({ amountFen: 1990, balanceFen: 11000 })]);
    expect(await balance()).toEqual({ principalFen: 10000, bonusFen: 1000 });

    // Spend some, then withdraw: the rest of the principal back to the recharge, the bonus forfeited.
    expect((await place([{ productId: 'p-milk', qty: 1 }], 'only')).status).toBe(201);
    expect(await balance()).toEqual({ principalFen: 8410, bonusFen: 1000 });
    const out = await api('POST', '/wallet/withdrawal', { token: me });
    expect(out.status, out.text).toBe(200);
    expect(out.body.data).toMatchObject({ refundedFen: 8410, forfeitedBonusFen: 1000, wallet: { principalFen: 0, bonusFen: 0 } });
    expect((await api('POST', '/wallet/withdrawal', { token: me })).body.error.code).toBe('INSUFFICIENT_BALANCE');
    const entries = (await wallet()).entries;
    expect(entries.filter((e) => e.kind === 'withdraw')).toEqual([expect.objectContaining({ amountFen: -9410 })]);
    expect(entries.filter((e) => e.kind === 'recharge')).toHaveLength(1);
    expect(entries.reduce((a, e) => a + e.amountFen, 0)).toBe(0);
  });

  it('paid membership: bought and paid in the sandbox, member prices at once; the pickup adds growth to GET /me; the monthly levels job is idempotent', async () => {
    const before = await api('POST', '/orders/quote', { token: me, body: { communityId: C, items: [{ productId: 'p-rice', qty: 1 }] } });
    expect(before.body.data.lines[0].unitPriceFen, before.text).toBe(6990);
    const bought = await api('POST', '/membership/orders', { token: me, body: { requestId: 'mb-1', planId: 'month' } });
    expect(bought.status, bought.text).toBe(201);
    expect(bought.body.data.order).toMatchObject({ planId: 'month', amountFen: 1990, days: 30, status: 'PENDING' });
    const paid = await api('POST', `/dev/pay/${bought.body.data.order.id}`, { token: me });
    const membership = paid.body.data.membershipOrder;
    expect(membership, paid.text).toMatchObject({ status: 'PAID' });
    expect(Date.parse(membership.memberUntil) - Date.parse(membership.paidAt)).toBe(30 * 86400_000);
    await api('POST', `/dev/pay/${bought.body.data.order.id}`, { token: me }); // a second payment: refunded, no second extension
    const profile = (await api('GET', '/me', { token: me })).body.data;
    expect(profile.memberUntil).toBe(membership.memberUntil);
    expect(profile.level).toMatchObject({ name: '普通', growth: 0, nextAt: 500 });
    const after = await api('POST', '/orders/quote', { token: me, body: { communityId: C, items: [{ productId: 'p-rice', qty: 1 }] } });
    expect(after.body.data.lines[0].unitPriceFen).toBe(6490);

    // An order at the member price, picked up: growth 64 (1 per yuan).
    const placed = await place([{ productId: 'p-rice', qty: 1 }]);
    expect(placed.body.data.order.lines[0].unitPriceFen).toBe(6490);
    expect((await api('POST', `/dev/pay/${placed.body.data.order.id}`, { token: me })).body.data.order.status).toBe('PAID');
    await setClock(staff, `${D}T22:00:01+08:00`);
    expect((await runJobAndWait(baseUrl(), staff, 'cutoff')).status).toBe('DONE');
    await setClock(staff, '2027-10-16T16:30:00+08:00');
    expect((await api('POST', '/verify/arrival', { token: leader, body: { communityId: C, waveDate: D } })).status).toBe(200);
    const arrived = (await api('GET', `/orders/${placed.body.data.order.id}`, { token: me })).body.data;
    const redeemed = await api('POST', '/verify/redeem', { token: leader, body: { communityId: C, code: arrived.pickupCode } });
    expect(redeemed.status, redeemed.text).toBe(200);
    expect((await api('GET', '/me', { token: me })).body.data.level).toMatchObject({ name: '普通', growth: 64 });

    const first = await runJobAndWait(baseUrl(), staff, 'levels');
    expect(first.status).toBe('DONE');
    expect(first.result).toMatchObject({ month: '2027-10' });
    const second = await runJobAndWait(baseUrl(), staff, 'levels');
    expect(second).toMatchObject({ status: 'DONE', result: { month: '2027-10', skipped: 'already evaluated' } });
  });
});
