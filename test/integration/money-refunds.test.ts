import { describe, expect, it, vi } from 'vitest';
import { logger } from '#platform/logger';
import { dispatch } from '#platform/dispatch';
import { cancelCommand, placeCommand, refundIssuesCommand, refundsJob } from '#app/orders/commands';
import { keys } from '#app/keys';
import { findOrder } from '#app/orders/model';
import { receivePaymentNotification } from '#app/orders/pay';
import { receiveRefundNotification } from '#app/orders/refunds';
import { outboxKey } from '#app/outbox';
import { LOCAL_MCH_ID } from '#adapters/local/local-pay';
import { codeOf } from '#test/errors';
import { makeWorld, type TestWorld } from '../support/harness.ts';

/**
 * Issue 12 item 5 (AWS): refund results arrive as verified notifications (POST /pay/refund-notify)
 * and, for refunds still PROCESSING after 10 minutes, through the refunds job's query; each is
 * recorded once; ABNORMAL and CLOSED are listed for staff and alerted.
 */

const contact = { name: '张三', phone: '13912345678' };
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
const raw = (signed: { headers: Record<string, string>; body: string }) => ({ headers: lower(signed.headers), body: signed.body });

/** A paid order cancelled by its customer: one refund, PROCESSING at the sandbox. */
async function refundedOrder(w: TestWorld, user: string) {
  const { order } = (await dispatch(placeCommand, { requestId: `rq-${user}`, contact, communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }] }, { kind: 'openid', openid: user }, w.deps)) as any;
  const paid = w.sandbox.signedPaymentNotification({ orderId: order.id, amountFen: order.amounts.payableFen, openid: user });
  expect((await receivePaymentNotification(w.deps, raw(paid))).status).toBe(200);
  await dispatch(cancelCommand, { id: order.id }, { kind: 'openid', openid: user }, w.deps);
  const after = (await findOrder(w.deps, order.id))!;
  expect(after.refunds).toEqual([expect.objectContaining({ status: 'PROCESSING' })]);
  return after;
}

const issues = (w: TestWorld, status?: 'ABNORMAL' | 'CLOSED') =>
  dispatch(refundIssuesCommand, status ? { status } : {}, { kind: 'openid', openid: 'staff-1' }, w.deps) as Promise<{ items: any[] }>;

describe('refund notifications (POST /pay/refund-notify)', () => {
  it('REFUND.SUCCESS is recorded once; a repeat answers 200 and changes nothing', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    w.sandbox.setRefundAnswer('PROCESSING');
    const order = await refundedOrder(w, 'u-rs');
    const refund = order.refunds[0]!;
    w.clock.advance(60_000);
    const notice = w.sandbox.settleRefund({ refundId: refund.id, status: 'SUCCESS' });
    expect((await receiveRefundNotification(w.deps, raw(notice))).status).toBe(200);
    const once = (await findOrder(w.deps, order.id))!;
    expect(once.refunds[0]).toMatchObject({ id: refund.id, status: 'SUCCESS', resultAt: '2026-11-24T10:01:00+08:00' });
    w.clock.advance(60_000);
    expect((await receiveRefundNotification(w.deps, raw(w.sandbox.settleRefund({ refundId: refund.id, status: 'SUCCESS' })))).status).toBe(200);
    expect(await findOrder(w.deps, order.id)).toEqual(once);
    // Done: off the poll list, nothing for staff.
    expect((await w.store.query({ pk: keys.refundPoll('', '').pk })).items).toEqual([]);
    expect((await issues(w)).items).toEqual([]);
  });

  it('forged, stale or foreign refund notifications are refused and change nothing', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    w.sandbox.setRefundAnswer('PROCESSING');
    const order = await refundedOrder(w, 'u-rf');
    const refund = order.refunds[0]!;
    const good = raw(w.sandbox.settleRefund({ refundId: refund.id, status: 'SUCCESS' }));
    const forged = await receiveRefundNotification(w.deps, { headers: { ...good.headers, 'wechatpay-signature': Buffer.from('z'.repeat(256)).toString('base64') }, body: good.body });
    expect(forged.status).toBe(401);
    expect((await receiveRefundNotification(w.deps, { headers: good.headers, body: good.body.replace('"REFUND.SUCCESS"', '"REFUND.CLOSED"') })).status).toBe(401);
    w.clock.advance(-6 * 60_000);
    const stale = raw(w.sandbox.settleRefund({ refundId: refund.id, status: 'SUCCESS' }));
    w.clock.advance(6 * 60_000);
    expect((await receiveRefundNotification(w.deps, stale)).status).toBe(401);
    const resource = { mchid: '1900009999', out_trade_no: order.id, out_refund_no: refund.id, refund_status: 'SUCCESS', amount: { total: 1, refund: 1, payer_total: 1, payer_refund: 1 } };
    expect((await receiveRefundNotification(w.deps, raw(w.sandbox.signedEvent('REFUND.SUCCESS', 'refund', resource)))).status).toBe(400);
    // A payment notification is not a refund notification.
    const payment = raw(w.sandbox.signedPaymentNotification({ orderId: order.id, amountFen: 1, openid: 'x' }));
    expect((await receiveRefundNotification(w.deps, payment)).status).toBe(400);
    expect((await findOrder(w.deps, order.id))?.refunds[0]?.status).toBe('PROCESSING');
    // A correctly signed notice of a refund this merchant never made: 200, nothing recorded.
    const unknown = { ...resource, mchid: LOCAL_MCH_ID, out_refund_no: 'nope-1' };
    expect((await receiveRefundNotification(w.deps, raw(w.sandbox.signedEvent('REFUND.SUCCESS', 'refund', unknown)))).status).toBe(200);
    expect((await findOrder(w.deps, order.id))?.refunds[0]?.status).toBe('PROCESSING');
  });

  it('ABNORMAL is listed for staff and alerted once; when it later succeeds it leaves the list', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    w.sandbox.setRefundAnswer('PROCESSING');
    const order = await refundedOrder(w, 'u-ra');
    const refund = order.refunds[0]!;
    const abnormal = raw(w.sandbox.settleRefund({ refundId: refund.id, status: 'ABNORMAL' }));
    const errors = vi.spyOn(logger, 'error');
    expect((await receiveRefundNotification(w.deps, abnormal)).status).toBe(200);
    expect((await receiveRefundNotification(w.deps, abnormal)).status).toBe(200);
    // One error line for the one recorded change, with ids only (no name, no phone).
    expect(errors.mock.calls).toEqual([['refund needs a person', { orderId: order.id, refundId: refund.id, status: 'ABNORMAL' }]]);
    expect(JSON.stringify(errors.mock.calls)).not.toMatch(/张三|13912345678/);
    errors.mockRestore();
    expect((await findOrder(w.deps, order.id))?.refunds[0]?.status).toBe('ABNORMAL');
    const listed = await issues(w, 'ABNORMAL');
    expect(listed.items).toEqual([expect.objectContaining({ refundId: refund.id, orderId: order.id, status: 'ABNORMAL', amountFen: refund.amountFen })]);
    expect((await issues(w)).items).toHaveLength(1);
    expect((await issues(w, 'CLOSED')).items).toEqual([]);
    const alert = await w.store.get(outboxKey(`refund-alert#${refund.id}#ABNORMAL#staff-1`));
    expect(alert).toMatchObject({ key: 'refundAlert', touser: 'staff-1', payload: { orderId: order.id, problem: 'refundAbnormal', amountFen: refund.amountFen } });
    // Only staff may list them.
    expect(codeOf(await dispatch(refundIssuesCommand, {}, { kind: 'openid', openid: 'u-ra' }, w.deps).catch((e) => e))).toBe('FORBIDDEN');

    // Staff fix it on the merchant platform; WeChat Pay then reports SUCCESS.
    expect((await receiveRefundNotification(w.deps, raw(w.sandbox.settleRefund({ refundId: refund.id, status: 'SUCCESS' })))).status).toBe(200);
    expect((await findOrder(w.deps, order.id))?.refunds[0]?.status).toBe('SUCCESS');
    expect((await issues(w)).items).toEqual([]);
  });

  it('CLOSED is final: listed and alerted, and a later SUCCESS claim changes nothing', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    w.sandbox.setRefundAnswer('PROCESSING');
    const order = await refundedOrder(w, 'u-rc');
    const refund = order.refunds[0]!;
    expect((await receiveRefundNotification(w.deps, raw(w.sandbox.settleRefund({ refundId: refund.id, status: 'CLOSED' })))).status).toBe(200);
    expect((await issues(w, 'CLOSED')).items).toEqual([expect.objectContaining({ refundId: refund.id, status: 'CLOSED' })]);
    expect(await w.store.get(outboxKey(`refund-alert#${refund.id}#CLOSED#staff-1`))).toMatchObject({ payload: { problem: 'refundClosed' } });
    expect((await receiveRefundNotification(w.deps, raw(w.sandbox.settleRefund({ refundId: refund.id, status: 'SUCCESS' })))).status).toBe(200);
    expect((await findOrder(w.deps, order.id))?.refunds[0]?.status).toBe('CLOSED');
  });
});

describe('the refunds job (every 10 minutes)', () => {
  it('asks about refunds PROCESSING for 10 minutes, records the final answer once, and keeps asking while still processing', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    w.sandbox.setRefundAnswer('PROCESSING');
    const order = await refundedOrder(w, 'u-rp');
    const refund = order.refunds[0]!;
    const queried: string[] = [];
    const query = w.deps.payment.queryRefund!.bind(w.deps.payment);
    w.deps.payment.queryRefund = async (input) => {
      queried.push(input.refundId);
      return query(input);
    };

    // Younger than 10 minutes: not asked.
    w.clock.advance(9 * 60_000);
    expect(await refundsJob.run(w.deps, {})).toEqual({ checked: 0, recorded: 0, processing: 0, failed: 0 });
    expect(queried).toEqual([]);
    // 10 minutes on and still processing at WeChat Pay: asked, nothing changes.
    w.clock.advance(60_000);
    expect(await refundsJob.run(w.deps, {})).toEqual({ checked: 1, recorded: 0, processing: 1, failed: 0 });
    expect((await findOrder(w.deps, order.id))?.refunds[0]?.status).toBe('PROCESSING');
    // WeChat Pay finished it but its notification never arrived: the next run records it.
    w.sandbox.settleRefund({ refundId: refund.id, status: 'ABNORMAL' });
    w.clock.advance(10 * 60_000);
    const [a, b] = await Promise.all([refundsJob.run(w.deps, {}), refundsJob.run(w.deps, {})]);
    expect((a as any).recorded + (b as any).recorded).toBe(1);
    expect((await findOrder(w.deps, order.id))?.refunds[0]?.status).toBe('ABNORMAL');
    expect((await issues(w, 'ABNORMAL')).items).toHaveLength(1);
    expect(await w.store.get(outboxKey(`refund-alert#${refund.id}#ABNORMAL#staff-1`))).toMatchObject({ key: 'refundAlert' });
    // Final: off the list, not asked again.
    queried.length = 0;
    expect(await refundsJob.run(w.deps, {})).toEqual({ checked: 0, recorded: 0, processing: 0, failed: 0 });
    expect(queried).toEqual([]);
  });

  it('a refund the gateway refused at first is asked about only once it exists there', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const real = w.deps.payment.refund.bind(w.deps.payment);
    let down = true;
    w.deps.payment.refund = async (input) => {
      if (down) throw new Error('gateway unavailable');
      return real(input);
    };
    const order = await refundedOrder(w, 'u-rd');
    w.clock.advance(11 * 60_000);
    // WeChat Pay does not know it yet (RESOURCE_NOT_EXISTS): it stays on the list.
    expect(await refundsJob.run(w.deps, {})).toMatchObject({ checked: 1, recorded: 0, processing: 1 });
    down = false;
    // The sandbox answers refunds at once by default: resubmitted by the expire job, then recorded by the poll.
    const { expireJob } = await import('#app/orders/commands');
    expect(((await expireJob.run(w.deps, {})) as any).refunds).toEqual({ resubmitted: 1, failed: 0 });
    expect(await refundsJob.run(w.deps, {})).toMatchObject({ checked: 1, recorded: 1 });
    expect((await findOrder(w.deps, order.id))?.refunds[0]?.status).toBe('SUCCESS');
  });
});
