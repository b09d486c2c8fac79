import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { placeCommand } from '#app/orders/commands';
import { receivePaymentNotification } from '#app/orders/pay';
import { drainOutbox } from '#app/notify/drain';
import { outboxKey } from '#app/outbox';
import { webhookKeys } from '#app/webhooks/keys';
import { codeOf } from '#test/errors';
import { FUNCTIONS } from '../../functions/registry.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';

/**
 * Issue 18 item 5: signed webhooks leave through the outbox in the payment's own write, are
 * retried with backoff until a 2xx, and never reach a private, loopback or metadata address
 * outside the local stage. The receivers are real HTTP servers on 127.0.0.1.
 */

const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const staff = (w: TestWorld, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid: 'staff-1' }, w.deps) as Promise<any>;
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
const contact = { name: '张三', phone: '13912345678' };

interface Received {
  path: string;
  body: string;
  signature: string;
  answered: number;
}

/** One server, a path per receiver; `/flaky` answers 500 three times, then 200. */
function receivers() {
  const got: Received[] = [];
  let flakyFailures = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = req.url === '/flaky' && flakyFailures < 3 ? (flakyFailures++, 500) : 200;
      got.push({ path: req.url ?? '', body, signature: String(req.headers['x-signature'] ?? ''), answered: status });
      res.writeHead(status).end();
    });
  });
  return { server, got };
}

/** `t=…,v1=…[,v1=…]` checked as a receiver would: every v1 that matches one of the secrets. */
function verify(header: string, body: string, secret: string): boolean {
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  const t = parts.find(([k]) => k === 't')?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return parts.some(([k, v]) => k === 'v1' && v === expected);
}

async function placeAndPay(w: TestWorld, openid: string, requestId: string) {
  const { order } = (await dispatch(placeCommand, { requestId, contact, communityId: 'c-jingan', items: [{ productId: 'p-oil', qty: 1 }] }, { kind: 'openid', openid }, w.deps)) as any;
  const signed = w.sandbox.signedPaymentNotification({ orderId: order.id, amountFen: order.amounts.payableFen, openid });
  expect((await receivePaymentNotification(w.deps, { headers: lower(signed.headers), body: signed.body })).status).toBe(200);
  return order as { id: string; amounts: { payableFen: number } };
}

describe('webhooks on the local stage (loopback receivers)', () => {
  let w: TestWorld;
  const { server, got } = receivers();
  let base = '';
  beforeAll(async () => {
    w = await makeWorld({ now: '2028-02-03T10:00:00+08:00' });
    w.deps.devMode = true; // the local stage: loopback endpoints are allowed
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a receiver gets order.paid once, signed; a receiver failing 3 times gets it on the 4th try; rotate signs with both; replay sends it again', async () => {
    const ok = await staff(w, 'admin.createWebhook', { url: `${base}/ok`, events: ['order.paid', 'order.refunded'] });
    const flaky = await staff(w, 'admin.createWebhook', { url: `${base}/flaky`, events: ['order.paid'] });
    await staff(w, 'admin.createWebhook', { url: `${base}/other`, events: ['wave.closed'] });
    expect(ok.secret).toMatch(/^whsec_/);
    // The secret is shown once: the list never holds it, nor does the stored item in clear.
    const listed = await staff(w, 'admin.webhooks', {});
    expect(JSON.stringify(listed)).not.toContain(ok.secret);
    expect(JSON.stringify(await w.store.get(webhookKeys.endpoint(ok.id)))).not.toContain(ok.secret);

    const order = await placeAndPay(w, 'u-wh-1', 'wh-1');
    // The deliveries were written with the payment: before any drain they are queued.
    expect((await staff(w, 'admin.webhookDeliveries', { id: ok.id })).items).toHaveLength(1);
    expect((await staff(w, 'admin.webhookDeliveries', { id: flaky.id })).items.map((d: any) => d.status)).toEqual(['pending']);

    const random = () => 0.5;
    await drainOutbox(w.deps, { random });
    for (let i = 0; i < 10 && got.filter((g) => g.path === '/flaky' && g.answered === 200).length === 0; i++) {
      w.clock.advance(10 * 60_000);
      await drainOutbox(w.deps, { random });
    }
    const toOk = got.filter((g) => g.path === '/ok');
    const toFlaky = got.filter((g) => g.path === '/flaky');
    expect(toOk).toHaveLength(1);
    expect(got.filter((g) => g.path === '/other')).toHaveLength(0);
    const event = JSON.parse(toOk[0]!.body);
    expect(event).toMatchObject({ type: 'order.paid', data: { orderId: order.id, amountFen: order.amounts.payableFen } });
    expect(Object.keys(event).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
    expect(verify(toOk[0]!.signature, toOk[0]!.body, ok.secret)).toBe(true);
    expect(verify(toOk[0]!.signature, toOk[0]!.body, flaky.secret)).toBe(false);
    expect(toFlaky.map((g) => g.answered)).toEqual([500, 500, 500, 200]);
    expect(toFlaky.every((g) => g.body === toFlaky[0]!.body && verify(g.signature, g.body, flaky.secret))).toBe(true);
    const [delivery] = (await staff(w, 'admin.webhookDeliveries', { id: flaky.id })).items;
    expect(delivery).toMatchObject({ status: 'sent', attempts: 4, lastStatus: 200, type: 'order.paid', eventId: event.id });

    // Rotation: both secrets sign for 24 h; a replay is a new delivery of the same event.
    const rotated = await staff(w, 'admin.rotateWebhookSecret', { id: ok.id });
    expect(rotated.secret).not.toBe(ok.secret);
    const [okDelivery] = (await staff(w, 'admin.webhookDeliveries', { id: ok.id })).items;
    const replay = await staff(w, 'admin.replayWebhook', { id: okDelivery.id });
    expect(replay).toMatchObject({ status: 'pending', replayOf: okDelivery.id, eventId: event.id });
    await drainOutbox(w.deps, { random });
    const replayed = got.filter((g) => g.path === '/ok').at(-1)!;
    expect(got.filter((g) => g.path === '/ok')).toHaveLength(2);
    expect(JSON.parse(replayed.body).id).toBe(event.id);
    expect(replayed.signature.match(/v1=/g)).toHaveLength(2);
    expect(verify(replayed.signature, replayed.body, ok.secret) && verify(replayed.signature, replayed.body, rotated.secret)).toBe(true);
    // After 24 h only the new secret signs.
    w.clock.advance(25 * 3600_000);
    await staff(w, 'admin.replayWebhook', { id: okDelivery.id });
    await drainOutbox(w.deps, { random });
    const late = got.filter((g) => g.path === '/ok').at(-1)!;
    expect(late.signature.match(/v1=/g)).toHaveLength(1);
    expect(verify(late.signature, late.body, rotated.secret)).toBe(true);
    expect(verify(late.signature, late.body, ok.secret)).toBe(false);
    // A pending delivery cannot be replayed; an unknown one is 404.
    expect(codeOf(await staff(w, 'admin.replayWebhook', { id: 'nope' }).catch((e) => e))).toBe('NOT_FOUND');
  });

  it('a receiver that never answers 2xx is dead-lettered 24 h after the event', async () => {
    const down = await staff(w, 'admin.createWebhook', { url: `${base.replace(/:\d+$/, ':9')}/down`, events: ['order.paid'] });
    await placeAndPay(w, 'u-wh-2', 'wh-2');
    const random = () => 0.5;
    for (let i = 0; i < 40; i++) {
      await drainOutbox(w.deps, { random });
      w.clock.advance(60 * 60_000);
    }
    const [d] = (await staff(w, 'admin.webhookDeliveries', { id: down.id })).items;
    expect(d.status).toBe('dead');
    expect(d.attempts).toBeGreaterThan(6); // more than the pushes' limit: retried for 24 h
    expect(d.lastError).toMatch(/no answer/);
    const entry = await w.store.get(outboxKey(d.id));
    expect(Date.parse(String(entry!.deadAt)) - Date.parse(d.createdAt)).toBeGreaterThanOrEqual(24 * 3600_000);
  });
});

describe('purchase_order.created and delivery.late leave in the write that makes them', () => {
  it('the cutoff writing a purchase order and staff marking a wave late each queue one delivery, once however often they are repeated', async () => {
    const w = await makeWorld({ now: '2028-02-05T10:00:00+08:00' });
    w.deps.devMode = true;
    const hook = await staff(w, 'admin.createWebhook', { url: 'http://127.0.0.1:9/hook', events: ['purchase_order.created', 'delivery.late'] });
    const list = { suppliers: [{ supplierId: 's-fruit', lines: [{ productId: 'p-banana', title: '香蕉', qty: 12, costFen: 300 }] }], products: [{ productId: 'p-banana', orderedQty: 12 }] };
    const suppliers = new Map([['s-fruit', { id: 's-fruit', name: '鲜果批发' }]]);
    const { writePurchaseOrders } = await import('#app/supply/purchase-orders');
    expect(await writePurchaseOrders(w.deps, '2028-02-04', list as any, suppliers as any)).toBe(1);
    expect(await writePurchaseOrders(w.deps, '2028-02-04', list as any, suppliers as any)).toBe(0);
    const late = { date: '2028-02-04', requestId: 'late-wh-1', newArrivalAt: '2028-02-05T19:00:00+08:00', reason: '暴雨' };
    await staff(w, 'cutoff.late', late);
    await staff(w, 'cutoff.late', late);
    const deliveries = (await staff(w, 'admin.webhookDeliveries', { id: hook.id })).items;
    expect(deliveries.map((d: any) => d.type).sort()).toEqual(['delivery.late', 'purchase_order.created']);
  });
});

describe('webhook endpoints outside the local stage', () => {
  it('refuses http, private, loopback, link-local and metadata addresses (400), and checks the resolved addresses again at delivery', async () => {
    const w = await makeWorld({ now: '2028-02-03T10:00:00+08:00' });
    expect(w.deps.devMode).toBe(false);
    for (const url of [
      'https://10.0.0.8/hook',
      'https://192.168.1.20/hook',
      'https://172.20.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd00:ec2::254]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://metadata.google.internal/hook',
      'http://93.184.216.34/hook',
      'ftp://93.184.216.34/hook',
    ]) {
      const e = await staff(w, 'admin.createWebhook', { url, events: ['order.paid'] }).catch((x) => x);
      expect({ url, code: codeOf(e) }).toEqual({ url, code: 'VALIDATION_FAILED' });
    }
    expect(await staff(w, 'admin.webhooks', {})).toEqual([]);

    // An endpoint whose name resolves to a loopback address by the time of delivery (DNS rebinding): never posted to.
    const at = '2028-02-03T10:00:00+08:00';
    await w.store.write({ type: 'put', item: { ...webhookKeys.endpoint('wh-rebound'), id: 'wh-rebound', url: 'https://localhost:1/hook', events: ['order.paid'], active: true, secretSealed: w.deps.contacts.encrypt('whsec_x', 'webhook:wh-rebound'), createdAt: at, updatedAt: at } });
    await placeAndPay(w, 'u-wh-3', 'wh-3');
    await drainOutbox(w.deps, { random: () => 0.5 });
    const [d] = (await staff(w, 'admin.webhookDeliveries', { id: 'wh-rebound' })).items;
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 0 });
    expect(d.lastError).toMatch(/loopback/);
  });
});
