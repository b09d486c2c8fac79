import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { placeCommand } from '#app/orders/commands';
import { keys } from '#app/keys';
import { findOrder } from '#app/orders/model';
import { receivePaymentNotification } from '#app/orders/pay';
import { outboxKey } from '#app/outbox';
import { LOCAL_APP_ID, LOCAL_MCH_ID } from '#adapters/local/local-pay';
import { makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';

/**
 * Issue 12 item 5: payment notifications must be for this merchant and app; an amount that
 * differs from the order is recorded, refunded and alerted, and answered 200 once handled.
 * The notifications are forged but correctly signed: the test holds the sandbox's platform key.
 */

const contact = { name: '张三', phone: '13912345678' };
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

const place = async (w: TestWorld, openid: string, requestId: string) =>
  (await dispatch(placeCommand, { requestId, contact, communityId: 'c-jingan', items: [{ productId: 'p-oil', qty: 1 }] }, { kind: 'openid', openid }, w.deps)) as any;

/** A transaction resource as WeChat Pay sends it, signed with the platform key. */
function transaction(w: TestWorld, order: { id: string }, over: Record<string, unknown> = {}) {
  const resource = {
    appid: LOCAL_APP_ID,
    mchid: LOCAL_MCH_ID,
    out_trade_no: order.id,
    transaction_id: `4200000${order.id.replace(/\D/g, '').padEnd(21, '7').slice(0, 21)}`,
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    success_time: '2026-11-24T10:01:00+08:00',
    payer: { openid: 'u-n' },
    amount: { total: 1, payer_total: 1, currency: 'CNY', payer_currency: 'CNY' },
    ...over,
  };
  const signed = w.sandbox.signedEvent('TRANSACTION.SUCCESS', 'transaction', resource);
  return { headers: lower(signed.headers), body: signed.body };
}

const snapshot = async (w: TestWorld, orderId: string) => {
  const o = await findOrder(w.deps, orderId);
  return { order: o, unpaid: (await w.store.get(keys.unpaidOrders(o!.userId)))?.count };
};

describe('payment notifications: merchant and app', () => {
  it('a correctly signed notification for another mchid or appid is refused and changes nothing; a bad signature is 401', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const { order } = await place(w, 'u-n', 'n-1');
    const total = { amount: { total: order.amounts.payableFen, payer_total: order.amounts.payableFen, currency: 'CNY', payer_currency: 'CNY' } };
    const before = await snapshot(w, order.id);

    const otherMerchant = await receivePaymentNotification(w.deps, transaction(w, order, { ...total, mchid: '1900009999' }));
    expect(otherMerchant.status).toBe(400);
    const otherApp = await receivePaymentNotification(w.deps, transaction(w, order, { ...total, appid: 'wxanotherapp00000' }));
    expect(otherApp.status).toBe(400);
    const noApp = await receivePaymentNotification(w.deps, transaction(w, order, { ...total, appid: undefined }));
    expect(noApp.status).toBe(400);
    const good = transaction(w, order, total);
    const badSignature = await receivePaymentNotification(w.deps, { headers: { ...good.headers, 'wechatpay-signature': Buffer.from('y'.repeat(256)).toString('base64') }, body: good.body });
    expect(badSignature.status).toBe(401);
    const tampered = await receivePaymentNotification(w.deps, { headers: good.headers, body: good.body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" ') });
    expect(tampered.status).toBe(401);
    expect(await snapshot(w, order.id)).toEqual(before);

    // The same notification, for this merchant and app, pays the order.
    expect((await receivePaymentNotification(w.deps, good)).status).toBe(200);
    expect((await findOrder(w.deps, order.id))?.status).toBe('PAID');
  });
});

describe('payment notifications: amount mismatch', () => {
  it('is recorded on the order, refunded in full (once), alerted to staff and answered 200', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const refunds = recordRefunds(w);
    const { order } = await place(w, 'u-n', 'n-2');
    const paid = order.amounts.payableFen - 1;
    const wrong = transaction(w, order, { amount: { total: paid, payer_total: paid, currency: 'CNY', payer_currency: 'CNY' } });

    const answer = await receivePaymentNotification(w.deps, wrong);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ code: 'SUCCESS' });
    const after = (await findOrder(w.deps, order.id))!;
    expect(after.status).toBe('CANCELLED');
    expect(after.cancelReason).toBe('PAYMENT_MISMATCH');
    expect(after.pickupCode).toBeUndefined();
    expect(after.paymentMismatches).toEqual([{ transactionId: expect.any(String), amountFen: paid, at: '2026-11-24T10:00:00+08:00' }]);
    expect(after.refunds).toEqual([expect.objectContaining({ amountFen: paid, totalFen: paid, status: 'PROCESSING' })]);
    // The gateway is asked to give back exactly what was paid, out of that payment's total.
    expect(refunds).toEqual([expect.objectContaining({ orderId: order.id, refundId: after.refunds[0]!.id, amountFen: paid, totalFen: paid })]);
    // What placement held is given back (the unpaid slot included).
    expect((await w.store.get(keys.unpaidOrders('u-n')))?.count).toBe(0);
    // Staff are alerted through the outbox (STAFF_OPENIDS=staff-1).
    const alert = await w.store.get(outboxKey(`pay-mismatch#${after.refunds[0]!.id}#staff-1`));
    expect(alert).toMatchObject({ key: 'refundAlert', touser: 'staff-1', status: 'pending', payload: { orderId: order.id, amountFen: paid, problem: 'amountMismatch' } });

    // WeChat re-sends it: 200 again, nothing more happens.
    expect((await receivePaymentNotification(w.deps, transaction(w, order, { amount: { total: paid, payer_total: paid, currency: 'CNY', payer_currency: 'CNY' } }))).status).toBe(200);
    expect((await findOrder(w.deps, order.id))?.refunds).toHaveLength(1);
    expect(refunds).toHaveLength(1);
  });

  it('on an order already paid, a second payment of another amount is refunded and alerted, the order stays paid', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const { order } = await place(w, 'u-n2', 'n-3');
    const total = order.amounts.payableFen;
    expect((await receivePaymentNotification(w.deps, transaction(w, order, { amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' } }))).status).toBe(200);
    const paid = (await findOrder(w.deps, order.id))!;
    expect(paid.status).toBe('PAID');
    const more = total + 100;
    const second = transaction(w, order, { transaction_id: '4200000999999999999999999999', amount: { total: more, payer_total: more, currency: 'CNY', payer_currency: 'CNY' } });
    expect((await receivePaymentNotification(w.deps, second)).status).toBe(200);
    const after = (await findOrder(w.deps, order.id))!;
    expect(after.status).toBe('PAID');
    expect(after.pickupCode).toBe(paid.pickupCode);
    expect(after.refunds).toEqual([expect.objectContaining({ amountFen: more, totalFen: more })]);
    expect(after.paymentMismatches).toHaveLength(1);
  });
});
