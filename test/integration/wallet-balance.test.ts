import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codeOf } from '#test/errors';
import { call, pay, lowerHeaders, notifyPayment } from '#test/calls';
import { keys } from '#app/keys';
import { queryAll } from '#ports/item-store';
import { FUNCTIONS } from '../../functions/registry.ts';
import { findOrder, type Order } from '#app/orders/model';
import { receivePaymentNotification } from '#app/orders/pay';
import { expireUnpaidOrders } from '#app/orders/cancel';
import { refundUnits } from '#app/admin-orders/refund';
import { walletKeys } from '#app/wallet/keys';
import { retryWalletCredits } from '#app/wallet/balance';
import { makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';
import { PROPERTY_TIMEOUT_MS } from '../support/property.ts';
import { runJobInWorld } from '../support/jobs.ts';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { createCloudbaseDouble, type CloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';

/**
 * Issue 16 item 5 (DESIGN.md §12): the wallet. Recharges paid through WeChat Pay credit principal
 * and bonus once per payment; a balance pays orders (principal first, then bonus) inside the
 * placing transaction and never goes negative, however many orders race; every give-back returns
 * each part to its source; unused principal is refunded to the recharges. DynamoDB Local through
 * the real adapters and dispatch.
 */
const D = '2027-10-20';
const C = 'c-jingan';
const contact = { name: '张三', phone: '13912345678' };
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown> = {}) => call(w, command(name), input, openid);
const lower = lowerHeaders;
const notify = notifyPayment;
const wallet = async (w: TestWorld, user: string) => {
  const it = await w.store.get(walletKeys.wallet(user), { consistent: true });
  return { principalFen: Number(it?.principalFen ?? 0), bonusFen: Number(it?.bonusFen ?? 0) };
};
const ledger = (w: TestWorld, user: string) => queryAll(w.store, { ...walletKeys.entries(user), consistent: true });
/** An existing customer (no first-order discount), so concurrent orders do not race for it. */
const existingCustomer = (w: TestWorld, user: string) => w.store.write({ type: 'put', item: { ...keys.user(user), id: user, points: 0, firstPaidOrderId: 'earlier' } });
const seedWallet = (w: TestWorld, user: string, principalFen: number, bonusFen: number) => w.store.write({ type: 'put', item: { ...walletKeys.wallet(user), userId: user, principalFen, bonusFen } });
const place = (w: TestWorld, user: string, requestId: string, items: { productId: string; qty: number }[], useBalance?: true | 'only') =>
  as(w, user, 'order.place', { requestId, contact, communityId: C, items, ...(useBalance ? { useBalance } : {}) });

async function recharged(w: TestWorld, user: string, amountFen: number, requestId = `rc-${amountFen}`) {
  const { recharge } = await as(w, user, 'order.recharge', { requestId, amountFen });
  expect((await notify(w, { orderId: recharge.id, amountFen, openid: user })).status).toBe(200);
  return recharge;
}

describe('recharges', () => {
  it('bonus by the highest tier reached; paid once per payment: a replay, a forged and a second payment credit nothing more (the second is refunded)', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, settings: { rechargeBonus: [{ minFen: 5000, bonusFen: 300 }, { minFen: 10000, bonusFen: 1000 }] } });
    const refunds = recordRefunds(w);
    const first = await as(w, 'u-rc', 'order.recharge', { requestId: 'rc-1', amountFen: 20000 });
    expect(first.recharge).toMatchObject({ amountFen: 20000, bonusFen: 1000, status: 'PENDING' });
    expect(first.recharge.id).toMatch(/^RC/);
    expect(first.payment).toMatchObject({ package: expect.stringContaining('prepay_id=') });
    // A retry answers the same recharge and payment; the same requestId for another amount is refused.
    expect(await as(w, 'u-rc', 'order.recharge', { requestId: 'rc-1', amountFen: 20000 })).toEqual(first);
    expect(codeOf(await as(w, 'u-rc', 'order.recharge', { requestId: 'rc-1', amountFen: 30000 }).catch((e) => e))).toBe('INVALID_STATE');
    expect((await as(w, 'u-rc', 'order.recharge', { requestId: 'rc-2', amountFen: 6000 })).recharge.bonusFen).toBe(300);
    expect((await as(w, 'u-rc', 'order.recharge', { requestId: 'rc-3', amountFen: 4999 })).recharge.bonusFen).toBe(0);
    for (const amountFen of [0, -1, 1.5]) expect(codeOf(await as(w, 'u-rc', 'order.recharge', { requestId: 'rc-x', amountFen }).catch((e) => e))).toBe('VALIDATION_FAILED');

    // Forged: a body changed after signing → 401, nothing credited.
    const signed = w.sandbox.signedPaymentNotification({ orderId: first.recharge.id, amountFen: 20000, openid: 'u-rc', transactionId: 'tx-rc-1' });
    const forged = await receivePaymentNotification(w.deps, { headers: lower(signed.headers), body: signed.body.replace(/"ciphertext":"[^"]{4}/, '"ciphertext":"AAAA') });
    expect(forged.status).toBe(401);
    expect(await wallet(w, 'u-rc')).toEqual({ principalFen: 0, bonusFen: 0 });

    const good = { headers: lower(signed.headers), body: signed.body };
    expect((await receivePaymentNotification(w.deps, good)).status).toBe(200);
    expect((await receivePaymentNotification(w.deps, good)).status).toBe(200); // WeChat re-sends
    await Promise.all([receivePaymentNotification(w.deps, good), receivePaymentNotification(w.deps, good)]);
    expect(await wallet(w, 'u-rc')).toEqual({ principalFen: 20000, bonusFen: 1000 });
    // A second payment of the same recharge (another transaction): refunded in full, nothing credited.
    expect((await notify(w, { orderId: first.recharge.id, amountFen: 20000, openid: 'u-rc', transactionId: 'tx-rc-again' })).status).toBe(200);
    expect(refunds).toEqual([expect.objectContaining({ orderId: first.recharge.id, amountFen: 20000, totalFen: 20000 })]);
    expect(await wallet(w, 'u-rc')).toEqual({ principalFen: 20000, bonusFen: 1000 });
    // A payment of the wrong amount: refunded, the recharge stays unpaid.
    const other = await as(w, 'u-rc', 'order.recharge', { requestId: 'rc-4', amountFen: 10000 });
    await notify(w, { orderId: other.recharge.id, amountFen: 1, openid: 'u-rc' });
    expect(refunds).toHaveLength(2);
    expect(await wallet(w, 'u-rc')).toEqual({ principalFen: 20000, bonusFen: 1000 });

    const view = await as(w, 'u-rc', 'order.wallet');
    expect(view).toMatchObject({ principalFen: 20000, bonusFen: 1000, entries: [{ kind: 'recharge', amountFen: 21000, principalFen: 20000, bonusFen: 1000, rechargeId: first.recharge.id }] });
    expect((await as(w, 'u-rc', 'auth.me')).wallet).toEqual({ principalFen: 20000, bonusFen: 1000 });
    // Another customer cannot pay, see or refund this wallet.
    expect(await as(w, 'u-other', 'order.wallet')).toEqual({ principalFen: 0, bonusFen: 0, entries: [] });
    // Staff see it (the console's 会员与余额); a customer may not.
    expect(await as(w, 'staff-1', 'admin.customerWallet', { id: 'u-rc' })).toMatchObject({
      principalFen: 20000,
      bonusFen: 1000,
      level: { name: '普通', growth: 0 },
      recharges: expect.arrayContaining([expect.objectContaining({ id: first.recharge.id, status: 'PAID', amountFen: 20000 }), expect.objectContaining({ id: other.recharge.id, status: 'PENDING' })]),
    });
    expect(codeOf(await as(w, 'u-rc', 'admin.customerWallet', { id: 'u-rc' }).catch((e) => e))).toBe('FORBIDDEN');
  });
});

describe('paying with the balance', () => {
  it('"only": PAID at once without a payment; short → INSUFFICIENT_BALANCE and nothing changes; true: balance first, WeChat the rest; give-backs return each part to its source', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const refunds = recordRefunds(w);
    const U = 'u-bal';
    await existingCustomer(w, U);
    await recharged(w, U, 10000); // 10000 principal + 1000 bonus

    // Wholly by the balance: PAID at once, pickup code, no payment parameters, principal first.
    const full = await place(w, U, 'o-1', [{ productId: 'p-rice', qty: 1 }], 'only');
    expect(full.payment).toBeNull();
    expect(full.order).toMatchObject({ status: 'PAID', amounts: { payableFen: 0, balanceFen: 6990 }, pickupCode: expect.any(String) });
    expect(await wallet(w, U)).toEqual({ principalFen: 3010, bonusFen: 1000 });
    // A retry answers the same.
    expect((await place(w, U, 'o-1', [{ productId: 'p-rice', qty: 1 }], 'only')).order.id).toBe(full.order.id);

    // Short with "only": refused, nothing held.
    const short = await place(w, U, 'o-2', [{ productId: 'p-tissue', qty: 1 }], 'only').catch((e) => e);
    expect(codeOf(short)).toBe('INSUFFICIENT_BALANCE');
    expect(await wallet(w, U)).toEqual({ principalFen: 3010, bonusFen: 1000 });
    expect((await as(w, U, 'order.list')).items).toHaveLength(1);

    // true: the whole balance (principal, then bonus), the rest by WeChat Pay.
    const part = await place(w, U, 'o-3', [{ productId: 'p-tissue', qty: 1 }], true);
    expect(part.order).toMatchObject({ status: 'PENDING_PAYMENT', amounts: { balanceFen: 4010, payableFen: 4990 - 4010 } });
    expect(part.payment).not.toBeNull();
    expect(await wallet(w, U)).toEqual({ principalFen: 0, bonusFen: 0 });
    expect((await pay(w, part.order, U)).status).toBe(200);
    expect((await findOrder(w.deps, part.order.id))!.status).toBe('PAID');

    // Cancel the mixed order: WeChat part refunded through the gateway, balance part back to principal and bonus.
    const cancelled = await as(w, U, 'order.cancel', { id: part.order.id });
    expect(cancelled.status).toBe('CANCELLED');
    expect(refunds).toEqual([expect.objectContaining({ orderId: part.order.id, amountFen: 980, totalFen: 980 })]);
    expect(await wallet(w, U)).toEqual({ principalFen: 3010, bonusFen: 1000 });
    // Cancel the balance-only order: nothing goes to the gateway, all back to principal.
    const back = await as(w, U, 'order.cancel', { id: full.order.id });
    expect(back.refunds).toEqual([expect.objectContaining({ amountFen: 0, balanceFen: 6990, status: 'SUCCESS' })]);
    expect(refunds).toHaveLength(1);
    expect(await wallet(w, U)).toEqual({ principalFen: 10000, bonusFen: 1000 });

    // An unpaid mixed order cancelled by the customer, and one expired by the job: the balance part back, once.
    const unpaid = await place(w, U, 'o-4', [{ productId: 'p-oil', qty: 1 }], true);
    expect(unpaid.order.amounts).toMatchObject({ balanceFen: 11000, payableFen: 1990 });
    await as(w, U, 'order.cancel', { id: unpaid.order.id });
    expect(await wallet(w, U)).toEqual({ principalFen: 10000, bonusFen: 1000 });
    const late = await place(w, U, 'o-5', [{ productId: 'p-oil', qty: 1 }], true);
    expect(await wallet(w, U)).toEqual({ principalFen: 0, bonusFen: 0 });
    w.clock.advance(16 * 60_000);
    expect((await expireUnpaidOrders(w.deps)).expired).toBe(1);
    expect(await expireUnpaidOrders(w.deps)).toMatchObject({ expired: 0 });
    expect((await findOrder(w.deps, late.order.id))!).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_TIMEOUT' });
    expect(await wallet(w, U)).toEqual({ principalFen: 10000, bonusFen: 1000 });
    // A payment landing after expiry is refunded in full; the balance is not given back twice.
    await pay(w, late.order, U);
    expect(refunds.at(-1)).toMatchObject({ orderId: late.order.id, amountFen: 1990 });
    expect(await wallet(w, U)).toEqual({ principalFen: 10000, bonusFen: 1000 });

    // The ledger is immutable and adds up to the balance.
    const entries = await ledger(w, U);
    expect(entries.map((e) => e.kind).sort()).toEqual(['back', 'back', 'back', 'back', 'pay', 'pay', 'pay', 'pay', 'recharge'].sort());
    expect(entries.reduce((a, e) => a + Number(e.principalFen), 0)).toBe(10000);
    expect(entries.reduce((a, e) => a + Number(e.bonusFen), 0)).toBe(1000);
  });

  it('partial refunds of a mixed order split in proportion, and all of them together return exactly each source', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const refunds = recordRefunds(w);
    const U = 'u-split';
    await existingCustomer(w, U);
    await seedWallet(w, U, 2000, 1000);
    const placed = await place(w, U, 'o-s', [{ productId: 'p-milk', qty: 3 }], true); // 4770: 3000 balance + 1770 WeChat
    expect(placed.order.amounts).toMatchObject({ balanceFen: 3000, payableFen: 1770 });
    await pay(w, placed.order, U);
    const at = { communityId: C, waveDate: placed.order.waveDate, orderId: placed.order.id };
    const one = await refundUnits(w.deps, at, { tag: 'rf-1', lines: [{ productId: 'p-milk', qty: 1 }], reason: '缺货' });
    expect(one.refund).toMatchObject({ valueFen: 1590, balanceFen: 1000, amountFen: 590, balance: { principalFen: 667, bonusFen: 333 } });
    expect(await wallet(w, U)).toEqual({ principalFen: 667, bonusFen: 333 });
    // A replay of the same tag gives nothing back twice.
    await refundUnits(w.deps, at, { tag: 'rf-1', lines: [{ productId: 'p-milk', qty: 1 }], reason: '缺货' });
    await retryWalletCredits(w.deps);
    expect(await wallet(w, U)).toEqual({ principalFen: 667, bonusFen: 333 });
    await refundUnits(w.deps, at, { tag: 'rf-2', lines: [{ productId: 'p-milk', qty: 1 }], reason: '缺货' });
    // The customer cancels the rest: what is left of each source.
    await as(w, U, 'order.cancel', { id: placed.order.id });
    const order = (await findOrder(w.deps, placed.order.id)) as Order;
    expect(order.refunds.reduce((a, r) => a + r.amountFen, 0)).toBe(1770);
    expect(order.refunds.reduce((a, r) => a + (r.balanceFen ?? 0), 0)).toBe(3000);
    expect(refunds.reduce((a, r) => a + r.amountFen, 0)).toBe(1770);
    expect(await wallet(w, U)).toEqual({ principalFen: 2000, bonusFen: 1000 });
  });

  it('the cutoff cancelling an unpaid mixed order gives its balance part back once; a paid one is confirmed and keeps it', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const U = 'u-cut';
    await existingCustomer(w, U);
    await seedWallet(w, U, 3000, 500);
    const paid = await place(w, U, 'o-c1', [{ productId: 'p-milk', qty: 1 }], 'only');
    expect(paid.order.status).toBe('PAID');
    const unpaid = await place(w, U, 'o-c2', [{ productId: 'p-rice', qty: 1 }], true);
    expect(unpaid.order.amounts).toMatchObject({ balanceFen: 1910, payableFen: 5080 });
    expect(await wallet(w, U)).toEqual({ principalFen: 0, bonusFen: 0 });
    w.clock.set(`${D}T22:00:30+08:00`);
    expect((await runJobInWorld(w, 'cutoff')).status).toBe('DONE');
    expect((await findOrder(w.deps, unpaid.order.id))!).toMatchObject({ status: 'CANCELLED', cancelReason: 'CUTOFF_UNPAID' });
    expect((await findOrder(w.deps, paid.order.id))!.status).toBe('CONFIRMED');
    expect(await wallet(w, U)).toEqual({ principalFen: 1410, bonusFen: 500 });
    expect((await runJobInWorld(w, 'cutoff')).status).toBe('DONE');
    expect(await wallet(w, U)).toEqual({ principalFen: 1410, bonusFen: 500 });
  });

  it(
    'property: 20 concurrent orders paying from one balance never overdraw it; what they took is exactly what left the wallet; cancelling them all gives back exactly each part',
    async () => {
      const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
      const prices: Record<string, number> = { 'p-rice': 6990, 'p-milk': 1590, 'p-banana': 990, 'p-noodles': 890, 'p-apple': 2990 };
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            principalFen: fc.integer({ min: 0, max: 40000 }),
            bonusFen: fc.integer({ min: 0, max: 5000 }),
            orders: fc.array(
              fc.record({ productId: fc.constantFrom(...Object.keys(prices)), qty: fc.integer({ min: 1, max: 3 }), mode: fc.constantFrom<true | 'only'>(true, 'only', 'only') }),
              { minLength: 20, maxLength: 20 },
            ),
          }),
          async ({ principalFen, bonusFen, orders }) => {
            const U = `u-prop-${run++}`;
            await existingCustomer(w, U);
            await seedWallet(w, U, principalFen, bonusFen);
            const results = await Promise.allSettled(orders.map((o, i) => place(w, U, `p-${i}`, [{ productId: o.productId, qty: o.qty }], o.mode)));
            const after = await wallet(w, U);
            expect(after.principalFen).toBeGreaterThanOrEqual(0);
            expect(after.bonusFen).toBeGreaterThanOrEqual(0);
            const placed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.order] : []));
            for (const [i, r] of results.entries()) {
              if (r.status === 'fulfilled') continue;
              const code = codeOf(r.reason);
              expect(['INSUFFICIENT_BALANCE', 'RATE_LIMITED']).toContain(code);
              // Refused for the balance only when even the balance left at the end could not pay it.
              if (code === 'INSUFFICIENT_BALANCE') expect(prices[orders[i]!.productId]! * orders[i]!.qty).toBeGreaterThan(after.principalFen + after.bonusFen);
            }
            // Not vacuous: when the balance covers the cheapest "only" order, some order took from it.
            const onlyTotals = orders.filter((o) => o.mode === 'only').map((o) => prices[o.productId]! * o.qty);
            if (onlyTotals.length && principalFen + bonusFen >= Math.min(...onlyTotals)) expect(placed.some((o) => (o.amounts.balanceFen ?? 0) > 0)).toBe(true);
            const stored = await Promise.all(placed.map((o) => findOrder(w.deps, o.id)));
            const took = { principalFen: 0, bonusFen: 0 };
            for (const o of stored) {
              took.principalFen += o!.balance?.principalFen ?? 0;
              took.bonusFen += o!.balance?.bonusFen ?? 0;
              expect(o!.amounts.payableFen + (o!.amounts.balanceFen ?? 0)).toBe(o!.lines.reduce((a, l) => a + l.paidFen, 0));
              expect(o!.status).toBe(o!.amounts.payableFen === 0 ? 'PAID' : 'PENDING_PAYMENT');
            }
            expect(took).toEqual({ principalFen: principalFen - after.principalFen, bonusFen: bonusFen - after.bonusFen });
            const entries = await ledger(w, U);
            expect(entries.reduce((a, e) => a + Number(e.principalFen), 0) + took.principalFen).toBe(0);
            // Every order given back (cancel: refunds of the paid ones, release of the unpaid ones): the wallet is whole again.
            for (const o of placed) await as(w, U, 'order.cancel', { id: o.id });
            expect(await wallet(w, U)).toEqual({ principalFen, bonusFen });
          },
        ),
        { numRuns: 4 },
      );
    },
    PROPERTY_TIMEOUT_MS * 3,
  );
});

describe('withdrawal of the unused principal', () => {
  it('refunds principal to the recharges it came from (newest first), forfeits the bonus in proportion, never twice', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const refunds = recordRefunds(w);
    const U = 'u-wd';
    await existingCustomer(w, U);
    const a = await recharged(w, U, 10000, 'rc-a'); // +1000 bonus
    w.clock.advance(60_000);
    const b = await recharged(w, U, 5000, 'rc-b');
    // Spend 6990 (principal), leaving 8010 principal, 1000 bonus.
    await place(w, U, 'o-w', [{ productId: 'p-rice', qty: 1 }], 'only');
    expect(await wallet(w, U)).toEqual({ principalFen: 8010, bonusFen: 1000 });
    w.clock.advance(60_000);
    const out = await as(w, U, 'order.walletRefund');
    expect(out).toMatchObject({ refundedFen: 8010, forfeitedBonusFen: 1000, wallet: { principalFen: 0, bonusFen: 0 } });
    expect(refunds).toEqual([
      expect.objectContaining({ orderId: b.id, amountFen: 5000, totalFen: 5000 }),
      expect.objectContaining({ orderId: a.id, amountFen: 3010, totalFen: 10000 }),
    ]);
    expect(codeOf(await as(w, U, 'order.walletRefund').catch((e) => e))).toBe('INSUFFICIENT_BALANCE');
    expect(refunds).toHaveLength(2);
    const view = await as(w, U, 'order.wallet');
    expect(view.entries[0]).toMatchObject({ kind: 'withdraw', principalFen: -8010, bonusFen: -1000 });
  });

  it('two withdrawals at once refund the principal once and forfeit the bonus once', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const refunds = recordRefunds(w);
    const U = 'u-wd2';
    const rc = await recharged(w, U, 10000, 'rc-a');
    // Deleting the account is refused while principal remains.
    expect(codeOf(await as(w, U, 'auth.deleteAccount', { confirm: 'DELETE' }).catch((e) => e))).toBe('INVALID_STATE');
    const both = await Promise.allSettled([as(w, U, 'order.walletRefund'), as(w, U, 'order.walletRefund')]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(refunds.reduce((a, r) => a + r.amountFen, 0)).toBe(10000);
    expect(await wallet(w, U)).toEqual({ principalFen: 0, bonusFen: 0 });
    // Then it may go: nothing outside the partition names the customer any more.
    expect(await as(w, U, 'auth.deleteAccount', { confirm: 'DELETE' })).toEqual({ deleted: true });
    expect(await w.store.get(walletKeys.tradeRef(rc.id))).toBeUndefined();
    expect(await w.store.get(walletKeys.request(U, 'rc-a'))).toBeUndefined();
    expect(await ledger(w, U)).toEqual([]);
  });
});

describe('on the CloudBase double (snapshot isolation)', () => {
  let double: CloudbaseDouble | undefined;
  afterAll(() => double?.uninstall());

  it('a recharge is credited once; 12 concurrent balance orders never overdraw; a cancel gives it back', async () => {
    double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, store: createCloudbaseItemStore({ db: double.db }) });
    const U = 'u-cb';
    await existingCustomer(w, U);
    const rc = await recharged(w, U, 20000);
    await notify(w, { orderId: rc.id, amountFen: 20000, openid: U });
    expect(await wallet(w, U)).toEqual({ principalFen: 20000, bonusFen: 1000 });
    const all = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => place(w, U, `cb-${i}`, [{ productId: 'p-rice', qty: 1 }], 'only')));
    const ok = all.flatMap((r) => (r.status === 'fulfilled' ? [r.value.order] : []));
    expect(ok).toHaveLength(3); // 21000 pays three bags at 6990
    for (const r of all) if (r.status === 'rejected') expect(codeOf(r.reason)).toBe('INSUFFICIENT_BALANCE');
    expect(await wallet(w, U)).toEqual({ principalFen: 0, bonusFen: 21000 - 3 * 6990 });
    for (const o of ok) await as(w, U, 'order.cancel', { id: o.id });
    expect(await wallet(w, U)).toEqual({ principalFen: 20000, bonusFen: 1000 });
  });
});
