import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { placeCommand } from '#app/orders/commands';
import { receivePaymentNotification } from '#app/orders/pay';
import { findOrder } from '#app/orders/model';
import { apiKeyKeys } from '#app/api-keys/api-keys';
import { readReconciliation, reconcileDay } from '#app/reconcile/reconcile';
import { queryAll } from '#ports/item-store';
import { codeOf } from '#test/errors';
import { FUNCTIONS } from '../../functions/registry.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';

/**
 * Issue 18 items 6 and 8: an API key reads orders (masked) and the exports of its scope, and
 * nothing else; reconciliation against the sandbox's trade bill reports exactly the line that
 * differs.
 */
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const staff = (w: TestWorld, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid: 'staff-1' }, w.deps) as Promise<any>;
const withKey = (w: TestWorld, key: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'bearer', token: key }, w.deps) as Promise<any>;
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
const PHONE = '13912345678';
const contact = { name: '张三丰', phone: PHONE };
const D = '2028-02-04';

async function placeAndPay(w: TestWorld, openid: string, requestId: string, qty = 1) {
  const { order } = (await dispatch(placeCommand, { requestId, contact, communityId: 'c-jingan', items: [{ productId: 'p-oil', qty }] }, { kind: 'openid', openid }, w.deps)) as any;
  const signed = w.sandbox.signedPaymentNotification({ orderId: order.id, amountFen: order.amounts.payableFen, openid });
  expect((await receivePaymentNotification(w.deps, { headers: lower(signed.headers), body: signed.body })).status).toBe(200);
  return order as { id: string; amounts: { payableFen: number } };
}

describe('API keys', () => {
  it('an integration:orders key reads masked orders and the orders export, cannot place, refund, read contacts or other scopes; revoked → 401', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const order = await placeAndPay(w, 'u-k-1', 'k-1', 2);
    const made = await staff(w, 'admin.createApiKey', { name: 'ERP 订单同步', scopes: ['integration:orders'] });
    expect(made.key).toMatch(/^gbk_[0-9a-z]{26}_[A-Za-z0-9_-]{43}$/);
    // Stored as a hash only; the list never shows the key.
    const stored = await queryAll(w.store, apiKeyKeys.all);
    expect(JSON.stringify(stored)).not.toContain(made.key.slice(32));
    expect(JSON.stringify(await staff(w, 'admin.apiKeys', {}))).not.toContain(made.key.slice(32));

    const page = await withKey(w, made.key, 'admin.orders', { communityId: 'c-jingan' });
    const mine = page.items.find((o: any) => o.id === order.id);
    expect(mine.contact).toEqual({ name: '张**', phoneTail: '5678' });
    expect(JSON.stringify(page)).not.toContain(PHONE);
    expect(JSON.stringify(page)).not.toContain('张三丰');
    const csv = (await withKey(w, made.key, 'admin.exportOrders', { from: D, to: D })) as Record<string, string>;
    const text = Object.values(csv)[0]!;
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain(order.id);
    expect(text).not.toContain(PHONE);
    // The last use is recorded.
    expect((await staff(w, 'admin.apiKeys', {}))[0]).toMatchObject({ id: made.id, status: 'ACTIVE', lastUsedAt: `${D}T10:00:00+08:00` });

    const refused = async (name: string, input: Record<string, unknown>) => codeOf(await withKey(w, made.key, name, input).catch((e) => e));
    expect(await refused('order.place', { requestId: 'k-2', contact, communityId: 'c-jingan', items: [{ productId: 'p-oil', qty: 1 }] })).toBe('FORBIDDEN');
    expect(await refused('admin.refundOrder', { id: order.id, requestId: 'k-r', lines: [{ productId: 'p-oil', qty: 1 }], reason: '测试' })).toBe('FORBIDDEN');
    expect(await refused('admin.order', { id: order.id })).toBe('FORBIDDEN');
    expect(await refused('order.get', { id: order.id })).toBe('FORBIDDEN');
    expect(await refused('admin.orders', { phone: PHONE })).toBe('FORBIDDEN');
    expect(await refused('admin.exportFinance', { from: D, to: D })).toBe('FORBIDDEN');
    expect(await refused('cutoff.purchaseList', { date: D })).toBe('FORBIDDEN');
    expect(await refused('admin.createApiKey', { name: 'x', scopes: ['integration:finance'] })).toBe('FORBIDDEN');
    expect(await refused('admin.settings', {})).toBe('FORBIDDEN');
    // Nothing was refunded or placed.
    expect((await findOrder(w.deps, order.id))!.refunds).toEqual([]);

    // A wrong secret for a real id, or a junk key, is 401; a finance key reaches finance only.
    expect(codeOf(await withKey(w, `${made.key.slice(0, -4)}AAAA`, 'admin.orders', {}).catch((e) => e))).toBe('UNAUTHENTICATED');
    const finance = await staff(w, 'admin.createApiKey', { name: '财务', scopes: ['integration:finance'] });
    expect(Object.values(await withKey(w, finance.key, 'admin.exportFinance', { from: D, to: D }))[0]).toContain('paidFen');
    expect(codeOf(await withKey(w, finance.key, 'admin.orders', {}).catch((e) => e))).toBe('FORBIDDEN');
    // Bad ranges are 400.
    expect(codeOf(await withKey(w, finance.key, 'admin.exportFinance', { from: D, to: '2028-02-01' }).catch((e) => e))).toBe('VALIDATION_FAILED');

    expect((await staff(w, 'admin.revokeApiKey', { id: made.id })).status).toBe('REVOKED');
    expect(codeOf(await withKey(w, made.key, 'admin.orders', {}).catch((e) => e))).toBe('UNAUTHENTICATED');
  });
});

describe('payment reconciliation', () => {
  it('a day with one tampered sandbox bill line reports exactly that line, pushes finance once, and is read back', async () => {
    const w = await makeWorld({ now: `${D}T09:00:00+08:00` });
    const a = await placeAndPay(w, 'u-r-1', 'r-1');
    const b = await placeAndPay(w, 'u-r-2', 'r-2');
    const c = await placeAndPay(w, 'u-r-3', 'r-3', 2);
    await staff(w, 'admin.refundOrder', { id: c.id, requestId: 'rr-1', lines: [{ productId: 'p-oil', qty: 1 }], reason: '破损' });

    // The untampered bill matches: 3 payments and 1 refund.
    expect(w.sandbox.writeBill(D)).toEqual({ lines: 4 });
    const clean = await reconcileDay(w.deps, D);
    expect({ matched: clean.matched, mismatches: clean.mismatches }).toEqual({ matched: 4, mismatches: [] });

    // One line's amount changed by the platform's side.
    w.sandbox.writeBill(D, { outTradeNo: b.id, amountFen: b.amounts.payableFen + 1 });
    const result = await reconcileDay(w.deps, D);
    expect(result.matched).toBe(3);
    expect(result.mismatches).toEqual([{ kind: 'AMOUNT', outTradeNo: b.id, ours: b.amounts.payableFen, theirs: b.amounts.payableFen + 1 }]);
    // The push to finance (the STAFF_OPENIDS owner and the seeded owner) is queued once each; a second run with the same result queues none.
    const outbox = async () => (await w.store.query({ index: 'gsi2', pk: 'OUTBOX#0' })).items.concat(...(await Promise.all([1, 2, 3].map(async (s) => (await w.store.query({ index: 'gsi2', pk: `OUTBOX#${s}` })).items))));
    const reconcilePushes = async () => (await outbox()).filter((e) => e.key === 'reconcileAlert');
    expect((await reconcilePushes()).map((e) => [e.touser, (e.payload as any).mismatches]).sort()).toEqual([['demo-staff', 1], ['staff-1', 1]]);
    await reconcileDay(w.deps, D);
    expect(await reconcilePushes()).toHaveLength(2);

    // GET /admin/reconciliation reads it; a day without a result is reconciled first (no bill: our payments are missing there).
    expect(await staff(w, 'settle.reconciliation', { date: D })).toMatchObject({ date: D, matched: 3, mismatches: result.mismatches });
    const next = '2028-02-05';
    w.clock.set(`${next}T09:00:00+08:00`);
    const d = await placeAndPay(w, 'u-r-4', 'r-4');
    const unread = await staff(w, 'settle.reconciliation', { date: next });
    expect(unread.mismatches).toEqual([{ kind: 'MISSING_THERE', outTradeNo: d.id, ours: d.amounts.payableFen }]);
    expect(a.id).not.toBe(d.id);
    // Payments the platform has and we do not.
    w.sandbox.signedPaymentNotification({ orderId: 'o-unknown-1', amountFen: 990, openid: 'u-x' });
    w.sandbox.writeBill(next);
    const r2 = await reconcileDay(w.deps, next);
    expect(r2.mismatches).toEqual([{ kind: 'MISSING_HERE', outTradeNo: 'o-unknown-1', theirs: 990 }]);
    expect(await readReconciliation(w.deps, next)).toMatchObject({ matched: 1, mismatchCount: 1 });
  });
});
