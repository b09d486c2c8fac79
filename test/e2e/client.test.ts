/**
 * The typed client (client/) over HTTP against the local stack: sign in with the dev login,
 * browse, quote, place (201), pay through the sandbox, read the order back PAID, cancel another;
 * leader views; typed ApiErrors with the contract's codes. Every answer of a command with an
 * output schema is checked against it (test/support/checked-transport.ts). Also GET /openapi.json
 * and GET /docs on the local stack.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, httpTransport, type Client } from '../../client/index.ts';
import { checkedTransport } from '../support/checked-transport.ts';
import { api, baseUrl, uniqueOpenid } from '../support/stack.ts';

const contact = { name: '赵六', phone: '13712345678' };
let seq = 0;
const rid = () => `client-${Date.now().toString(36)}-${seq++}`;

/** Answers checked against their output schema, per command. */
const checked = new Map<string, number>();

/** A client signed in as `openid` through `POST /auth/dev-login` (dev.login). */
async function signedIn(openid: string): Promise<{ client: Client; token: string }> {
  let token: string | undefined;
  const client = createClient({ transport: checkedTransport(httpTransport({ baseUrl: baseUrl(), token: () => token }), checked) });
  const session = await client.dev.login({ openid });
  token = session.token;
  return { client, token };
}

describe('the typed client over HTTP (local stack)', () => {
  let buyer: Client;
  let leader: Client;
  let staff: Client;
  const s: Record<string, any> = {};

  beforeAll(async () => {
    buyer = (await signedIn(uniqueOpenid('client-buyer'))).client;
    leader = (await signedIn('demo-leader-jingan')).client;
    staff = (await signedIn('demo-staff')).client;
  });

  it('browses, quotes, places (201), pays through the sandbox and reads the order back PAID', async () => {
    const me = await buyer.auth.me();
    expect(me.roles).toContain('customer');
    const communities = await buyer.order.communities({ lat: 31.2233, lng: 121.4458 });
    expect(communities.map((c) => c.id)).toContain('c-jingan');
    const catalog = await buyer.order.catalog({ communityId: 'c-jingan' });
    expect(catalog.products.find((p) => p.id === 'p-rice')).toBeTruthy();
    const basket = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }] };
    const quote = await buyer.order.quote(basket);
    const placed = await buyer.order.place({ ...basket, requestId: rid(), contact });
    expect(placed.order.status).toBe('PENDING_PAYMENT');
    expect(placed.order.amounts).toEqual(quote.amounts);
    expect(placed.payment).toBeTruthy();
    await buyer.dev.pay({ orderId: placed.order.id });
    const order = await buyer.order.get({ id: placed.order.id });
    expect(order.status).toBe('PAID');
    expect(order.contact).toEqual(contact);
    const mine = await buyer.order.list({ limit: 10 });
    expect(mine.items.map((o) => o.id)).toContain(placed.order.id);
    s.paid = order;
  });

  it('subscribes to the pushes the mini-program offers', async () => {
    const templates = await buyer.notify.templates();
    const mine = templates.filter((t) => t.audience === 'customer');
    expect(mine.length).toBeGreaterThan(0);
    const { quota } = await buyer.notify.subscribe({ results: { [mine[0]!.templateId]: 'accept' } });
    expect(quota[mine[0]!.templateId]).toBeGreaterThanOrEqual(1);
  });

  it('cancels an unpaid order', async () => {
    const placed = await buyer.order.place({ communityId: 'c-jingan', items: [{ productId: 'p-milk', qty: 1 }], requestId: rid(), contact });
    const cancelled = await buyer.order.cancel({ id: placed.order.id });
    expect(cancelled.status).toBe('CANCELLED');
    expect((await buyer.order.get({ id: placed.order.id })).status).toBe('CANCELLED');
  });

  it('leader views: the community’s orders, the balance and the withdrawals', async () => {
    const orders = await leader.verify.orders({ waveDate: s.paid.waveDate });
    expect(orders.items.map((o) => o.id)).toContain(s.paid.id);
    const balance = await leader.settle.balance();
    expect(balance.availableFen).toEqual(expect.any(Number));
    const withdrawals = await leader.settle.myWithdrawals();
    expect(Array.isArray(withdrawals)).toBe(true);
  });

  it('errors are ApiError with the contract code, status and details', async () => {
    const bad = await buyer.order.place({ communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 0 }], requestId: rid(), contact }).catch((e) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, command: 'order.place' });
    expect(bad.details.issues.length).toBeGreaterThan(0);
    const missing = await buyer.order.get({ id: 'o-does-not-exist' }).catch((e) => e);
    expect(missing).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    const anonymous = createClient({ transport: httpTransport({ baseUrl: baseUrl() }) });
    expect(await anonymous.auth.me().catch((e) => e)).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect(await buyer.admin.settings().catch((e) => e)).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(await staff.admin.settings()).toBeTruthy();
  });

  it('GET /openapi.json serves the generated document and GET /docs a reference page of every route', async () => {
    const doc = await api('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.text).toBe(readFileSync('openapi.json', 'utf8'));
    const page = await api('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/^<!doctype html>/);
    for (const [path, methods] of Object.entries(JSON.parse(doc.text).paths as Record<string, Record<string, { operationId: string }>>)) {
      for (const op of Object.values(methods)) expect(page.text).toContain(`id="${op.operationId}"`);
      expect(page.text).toContain(path.replace(/&/g, '&#38;'));
    }
    expect(page.text).not.toMatch(/<script|https?:\/\/(?!localhost)/);
  });

  it('every answer of the commands with an output schema matched it', () => {
    for (const name of ['dev.login', 'auth.me', 'order.communities', 'order.catalog', 'order.quote', 'order.place', 'order.get', 'order.list', 'order.cancel', 'verify.orders', 'settle.balance', 'settle.myWithdrawals', 'notify.templates', 'notify.subscribe']) {
      expect(checked.get(name) ?? 0, `${name} answers checked against its output schema`).toBeGreaterThan(0);
    }
  });
});
