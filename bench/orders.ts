/**
 * Orders placed per second through the full command path (schema, pricing, the transaction,
 * prepay) vs the bare TransactWriteItems of the same shape, and a flash sale of 100 units
 * with 1,000 concurrent buyers (sold, oversold, latency vs uncontended).
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dispatch } from '#platform/dispatch';
import { placeCommand } from '#app/orders/commands';
import { upsertProductCommand } from '#app/admin/commands';
import { isAppError } from '#domain/errors';
import type { ItemStore } from '#ports/item-store';
import { benchDeps, percentile } from './support.ts';

const contact = { name: '张三', phone: '13912345678' };

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

async function pool(n: number, concurrency: number, task: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await task(next++);
  }));
}

/**
 * The bare store's share of one placement: a TransactWriteItems with the same items (wave check,
 * one stock update, idempotency record, order, order ref), written directly. `npm run bench`
 * and `npm run load` both compare with it.
 */
export function barePlacement(client: DynamoDBDocumentClient, TableName: string, key: string) {
  return client.send(
    new TransactWriteCommand({
      TransactItems: [
        { ConditionCheck: { TableName, Key: { pk: 'C#bare', sk: 'WAVE#d' }, ConditionExpression: 'attribute_not_exists(#s) OR #s = :o', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':o': 'OPEN' } } },
        { Update: { TableName, Key: { pk: 'P#bare', sk: `STOCK#${[...key].reduce((a, c) => a + c.charCodeAt(0), 0) % 50}` }, UpdateExpression: 'SET sold = if_not_exists(sold, :z) + :q', ConditionExpression: 'attribute_not_exists(sold) OR sold <= :m', ExpressionAttributeValues: { ':z': 0, ':q': 1, ':m': 1_000_000 } } },
        { Put: { TableName, Item: { pk: `REQ#${key}`, sk: 'REQ', orderId: `o${key}` }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName, Item: { pk: 'C#bare', sk: `O#d#o${key}`, lines: [{ productId: 'p-rice', qty: 1 }], status: 'PENDING_PAYMENT' }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName, Item: { pk: `OREF#o${key}`, sk: 'REF', communityId: 'bare' } } },
      ],
    }),
  );
}

export async function benchPlace(opts: { store: ItemStore; client: DynamoDBDocumentClient; tableName: string; orders: number; concurrency: number }) {
  const deps = await benchDeps(opts.store);
  const basket = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }, { productId: 'p-noodles', qty: 1 }, { productId: 'p-tissue', qty: 1 }] };
  // Warm up the code paths (first transaction, first prepay signature).
  await dispatch(placeCommand, { ...basket, requestId: 'warm', contact }, { kind: 'openid', openid: 'warm' }, deps);
  const t0 = performance.now();
  await pool(opts.orders, opts.concurrency, (i) => dispatch(placeCommand, { ...basket, requestId: `r${i}`, contact }, { kind: 'openid', openid: `u${i}` }, deps));
  const ms = performance.now() - t0;
  // The bare baseline: the same number of items per transaction written directly.
  const t1 = performance.now();
  await pool(opts.orders, opts.concurrency, (i) => barePlacement(opts.client, opts.tableName, `b${i}`));
  const baselineMs = performance.now() - t1;
  return {
    name: `place ${opts.orders} orders (${opts.concurrency} in flight)`,
    perSecond: Math.round((opts.orders / ms) * 1000),
    baselinePerSecond: Math.round((opts.orders / baselineMs) * 1000),
    ms: Math.round(ms),
    baselineMs: Math.round(baselineMs),
    ratio: +(ms / baselineMs).toFixed(2),
  };
}

export async function benchFlashSale(opts: { store: ItemStore; client: DynamoDBDocumentClient; tableName: string; buyers: number; stock: number }) {
  const deps = await benchDeps(opts.store);
  const staff = { caller: { kind: 'user' as const, userId: 'staff', roles: ['customer' as const, 'staff' as const] }, deps };
  const now = deps.clock.now();
  const sale = (id: string, stock: number) =>
    upsertProductCommand.run(staff, {
      id, title: '秒杀', category: '水果', priceFen: 3990, supplierId: 's-fruit', commissionRate: 0.1, fresh: true, status: 'active',
      flashSale: { id: `fs-${id}`, priceFen: 990, stock, startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3600_000).toISOString(), perUserLimit: 1 },
    });
  await sale('p-uncontended', 1_000_000);
  await sale('p-hot', opts.stock);
  const place = (productId: string, i: number) =>
    timed(() =>
      dispatch(placeCommand, { communityId: 'c-jingan', items: [{ productId, qty: 1 }], requestId: `f${productId}${i}`, contact }, { kind: 'openid', openid: `b${productId}${i}` }, deps).then(
        () => 'ok',
        (e) => (isAppError(e) ? e.code : 'ERROR'),
      ),
    );
  // Uncontended: one buyer at a time on a sale with plenty of stock.
  const calm: number[] = [];
  for (let i = 0; i < 100; i++) calm.push((await place('p-uncontended', i))[1]);
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: opts.buyers }, (_, i) => place('p-hot', i)));
  const allAnsweredMs = performance.now() - t0;
  const sold = results.filter(([r]) => r === 'ok').length;
  // The bare store doing what the sale must: `stock` conditional writes and a read for every other buyer, all at once.
  const TableName = opts.tableName;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: opts.buyers }, (_, i) =>
      i < opts.stock
        ? opts.client.send(new UpdateCommand({ TableName, Key: { pk: 'P#bareflash', sk: `STOCK#${i % 8}` }, UpdateExpression: 'SET sold = if_not_exists(sold, :z) + :q', ConditionExpression: 'attribute_not_exists(sold) OR sold < :m', ExpressionAttributeValues: { ':z': 0, ':q': 1, ':m': 1_000_000 } }))
        : opts.client.send(new GetCommand({ TableName, Key: { pk: `U#bare${i}`, sk: 'PROFILE' } })),
    ),
  );
  const bareMs = performance.now() - t1;
  const latencies = results.map(([, ms]) => ms);
  return {
    name: `flash sale: ${opts.buyers} buyers, ${opts.stock} units`,
    sold,
    oversold: Math.max(0, sold - opts.stock),
    refusals: [...new Set(results.filter(([r]) => r !== 'ok').map(([r]) => r))].join(','),
    allAnsweredMs: Math.round(allAnsweredMs),
    bareMs: Math.round(bareMs),
    ratio: +(allAnsweredMs / bareMs).toFixed(2),
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    uncontendedP50Ms: Math.round(percentile(calm, 50)),
    uncontendedP99Ms: Math.round(percentile(calm, 99)),
  };
}
