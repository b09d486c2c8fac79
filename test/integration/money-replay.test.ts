import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { expireJob, placeCommand } from '#app/orders/commands';
import { keys } from '#app/keys';
import { findOrder } from '#app/orders/model';
import { codeOf } from '#test/errors';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { pay } from '#test/calls';

/** Issue 12 item 5: a replayed POST /orders answers the first response — never a new prepay, never a 500. */

const contact = { name: '李四', phone: '13812345678' };

/** Counts what reaches the gateway's prepay (and lets the sandbox answer). */
function countPrepays(w: TestWorld): string[] {
  const calls: string[] = [];
  const real = w.deps.payment.prepay.bind(w.deps.payment);
  w.deps.payment.prepay = async (input) => {
    calls.push(input.orderId);
    return real(input);
  };
  return calls;
}

const place = (w: TestWorld, openid: string, input: Record<string, unknown>) =>
  dispatch(placeCommand, { contact, communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], ...input }, { kind: 'openid', openid }, w.deps) as Promise<any>;

describe('idempotent replay of POST /orders', () => {
  it('answers the first response (order and payment parameters) while pending, after payment and after expiry, with one prepay in all', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const prepays = countPrepays(w);
    const first = await place(w, 'u-r1', { requestId: 'r-paid' });
    expect(prepays).toHaveLength(1);
    expect(await place(w, 'u-r1', { requestId: 'r-paid' })).toEqual(first);

    expect((await pay(w, first.order, 'u-r1')).status).toBe(200);
    expect((await findOrder(w.deps, first.order.id))?.status).toBe('PAID');
    expect(await place(w, 'u-r1', { requestId: 'r-paid' })).toEqual(first);

    const second = await place(w, 'u-r1', { requestId: 'r-expired', items: [{ productId: 'p-milk', qty: 1 }] });
    w.clock.advance(20 * 60_000);
    await expireJob.run(w.deps, {});
    expect((await findOrder(w.deps, second.order.id))?.status).toBe('CANCELLED');
    expect(await place(w, 'u-r1', { requestId: 'r-expired', items: [{ productId: 'p-milk', qty: 1 }] })).toEqual(second);

    // Two placements, two prepays: no replay asked WeChat Pay for a new one.
    expect(prepays).toEqual([first.order.id, second.order.id]);
    // The kept answer holds no contact in clear.
    const record = await w.store.get(keys.idempotency('u-r1', 'r-paid'));
    expect(JSON.stringify(record)).not.toContain(contact.phone);
    expect(JSON.stringify(record)).not.toContain(contact.name);
  });

  it('the answer is kept as one JSON string; a record kept before as nested attributes still replays as it was', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const prepays = countPrepays(w);
    const first = await place(w, 'u-r4', { requestId: 'r-kept' });
    const record = await w.store.get(keys.idempotency('u-r4', 'r-kept'));
    expect(typeof record?.response).toBe('string');
    expect(JSON.parse(String(record!.response)).payment).toEqual(first.payment);
    // As a record written before: the same answer as nested attributes.
    const { contact: _, ...order } = first.order;
    await w.store.write({ type: 'put', item: { ...record!, response: { order, payment: first.payment } } });
    expect(await place(w, 'u-r4', { requestId: 'r-kept' })).toEqual(first);
    expect(prepays).toHaveLength(1);
  });

  it('the same requestId with a different input is INVALID_STATE, also after the order was paid', async () => {
    const w = await makeWorld();
    const first = await place(w, 'u-r2', { requestId: 'r-diff' });
    expect(codeOf(await place(w, 'u-r2', { requestId: 'r-diff', items: [{ productId: 'p-rice', qty: 2 }] }).catch((e) => e))).toBe('INVALID_STATE');
    await pay(w, first.order, 'u-r2');
    expect(codeOf(await place(w, 'u-r2', { requestId: 'r-diff', contact: { name: '王五', phone: '13812345678' } }).catch((e) => e))).toBe('INVALID_STATE');
    // requestIds are per customer: another customer's same requestId is a new order.
    expect((await place(w, 'u-r2-other', { requestId: 'r-diff' })).order.id).not.toBe(first.order.id);
  });

  it('concurrent twins and later replays all answer the same payment parameters', async () => {
    const w = await makeWorld();
    const answers = await Promise.all(Array.from({ length: 5 }, () => place(w, 'u-r3', { requestId: 'r-twins' })));
    for (const a of answers) {
      expect(a.order.id).toBe(answers[0].order.id);
      expect(a.payment).toEqual(answers[0].payment);
    }
    expect(await place(w, 'u-r3', { requestId: 'r-twins' })).toEqual(answers[0]);
    expect((await w.store.query({ index: 'gsi1', pk: 'U#u-r3' })).items).toHaveLength(1);
  });
});
