import { createServer, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/**
 * Integrations over HTTP on the local stack (issue 18 acceptance): a webhook receiver on this
 * machine gets `order.paid` once, signed; one failing 3 times gets it on the 4th try; a private
 * address is refused; an API key reads orders but cannot place, refund or read contacts; a day
 * whose sandbox bill has one tampered line reconciles to exactly that line.
 * Clock: 2028-02-01 … 2028-02-15 only.
 */
const DAY = '2028-02-02';
let seq = 0;
const rid = () => `int-${Date.now().toString(36)}-${seq++}`;
const phone = `135${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

interface Received {
  path: string;
  body: string;
  signature: string;
  answered: number;
}

function verify(header: string, body: string, secret: string): boolean {
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  const t = parts.find(([k]) => k === 't')?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return parts.some(([k, v]) => k === 'v1' && v === expected);
}

describe('integrations on the local stack', () => {
  let staff: string;
  let customer: string;
  const got: Received[] = [];
  /** `/flaky` fails each event 3 times, then takes it. */
  const flakyFailures = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const eventId = (() => {
        try {
          return String(JSON.parse(body).id);
        } catch {
          return '';
        }
      })();
      const failed = flakyFailures.get(eventId) ?? 0;
      const status = req.url === '/flaky' && failed < 3 ? (flakyFailures.set(eventId, failed + 1), 503) : 204;
      got.push({ path: req.url ?? '', body, signature: String(req.headers['x-signature'] ?? ''), answered: status });
      res.writeHead(status).end();
    });
  });
  let receiver = '';
  const hooks: Record<string, { id: string; secret: string }> = {};
  const orders: any[] = [];

  beforeAll(async () => {
    staff = await login('demo-staff');
    customer = await login(uniqueOpenid('int'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    receiver = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await resetClock(staff);
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('staff register two loopback receivers (the local stage allows them); a private address is refused', async () => {
    await setClock(staff, `${DAY}T09:00:00+08:00`);
    for (const name of ['ok', 'flaky']) {
      const r = await api('POST', '/admin/webhooks', { token: staff, body: { url: `${receiver}/${name}`, events: ['order.paid'] } });
      expect(r.status, r.text).toBe(201);
      expect(r.body.data.secret).toMatch(/^whsec_/);
      hooks[name] = { id: r.body.data.id, secret: r.body.data.secret };
    }
    const listed = await api('GET', '/admin/webhooks', { token: staff });
    expect(listed.text).not.toContain(hooks.ok!.secret);
    for (const url of ['https://10.0.0.8/hook', 'https://169.254.169.254/latest/meta-data', 'http://example.com/hook']) {
      const refused = await api('POST', '/admin/webhooks', { token: staff, body: { url, events: ['order.paid'] } });
      expect({ url, status: refused.status, code: refused.body.error?.code }).toEqual({ url, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('a paid order reaches the receiver once, signed; the failing receiver gets it on the 4th try', async () => {
    for (const [i, qty] of [1, 2].entries()) {
      await setClock(staff, `${DAY}T09:0${i + 1}:00+08:00`);
      const placed = await api('POST', '/orders', { token: customer, body: { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty }], requestId: rid(), contact: { name: '钱七', phone } } });
      expect(placed.status, placed.text).toBe(201);
      const paid = await api('POST', `/dev/pay/${placed.body.data.order.id}`, { token: customer });
      expect(paid.body.data.order.status).toBe('PAID');
      orders.push(paid.body.data.order);
    }
    const flakyDone = () => got.filter((g) => g.path === '/flaky' && g.answered === 204).length === orders.length;
    for (let minute = 5; minute <= 55 && !flakyDone(); minute += 10) {
      await setClock(staff, `${DAY}T09:${String(minute).padStart(2, '0')}:00+08:00`);
      const run = await runJobAndWait(baseUrl(), staff, 'notify');
      expect(run.status, JSON.stringify(run)).toBe('DONE');
    }
    const ok = got.filter((g) => g.path === '/ok');
    const flaky = got.filter((g) => g.path === '/flaky');
    const events = ok.map((g) => JSON.parse(g.body));
    expect(events.map((e) => e.data.orderId).sort()).toEqual(orders.map((o) => o.id).sort());
    expect(events.every((e) => e.type === 'order.paid')).toBe(true);
    expect(ok.every((g) => verify(g.signature, g.body, hooks.ok!.secret))).toBe(true);
    for (const o of orders) expect(flaky.filter((g) => JSON.parse(g.body).data.orderId === o.id).map((g) => g.answered)).toEqual([503, 503, 503, 204]);
    expect(ok).toHaveLength(orders.length);
    const deliveries = await api('GET', `/admin/webhooks/${hooks.flaky!.id}/deliveries`, { token: staff });
    expect(deliveries.status, deliveries.text).toBe(200);
    const first = deliveries.body.data.items.find((d: any) => d.attempts === 4);
    expect(first).toMatchObject({ status: 'sent', lastStatus: 204 });
  });

  it('an API key reads orders (masked) and the export, but cannot place, refund or read contacts; revoked, it stops', async () => {
    const made = await api('POST', '/admin/api-keys', { token: staff, body: { name: 'ERP', scopes: ['integration:orders'] } });
    expect(made.status, made.text).toBe(201);
    const key = made.body.data.key as string;
    expect(key).toMatch(/^gbk_/);
    const list = await api('GET', '/admin/orders?communityId=c-jingan', { token: key });
    expect(list.status, list.text).toBe(200);
    const mine = list.body.data.items.find((o: any) => o.id === orders[0].id);
    expect(mine.contact).toEqual({ name: '钱*', phoneTail: phone.slice(-4) });
    expect(list.text).not.toContain(phone);
    const csv = await api('GET', `/admin/exports/orders?from=${DAY}&to=${DAY}`, { token: key });
    expect(csv.status, csv.text).toBe(200);
    expect([...csv.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.text).toContain(orders[0].id);
    expect(csv.text).not.toContain(phone);
    expect((await api('GET', `/admin/exports/orders?from=${DAY}&to=2028-01-01`, { token: key })).status).toBe(400);

    const place = await api('POST', '/orders', { token: key, body: { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], requestId: rid(), contact: { name: '钱七', phone } } });
    expect(place.status).toBe(403);
    const refund = await api('POST', `/admin/orders/${orders[0].id}/refund`, { token: key, body: { requestId: rid(), lines: [{ productId: 'p-rice', qty: 1 }], reason: 'x' } });
    expect(refund.status).toBe(403);
    expect((await api('GET', `/admin/orders/${orders[0].id}`, { token: key })).status).toBe(403);
    expect((await api('GET', `/admin/orders?phone=${phone}`, { token: key })).status).toBe(403);
    expect((await api('GET', `/orders/${orders[0].id}`, { token: key })).status).toBe(403);
    expect((await api('GET', '/admin/api-keys', { token: key })).status).toBe(403);
    const after = await api('GET', `/admin/orders/${orders[0].id}`, { token: staff });
    expect(after.body.data.refunds).toEqual([]);

    expect((await api('DELETE', `/admin/api-keys/${made.body.data.id}`, { token: staff })).status).toBe(200);
    expect((await api('GET', '/admin/orders', { token: key })).status).toBe(401);
  });

  it('reconciliation of the day with one tampered sandbox bill line reports exactly that line', async () => {
    const tampered = orders[1];
    const bill = await api('POST', `/dev/bill/${DAY}`, { token: staff, body: { tamper: { outTradeNo: tampered.id, amountFen: tampered.amounts.payableFen - 100 } } });
    expect(bill.status, bill.text).toBe(200);
    expect(bill.body.data.lines).toBeGreaterThanOrEqual(2);
    await setClock(staff, '2028-02-03T10:00:00+08:00');
    // The daily job (10:00) reconciles the previous day.
    const run = await runJobAndWait(baseUrl(), staff, 'reconcile');
    expect(run.status, JSON.stringify(run)).toBe('DONE');
    const r = await api('GET', `/admin/reconciliation?date=${DAY}`, { token: staff });
    expect(r.status, r.text).toBe(200);
    expect(r.body.data.mismatches).toEqual([{ kind: 'AMOUNT', outTradeNo: tampered.id, ours: tampered.amounts.payableFen, theirs: tampered.amounts.payableFen - 100 }]);
    expect(r.body.data.matched).toBe(bill.body.data.lines - 1);
  });
});
