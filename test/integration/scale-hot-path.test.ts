/**
 * Issue 19's placement hot path on DynamoDB Local: products, communities and waves come from a
 * per-instance cache of a few seconds, yet a changed price is never sold at the old one (the
 * transaction checks the product's `rev`); once a flash sale or a wave's stock is sold out,
 * buyers are answered OUT_OF_STOCK without a transaction, and a cancel that gives units back
 * puts them on sale again at once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { cancelCommand, placeCommand, quoteCommand } from '#app/orders/commands';
import { catalogCommand } from '#app/catalog/commands';
import { upsertProductCommand } from '#app/admin/commands';
import type { ItemStore } from '#ports/item-store';
import { keys } from '#app/keys';
import { READ_CACHE_MS } from '#app/read-cache';
import { codeOf } from '#test/errors';
import { makeWorld, staffCtx, type TestWorld } from '../support/harness.ts';
import { upsertGiftCommand } from '#app/coupons/commands';
import { couponKeys } from '#app/coupons/keys';
import { flashShardCapacities } from '#app/catalog/products';
import { createTestStore } from '../support/dynamo.ts';

const contact = { name: '张三', phone: '13912345678' };
let n = 0;
/** The error code a call failed with, or OK. */
const failure = (p: Promise<unknown>) => p.then(() => 'OK', codeOf);
const rid = () => `hot-${Date.now().toString(36)}-${n++}`;

/** The real store, counting the transactions and reads that reach it. */
function counting(store: ItemStore) {
  const counts = { transact: 0, reads: 0, keys: [] as string[], requests: [] as string[] };
  const wrapped: ItemStore = {
    ...store,
    get: (...a) => (counts.reads++, counts.keys.push(`${a[0].pk}|${a[0].sk}`), counts.requests.push(`get ${a[0].pk}|${a[0].sk}`), store.get(...a)),
    getMany: (...a) => (counts.reads++, counts.keys.push(...a[0].map((k) => `${k.pk}|${k.sk}`)), counts.requests.push(`getMany ${a[0].map((k) => `${k.pk}|${k.sk}`).join(' ')}`), store.getMany(...a)),
    query: (...a) => (counts.requests.push(`query ${a[0].index ?? ''}${a[0].pk}`), store.query(...a)),
    write: (...a) => (counts.requests.push(`write ${'key' in a[0] ? a[0].key.pk : a[0].item.pk}`), store.write(...a)),
    transact: (...a) => (counts.transact++, counts.requests.push('transact'), store.transact(...a)),
    putMany: (...a) => store.putMany(...a),
  };
  return { wrapped, counts };
}

describe('placement reads through a per-instance cache and answers sold-out without a transaction', () => {
  let w: TestWorld;
  let counts: ReturnType<typeof counting>['counts'];
  const place = (openid: string, items: { productId: string; qty: number }[]) =>
    dispatch(placeCommand, { communityId: 'c-jingan', items, requestId: rid(), contact }, { kind: 'openid', openid }, w.deps) as Promise<any>;
  const upsert = (input: Record<string, unknown>) => upsertProductCommand.run(staffCtx(w.deps), input as any) as Promise<any>;

  beforeAll(async () => {
    const c = counting((await createTestStore()).store);
    counts = c.counts;
    w = await makeWorld({ now: '2027-01-12T10:00:00+08:00', store: c.wrapped });
  });

  it('a price changed after the product was cached is charged at the new price, never the old one', async () => {
    const product = await upsert({ title: '缓存测试 苹果', category: '水果', priceFen: 1000, supplierId: 's-fruit', fresh: true, status: 'active' });
    // Cached by a quote …
    const quoted = (await dispatch(quoteCommand, { communityId: 'c-jingan', items: [{ productId: product.id, qty: 1 }] }, { kind: 'openid', openid: 'u-cache-1' }, w.deps)) as any;
    expect(quoted.lines[0].unitPriceFen).toBe(1000);
    // … then the merchant raises the price within the cache's lifetime.
    await upsert({ ...product, priceFen: 1500 });
    const placed = await place('u-cache-1', [{ productId: product.id, qty: 1 }]);
    expect(placed.order.lines[0].unitPriceFen).toBe(1500);
    // And taking the product off sale is seen by the next placement at once, whatever the cache holds.
    await upsert({ ...product, priceFen: 1500, status: 'inactive' });
    expect(await failure(place('u-cache-2', [{ productId: product.id, qty: 1 }]))).toBe('NOT_FOUND');
  });

  it('repeated placements read the product, community and wave once per cache lifetime', async () => {
    const product = await upsert({ title: '缓存测试 米', category: '粮油', priceFen: 500, supplierId: 's-grain', fresh: false, status: 'active' });
    await place('u-reads-0', [{ productId: product.id, qty: 1 }]);
    const from = counts.keys.length;
    const t0 = performance.now();
    for (let i = 1; i <= 5; i++) await place(`u-reads-${i}`, [{ productId: product.id, qty: 1 }]);
    const refreshes = 1 + Math.floor((performance.now() - t0) / READ_CACHE_MS);
    const read = counts.keys.slice(from);
    // The product, the community and its wave: read again only when the cache's entry aged out (at most once per lifetime), not per placement.
    const key = (k: { pk: string; sk: string }) => `${k.pk}|${k.sk}`;
    const waveDate = '2027-01-12';
    for (const k of [keys.product(product.id), keys.community('c-jingan'), keys.communityWave('c-jingan', waveDate)])
      expect(read.filter((r) => r === key(k)).length, key(k)).toBeLessThanOrEqual(Math.min(refreshes, 5));
    expect(read.filter((r) => r === key(keys.product(product.id))).length).toBeLessThan(5);
  });

  it('a sold-out wave stock answers OUT_OF_STOCK without a transaction; a cancel puts the unit on sale again at once', async () => {
    const product = await upsert({ title: '限量 土鸡蛋', category: '禽蛋', priceFen: 2000, supplierId: 's-egg', fresh: true, status: 'active', stockPerWave: 2 });
    const a = await place('u-sold-a', [{ productId: product.id, qty: 1 }]);
    await place('u-sold-b', [{ productId: product.id, qty: 1 }]);
    // The first refusal is the transaction's; it leaves the marker.
    expect(await failure(place('u-sold-c', [{ productId: product.id, qty: 1 }]))).toBe('OUT_OF_STOCK');
    const before = counts.transact;
    for (let i = 0; i < 5; i++) expect(await failure(place(`u-sold-d${i}`, [{ productId: product.id, qty: 1 }]))).toBe('OUT_OF_STOCK');
    expect(counts.transact - before).toBe(0);
    // A cancel gives the unit back and clears the marker: the next buyer gets it.
    await dispatch(cancelCommand, { id: a.order.id }, { kind: 'openid', openid: 'u-sold-a' }, w.deps);
    const again = await place('u-sold-e', [{ productId: product.id, qty: 1 }]);
    expect(again.order.status).toBe('PENDING_PAYMENT');
    expect(await failure(place('u-sold-f', [{ productId: product.id, qty: 1 }]))).toBe('OUT_OF_STOCK');
  });

  it('a sold-out flash sale answers the late buyers without a transaction, and never oversells', async () => {
    const now = w.clock.now();
    const product = await upsert({
      title: '秒杀 草莓', category: '水果', priceFen: 3990, supplierId: 's-fruit', fresh: true, status: 'active',
      flashSale: { priceFen: 990, stock: 10, startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3600_000).toISOString(), perUserLimit: 1 },
    });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => place(`u-flash-${i}`, [{ productId: product.id, qty: 1 }]).then(() => 'OK', (e) => e.code)));
    expect(results.filter((r) => r === 'OK')).toHaveLength(10);
    expect(new Set(results.filter((r) => r !== 'OK'))).toEqual(new Set(['OUT_OF_STOCK']));
    const before = counts.transact;
    for (let i = 0; i < 5; i++) expect(await failure(place(`u-flash-late-${i}`, [{ productId: product.id, qty: 1 }]))).toBe('OUT_OF_STOCK');
    expect(counts.transact - before).toBe(0);
  });

  it('a placement sends no roles lookup, the customer reads as one request, no read of the idempotency record, then the transaction and the kept answer', async () => {
    const product = await upsert({ title: '请求计数 面条', category: '粮油', priceFen: 800, supplierId: 's-grain', fresh: false, status: 'active' });
    await place('u-req-0', [{ productId: product.id, qty: 1 }]); // the product, community and wave cached
    const from = counts.requests.length;
    const placed = await place('u-req-1', [{ productId: product.id, qty: 1 }]);
    // Cache entries (products, community, wave, gifts) may age out meanwhile: left out here.
    const sent = counts.requests.slice(from).filter((r) => !/P#|C#c-jingan\|(META|WAVE)|T#gift/.test(r));
    // No roles lookup (every openid is a customer: order.place is `rolesUnread`), no read of the idempotency record.
    expect(sent).toHaveLength(3);
    expect(sent.slice(0, 2)).toEqual([
      'getMany U#u-req-1|PROFILE U#u-req-1|LEVEL', // pricing: profile and level together
      'transact',
    ]);
    expect(sent[2]).toMatch(/^write REQ#u-req-1#/); // the answer kept with the idempotency record
    expect(placed.order.status).toBe('PENDING_PAYMENT');
    expect(counts.requests.slice(from).some((r) => r.startsWith('get REQ#'))).toBe(false);
  });

  it('the catalog (the peak’s most frequent call) sends no roles lookup and reads the community through the instance cache; its remaining stock is read fresh', async () => {
    const product = await upsert({ title: '目录 计数 鸡蛋', category: '蛋品', priceFen: 1500, supplierId: 's-dairy', fresh: true, status: 'active', stockPerWave: 5 });
    const catalog = (openid: string) => dispatch(catalogCommand, { communityId: 'c-jingan' }, { kind: 'openid', openid }, w.deps) as Promise<{ products: { id: string; remaining?: number }[] }>;
    await catalog('u-cat-0'); // the community cached
    const from = counts.requests.length;
    await catalog('u-cat-1');
    const sent = counts.requests.slice(from);
    // No roles lookup (order.catalog is `rolesUnread`): no query of a user's items, no read of a role item (sort key R#…).
    // Not any 'R#': a flash sale's ULID ending in R makes `FLASH#…R#0` (it did, in CI).
    expect(sent.some((r) => /\|R#/.test(r) || /^query U#/.test(r))).toBe(false);
    expect(sent.some((r) => r.includes('C#c-jingan|META'))).toBe(false); // the community from the cache
    // Remaining stock is never the cache's: an order shows at once.
    await place('u-cat-2', [{ productId: product.id, qty: 2 }]);
    expect((await catalog('u-cat-3')).products.find((p) => p.id === product.id)?.remaining).toBe(3);
  });

  it('a replay still answers the first order and payment after placing anew would fail: product off sale, stock sold out', async () => {
    const product = await upsert({ title: '重放 鲜牛奶', category: '乳品', priceFen: 1200, supplierId: 's-dairy', fresh: true, status: 'active', stockPerWave: 1 });
    const input = { communityId: 'c-jingan', items: [{ productId: product.id, qty: 1 }], requestId: rid(), contact };
    const send = (openid: string, body = input) => dispatch(placeCommand, body, { kind: 'openid', openid }, w.deps) as Promise<any>;
    const first = await send('u-replay-a');
    // Sold out: the replay's transaction fails on the stock as on its idempotency record.
    const again = await send('u-replay-a');
    expect(again.order.id).toBe(first.order.id);
    expect(again.payment).toEqual(first.payment);
    // Another buyer hears the sell-out and leaves the marker: the replay is refused before any transaction, and still answered.
    expect(await failure(send('u-replay-b', { ...input, requestId: rid() }))).toBe('OUT_OF_STOCK');
    const transactions = counts.transact;
    const marked = await send('u-replay-a');
    expect(counts.transact).toBe(transactions);
    expect(marked.order.id).toBe(first.order.id);
    expect(marked.payment).toEqual(first.payment);
    // Off sale: pricing fails (NOT_FOUND), the replay answers the first order all the same.
    await upsert({ ...product, status: 'inactive' });
    const offSale = await send('u-replay-a');
    expect(offSale.order.id).toBe(first.order.id);
    expect(offSale.payment).toEqual(first.payment);
    // The same requestId with another basket is still refused.
    expect(await failure(send('u-replay-a', { ...input, items: [{ productId: 'p-rice', qty: 2 }] }))).toBe('INVALID_STATE');
  });

  it('a gift changed on another instance after this one cached the gifts is checked by the transaction: never given beyond its new stock', async () => {
    const pricey = await upsert({ title: '满赠测试 礼盒', category: '水果', priceFen: 60000, supplierId: 's-fruit', fresh: true, status: 'active' });
    // Another instance of the same store (its own read cache).
    const other = await makeWorld({ now: '2027-01-12T10:00:00+08:00', store: { ...w.store }, seed: false });
    // Created on this instance: its next placement sees it at once.
    const gift = (await upsertGiftCommand.run(staffCtx(w.deps), { productId: 'p-eggs', thresholdFen: 50000, stock: 5 })) as any;
    const giftLine = (o: any) => o.order.lines.find((l: any) => l.gift === gift.id);
    // This instance caches the gift (stock 5) and gives one.
    expect(giftLine(await place('u-gift-1', [{ productId: pricey.id, qty: 1 }]))).toBeDefined();
    // The other instance lowers the stock to the one given.
    await upsertGiftCommand.run(staffCtx(other.deps), { id: gift.id, productId: 'p-eggs', thresholdFen: 50000, stock: 1 });
    const before = counts.transact;
    const second = await place('u-gift-2', [{ productId: pricey.id, qty: 1 }]);
    // The cached copy said 5: its check failed, the gifts were read again, and the order goes without.
    expect(counts.transact - before).toBe(2);
    expect(giftLine(second)).toBeUndefined();
    expect(Number((await w.store.get(couponKeys.giftStock(gift.id)))?.given)).toBe(1);
  });

  it('a flash sale bought through two instances at once sells every unit exactly once: each instance spreads its buyers over the shards, a stale view never declares it sold out early', async () => {
    const now = w.clock.now();
    const product = await upsert({
      title: '秒杀 车厘子', category: '水果', priceFen: 9990, supplierId: 's-fruit', fresh: true, status: 'active',
      flashSale: { priceFen: 1990, stock: 20, startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3600_000).toISOString(), perUserLimit: 1 },
    });
    const other = await makeWorld({ now: '2027-01-12T10:00:00+08:00', store: { ...w.store }, seed: false });
    const buy = (deps: typeof w.deps, i: number) =>
      failure(dispatch(placeCommand, { communityId: 'c-jingan', items: [{ productId: product.id, qty: 1 }], requestId: rid(), contact }, { kind: 'openid', openid: `u-2inst-${i}` }, deps));
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => buy(i % 2 ? other.deps : w.deps, i)));
    expect(results.filter((r) => r === 'OK')).toHaveLength(20);
    expect(new Set(results.filter((r) => r !== 'OK'))).toEqual(new Set(['OUT_OF_STOCK']));
    // The shards' counters add up to the units sold, none above its capacity.
    const caps = flashShardCapacities(20, w.deps.settings.flashShards);
    const shards = await w.store.getMany(caps.map((_, i) => keys.flashStock(product.id, product.flashSale.id, i)));
    expect(shards.reduce((a, it) => a + Number(it.sold ?? 0), 0)).toBe(20);
    for (const it of shards) expect(Number(it.sold)).toBeLessThanOrEqual(caps[Number(String(it.sk).split('#').at(-1))]!);
  });

  it('a flash sale’s waiting buyers check for a replay together (a few BatchGets, no read each): a retried winner among them gets its own order', async () => {
    const now = w.clock.now();
    const product = await upsert({
      title: '秒杀 荔枝', category: '水果', priceFen: 5990, supplierId: 's-fruit', fresh: true, status: 'active',
      flashSale: { priceFen: 1990, stock: 10, startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3600_000).toISOString(), perUserLimit: 1 },
    });
    const buy = (openid: string, requestId: string) =>
      dispatch(placeCommand, { communityId: 'c-jingan', items: [{ productId: product.id, qty: 1 }], requestId, contact }, { kind: 'openid', openid }, w.deps) as Promise<any>;
    // Five buyers won before the crowd came.
    const won = [];
    for (let i = 0; i < 5; i++) won.push(await buy(`u-retry-${i}`, `retry-${i}`));
    const gateWidth = 3 * w.deps.settings.flashShards;
    const requestsBefore = counts.requests.length;
    // The crowd: more new buyers than the gate admits at once, then the five winners' retries (which must wait).
    const crowd = Array.from({ length: gateWidth + 40 }, (_, i) => failure(buy(`u-crowd-${i}`, `crowd-${i}`)));
    const retries = won.map((_, i) => buy(`u-retry-${i}`, `retry-${i}`));
    const [results, again] = await Promise.all([Promise.all(crowd), Promise.all(retries)]);
    expect(results.filter((r) => r === 'OK')).toHaveLength(5);
    expect(new Set(results.filter((r) => r !== 'OK'))).toEqual(new Set(['OUT_OF_STOCK']));
    // Each retry answers its first order and payment, not OUT_OF_STOCK and not a second order.
    for (const [i, a] of again.entries()) {
      expect(a.order.id).toBe(won[i].order.id);
      expect(a.payment).toEqual(won[i].payment);
    }
    // The waiters' idempotency records were read in BatchGets carrying many keys. A read of its own is made
    // only by an admitted buyer whose placement failed (placing looks for a replay then): at most the gate's width.
    const sent = counts.requests.slice(requestsBefore);
    const reqReads = sent.filter((r) => r.includes('REQ#'));
    expect(reqReads.filter((r) => r.startsWith('get ')).length).toBeLessThanOrEqual(gateWidth);
    const batches = reqReads.filter((r) => r.startsWith('getMany '));
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.length).toBeLessThan(10);
    expect(Math.max(...batches.map((b) => b.split(' ').length - 1))).toBeGreaterThan(10);
  }, 30_000);

  it('a flash placement refused after taking shard units (balance short) gives them back to the instance: later buyers are not kept waiting', async () => {
    const now = w.clock.now();
    const product = await upsert({
      title: '秒杀 蓝莓', category: '水果', priceFen: 2990, supplierId: 's-fruit', fresh: true, status: 'active',
      flashSale: { priceFen: 990, stock: 2, startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3600_000).toISOString(), perUserLimit: 1 },
    });
    const buy = (openid: string, extra: Record<string, unknown> = {}) =>
      failure(dispatch(placeCommand, { communityId: 'c-jingan', items: [{ productId: product.id, qty: 1 }], requestId: rid(), contact, ...extra }, { kind: 'openid', openid }, w.deps));
    // More refusals than shards, each after its shard units were taken for it.
    for (let i = 0; i < 4; i++) expect(await buy(`u-short-${i}`, { useBalance: 'only' })).toBe('INSUFFICIENT_BALANCE');
    expect(await Promise.all([buy('u-short-a'), buy('u-short-b')])).toEqual(['OK', 'OK']);
    expect(await buy('u-short-c')).toBe('OUT_OF_STOCK');
  }, 15_000);
});
