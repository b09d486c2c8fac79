/**
 * `npm run load`: the 20:00 peak over HTTP on the local stack. N customers (default 500) browse
 * the catalogue, quote, place and pay for S seconds (default 60); a flash sale opens at second
 * F (default 20) and every customer tries it once. Bounded in count (at most `--orders` orders
 * per customer) and in time. It reports orders per second, p50/p99 per route, errors by code,
 * and the bare store's placement throughput measured in the same run on the same DynamoDB Local
 * (the very transaction a placement sends, `bareSameShape`, and the first 5-item baseline
 * `barePlacement`, as `npm run bench` does). Then it closes the wave (the clock moved past the
 * cutoff, the cutoff job run over HTTP) and checks: no 5xx answer, no flash unit oversold, every
 * paid order present and confirmed. Exits 1 when a check fails.
 *
 *   npm run load -- [--customers 500] [--seconds 60] [--flash-at 20] [--flash-stock 100]
 *                   [--orders 3] [--think-ms 500] [--url http://localhost:3000 --dynamo-port 8000]
 *
 * Without --url it starts its own stack (scripts/lib/local-stack.ts) on free ports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pMap from 'p-map';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClient } from '../scripts/lib/dynamo-local.ts';
import { startLocalStack, type RunningStack } from '../scripts/lib/local-stack.ts';
import { runJobOverHttp } from '../scripts/lib/jobs-http.ts';
import { createDynamoItemStore } from '#adapters/dynamodb/item-store';
import { barePlacement, bareSameShape, capturePlacementShape } from './orders.ts';
import { benchDeps, percentile } from './support.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '60' },
    'flash-at': { type: 'string', default: '20' },
    'flash-stock': { type: 'string', default: '100' },
    orders: { type: 'string', default: '3' },
    'think-ms': { type: 'string', default: '500' },
    url: { type: 'string' },
    'dynamo-port': { type: 'string' },
  },
});
const CUSTOMERS = Number(args.customers);
const SECONDS = Number(args.seconds);
const FLASH_AT = Number(args['flash-at']);
const FLASH_STOCK = Number(args['flash-stock']);
const MAX_ORDERS = Number(args.orders);
const THINK_MS = Number(args['think-ms']);
const COMMUNITIES = ['c-jingan', 'c-xujiahui', 'c-lujiazui', 'c-wujiaochang'];
const contact = { name: '压测用户', phone: '13800001111' };

interface Sample {
  route: string;
  ms: number;
  status: number;
  code?: string;
}
const samples: Sample[] = [];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = () => Math.round(THINK_MS * (0.5 + Math.random()));
let counter = 0;
const rid = () => `load-${process.pid}-${Date.now().toString(36)}-${counter++}`;

async function call(url: string, route: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const t = performance.now();
  let status = 0;
  let parsed: any;
  try {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    status = res.status;
    const text = await res.text();
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  } catch (e) {
    parsed = { error: { code: `NETWORK:${(e as Error).message.slice(0, 40)}` } };
  }
  samples.push({ route, ms: performance.now() - t, status, ...(status >= 300 || status === 0 ? { code: parsed?.error?.code ?? `HTTP ${status}` } : {}) });
  return { status, body: parsed };
}

async function main() {
  let stack: RunningStack | undefined;
  let url = args.url;
  let dynamoPort = args['dynamo-port'] ? Number(args['dynamo-port']) : undefined;
  if (!url) {
    console.log('starting the local stack…');
    stack = await startLocalStack();
    url = stack.url;
    dynamoPort = stack.dynamoPort;
  }
  const failures: string[] = [];
  try {
    const login = async (openid: string) => {
      const r = await call(url!, 'POST /auth/dev-login', 'POST', '/auth/dev-login', undefined, { openid });
      if (r.status !== 200) throw new Error(`dev-login failed: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      return r.body.data.token as string;
    };
    const staff = await login('demo-staff');
    const run = Date.now().toString(36);
    const tokens: string[] = [];
    await pMap(Array.from({ length: CUSTOMERS }, (_, i) => i), async (i) => {
      tokens[i] = await login(`load-${run}-${i}`);
    }, { concurrency: 50 });
    samples.length = 0;

    // The flash sale opens at second FLASH_AT of the business clock.
    const clock = await call(url, 'GET /dev/clock', 'GET', '/dev/clock', staff);
    const now = Date.parse(clock.body?.data?.now ?? new Date().toISOString());
    const flash = await call(url, 'POST /admin/products', 'POST', '/admin/products', staff, {
      title: `压测秒杀 ${run}`, category: '水果', priceFen: 3990, supplierId: 's-fruit', fresh: true, status: 'active',
      flashSale: { priceFen: 990, stock: FLASH_STOCK, startsAt: new Date(now + FLASH_AT * 1000).toISOString(), endsAt: new Date(now + 3600_000).toISOString(), perUserLimit: 1 },
    });
    if (flash.status !== 200) throw new Error(`flash product: ${flash.status} ${JSON.stringify(flash.body).slice(0, 300)}`);
    const flashId = flash.body.data.id as string;

    const paid: { id: string; token: string }[] = [];
    const flashPlaced: string[] = [];
    const t0 = performance.now();
    const deadline = t0 + SECONDS * 1000;
    const flashOpensAt = t0 + FLASH_AT * 1000;
    console.log(`${CUSTOMERS} customers for ${SECONDS} s; flash sale of ${FLASH_STOCK} opens at second ${FLASH_AT}`);

    await Promise.all(tokens.map(async (token, i) => {
      const communityId = COMMUNITIES[i % COMMUNITIES.length]!;
      let orders = 0;
      let triedFlash = false;
      await pause(Math.random() * 2000);
      while (performance.now() < deadline && (orders < MAX_ORDERS || (!triedFlash && performance.now() < flashOpensAt + 30_000))) {
        const catalog = await call(url!, 'GET /catalog', 'GET', `/catalog?communityId=${communityId}`, token);
        if (performance.now() >= deadline) break;
        const products: any[] = (catalog.body?.data?.products ?? []).filter((p: any) => p.id !== flashId && !p.flashSale);
        const wantFlash = !triedFlash && performance.now() >= flashOpensAt;
        let items: { productId: string; qty: number }[];
        if (wantFlash) {
          triedFlash = true;
          items = [{ productId: flashId, qty: 1 }];
        } else {
          if (orders >= MAX_ORDERS || products.length === 0) {
            await pause(jitter());
            continue;
          }
          const picks = new Set<string>();
          const n = 1 + Math.floor(Math.random() * 3);
          for (let k = 0; k < n; k++) picks.add(products[Math.floor(Math.random() * products.length)]!.id);
          items = [...picks].map((productId) => ({ productId, qty: 1 }));
        }
        await pause(jitter());
        const quote = await call(url!, 'POST /orders/quote', 'POST', '/orders/quote', token, { communityId, items });
        if (quote.status !== 200) continue;
        const placed = await call(url!, 'POST /orders', 'POST', '/orders', token, { communityId, items, requestId: rid(), contact });
        if (placed.status !== 201) continue;
        const order = placed.body.data.order;
        orders += wantFlash ? 0 : 1;
        if (wantFlash) flashPlaced.push(order.id);
        const pay = await call(url!, 'POST /dev/pay/{id}', 'POST', `/dev/pay/${order.id}`, token);
        if (pay.status === 200) paid.push({ id: order.id, token });
        await pause(jitter());
      }
    }));
    const elapsed = (performance.now() - t0) / 1000;

    // The bare store's placement throughput, in the same run, on the same DynamoDB Local: the very
    // transaction a placement of a 2-line basket sends (captured on a table of its own seeded with the
    // demo catalogue), and the first 5-item baseline beside it.
    let bare: { sameShapePerSecond: number; sameShapeItems: number; fiveItemPerSecond: number; concurrency: number } | undefined;
    if (dynamoPort) {
      const raw = localClient(`http://127.0.0.1:${dynamoPort}`);
      await ensureTable(raw, 'load_bare');
      const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
      await benchDeps(createDynamoItemStore({ tableName: 'load_bare', client: doc })); // the demo catalogue
      const shape = await capturePlacementShape(doc, 'load_bare', { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }, { productId: 'p-noodles', qty: 1 }] });
      const concurrency = Math.min(CUSTOMERS, 64);
      const n = 2000;
      const rate = async (f: (i: number) => Promise<unknown>) => {
        const t1 = performance.now();
        // A transaction refused by a conflict on a shared item (a product or gate check) is sent again, as the store adapter does.
        const again = async (i: number, tries = 1): Promise<unknown> => f(i).catch((e) => (tries < 8 && e?.name === 'TransactionCanceledException' ? again(i, tries + 1) : Promise.reject(e)));
        await pMap(Array.from({ length: n }, (_, i) => i), (i) => again(i), { concurrency });
        return Math.round((n / (performance.now() - t1)) * 1000);
      };
      const sameShapePerSecond = await rate((i) => bareSameShape(doc, shape, `${run}-${i}`));
      const fiveItemPerSecond = await rate((i) => barePlacement(doc, 'load_bare', `${run}-${i}`));
      bare = { sameShapePerSecond, sameShapeItems: shape.items, fiveItemPerSecond, concurrency };
    }

    // Per route: count, p50, p99, errors by code.
    const routes = [...new Set(samples.map((s) => s.route))];
    const table = routes.map((route) => {
      const xs = samples.filter((s) => s.route === route);
      const codes: Record<string, number> = {};
      for (const s of xs) if (s.code) codes[s.code] = (codes[s.code] ?? 0) + 1;
      return { route, count: xs.length, p50Ms: Math.round(percentile(xs.map((s) => s.ms), 50)), p99Ms: Math.round(percentile(xs.map((s) => s.ms), 99)), errors: Object.entries(codes).map(([c, n]) => `${c}×${n}`).join(' ') };
    });
    const placed = samples.filter((s) => s.route === 'POST /orders' && s.status === 201).length;
    const summary = {
      customers: CUSTOMERS,
      seconds: +elapsed.toFixed(1),
      ordersPlaced: placed,
      ordersPaid: paid.length,
      ordersPerSecond: +(placed / elapsed).toFixed(1),
      bareSameShapePerSecond: bare?.sameShapePerSecond,
      bareSameShapeItems: bare?.sameShapeItems,
      bareFiveItemPerSecond: bare?.fiveItemPerSecond,
      bareConcurrency: bare?.concurrency,
      flashSold: flashPlaced.length,
      flashStock: FLASH_STOCK,
    };
    console.log('\nPer route');
    console.table(table);
    console.log('\nSummary');
    console.table([summary]);

    const fiveHundreds = samples.filter((s) => s.status >= 500 || s.status === 0);
    if (fiveHundreds.length) failures.push(`${fiveHundreds.length} answers were 5xx or failed: ${[...new Set(fiveHundreds.map((s) => `${s.route} ${s.code}`))].join(', ')}`);
    if (flashPlaced.length > FLASH_STOCK) failures.push(`flash sale oversold: ${flashPlaced.length} > ${FLASH_STOCK}`);

    // Close the wave: the clock past the cutoff of the paid orders' wave, then the cutoff job.
    if (paid.length) {
      const first = await call(url, 'GET /orders/{id}', 'GET', `/orders/${paid[0]!.id}`, paid[0]!.token);
      const waveDate = first.body.data.waveDate as string;
      await call(url, 'POST /dev/clock', 'POST', '/dev/clock', staff, { now: `${waveDate}T22:01:00+08:00` });
      try {
        const ended = await runJobOverHttp(url, staff, 'cutoff');
        if (ended.status !== 'DONE') failures.push(`cutoff run ${ended.status}: ${JSON.stringify(ended.error ?? ended.result)}`);
        const missing: string[] = [];
        await pMap(paid, async (o) => {
          const r = await call(url!, 'GET /orders/{id}', 'GET', `/orders/${o.id}`, o.token);
          if (r.status !== 200 || r.body.data.status !== 'CONFIRMED') missing.push(`${o.id}:${r.status}:${r.body?.data?.status ?? r.body?.error?.code}`);
        }, { concurrency: 32 });
        if (missing.length) failures.push(`${missing.length} paid orders not confirmed after the cutoff: ${missing.slice(0, 5).join(', ')}`);
      } finally {
        // Back to the real clock (a stack given with --url is left on it).
        await call(url, 'DELETE /dev/clock', 'DELETE', '/dev/clock', staff);
      }
    }

    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), summary, routes: table, failures }, null, 2));
    console.log(`\nwritten to ${file}`);
  } finally {
    await stack?.stop();
  }
  if (failures.length) {
    console.error(`\nFAILED:\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  console.log('\nchecks passed: no 5xx, no oversell, every paid order confirmed after the cutoff');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
