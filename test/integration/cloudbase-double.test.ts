import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConditionFailed, queryAll, type Item } from '#ports/item-store';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { createCloudbaseDouble, type CloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { Db, nodeSdk, wxServerSdk } from '../support/cloudbase-double/sdk.ts';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';

/**
 * The double refuses what the platform refuses, with its error codes, and its transactions
 * behave as the platform's (snapshot reads, conflicting commits fail), so the adapter's
 * paths for those cases run in every test pass.
 */
const doubles: CloudbaseDouble[] = [];
function freshDouble(options: Parameters<typeof createCloudbaseDouble>[0] = {}) {
  const double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES, ...options });
  doubles.push(double);
  return double;
}
afterAll(() => doubles.forEach((d) => d.uninstall()));

/** A raw request as the SDK sends it, for what the SDK itself never lets through. */
const send = (double: CloudbaseDouble, action: string, params: Record<string, unknown>) =>
  new (Db.reqClass as any)(double.db.config).send(action, params);

const padded = (i: number) => String(i).padStart(5, '0');

describe('CloudBase double: platform refusals', () => {
  it('refuses a where() query inside a transaction, and the transaction leaves nothing', async () => {
    const { db } = freshDouble();
    const err = await db
      .runTransaction(async (t: any) => {
        await t.collection('items').doc('x').set({ v: 1 });
        await t.collection('items').where({ v: 1 }).get();
      }, 0)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DATABASE_REQUEST_FAILED', message: expect.stringMatching(/transaction/) });
    expect((await db.collection('items').doc('x').get()).data).toEqual([]);
  });

  it('caps a get at 1000 documents: the SDK clamps the limit and the server refuses a larger one', async () => {
    const double = freshDouble();
    const store = createCloudbaseItemStore({ db: double.db });
    await store.putMany(Array.from({ length: 1200 }, (_, i) => ({ pk: 'B#1', sk: padded(i) })));
    const page = await double.db.collection('items').where({ pk: 'B#1' }).limit(5000).get();
    expect(page.data).toHaveLength(1000);
    await expect(send(double, 'database.getDocument', { collectionName: 'items', queryType: 'WHERE', limit: 1001 })).rejects.toMatchObject({
      code: 'INVALID_PARAM',
      message: expect.stringMatching(/limit/),
    });
  });

  it('refuses unknown query and update operators', async () => {
    const double = freshDouble();
    await expect(
      send(double, 'database.getDocument', { collectionName: 'items', queryType: 'WHERE', query: '{"a":{"$where":"1"}}', limit: 10 }),
    ).rejects.toMatchObject({ code: 'DATABASE_INVALID_OPERRATOR' });
    await expect(
      send(double, 'database.modifyDocument', { collectionName: 'items', queryType: 'WHERE', query: '{}', data: '{"$frobnicate":{"a":1}}', merge: true, multi: true }),
    ).rejects.toMatchObject({ code: 'DATABASE_INVALID_OPERRATOR' });
  });

  it('refuses an environment no double answers for, instead of going online', async () => {
    freshDouble();
    const stray = nodeSdk().init({ env: 'no-such-env' }).database();
    await expect(stray.collection('items').get()).rejects.toMatchObject({ code: 'INVALIID_ENV' });
  });

  it('refuses collections nobody created, and a second document with the same _id', async () => {
    const { db } = freshDouble();
    await expect(db.collection('no_such_collection').get()).rejects.toMatchObject({ code: 'DATABASE_COLLECTION_NOT_EXIST' });
    await db.collection('items').add({ _id: 'k', v: 1 });
    await expect(db.collection('items').add({ _id: 'k', v: 2 })).rejects.toMatchObject({ code: 'DATABASE_DUPLICATE_WRITE' });
  });
});

describe('CloudBase double: transactions', () => {
  it('reads a snapshot and fails the commit when another writer changed a document it read', async () => {
    const { db } = freshDouble();
    const _ = db.command;
    await db.collection('items').doc('d').set({ v: 1 });
    const t = await db.startTransaction();
    expect((await t.collection('items').doc('d').get()).data).toMatchObject({ v: 1 });
    await db.collection('items').doc('d').update({ v: _.inc(10) });
    await db.collection('items').doc('late').set({ v: 1 });
    // Still the database as of the transaction's start.
    expect((await t.collection('items').doc('d').get()).data).toMatchObject({ v: 1 });
    expect((await t.collection('items').doc('late').get()).data).toBeNull();
    await t.collection('items').doc('d').update({ v: _.inc(1) });
    await expect(t.commit()).rejects.toMatchObject({ code: 'DATABASE_TRANSACTION_CONFLICT' });
    expect((await db.collection('items').doc('d').get()).data[0].v).toBe(11);
  });

  it('the adapter retries a transaction that lost a write conflict, and both writes count', async () => {
    const double = freshDouble();
    const slept: number[] = [];
    const store = createCloudbaseItemStore({ db: double.db, sleep: async (ms) => void slept.push(ms) });
    await store.write({ type: 'put', item: { pk: 'P#1', sk: 'STOCK', stock: 10 } });
    let injected = false;
    double.intercept(async (action) => {
      if (action !== 'database.commitTransaction' || injected) return;
      injected = true; // another writer takes 3 between the transaction's read and its commit
      await store.write({ type: 'update', key: { pk: 'P#1', sk: 'STOCK' }, update: { inc: { stock: -3 } } });
    });
    await store.transact([
      { type: 'update', key: { pk: 'P#1', sk: 'STOCK' }, update: { inc: { stock: -2 } }, when: [{ op: 'gte', path: 'stock', value: 2 }] },
      { type: 'put', item: { pk: 'C#1', sk: 'O#1', qty: 2 }, when: [{ op: 'notExists' }] },
    ]);
    expect(slept).toHaveLength(1);
    expect((await store.get({ pk: 'P#1', sk: 'STOCK' }))?.stock).toBe(5);
    expect(await store.get({ pk: 'C#1', sk: 'O#1' })).toMatchObject({ qty: 2 });
  });
});

describe('CloudBase adapter on the double', () => {
  it('a paged read of 2,500 documents returns every one once, in order, even when a page is deleted meanwhile', async () => {
    const double = freshDouble();
    const store = createCloudbaseItemStore({ db: double.db });
    const items = Array.from({ length: 2500 }, (_, i) => ({ pk: 'P#big', sk: `O#${padded(i)}`, i }));
    await store.putMany(items);
    const all = await queryAll(store, { pk: 'P#big', prefix: 'O#', limit: 1000 });
    expect(all.map((x) => x.i)).toEqual(items.map((x) => x.i));

    // Keyset paging: deleting items already read does not make the next page skip any.
    const seen: Item[] = [];
    let page = await store.query({ pk: 'P#big', prefix: 'O#', limit: 5000, descending: true });
    expect(page.items).toHaveLength(1000);
    seen.push(...page.items);
    await Promise.all(page.items.slice(0, 50).map((x) => store.write({ type: 'delete', key: x })));
    while (page.cursor) {
      page = await store.query({ pk: 'P#big', prefix: 'O#', limit: 1000, descending: true, cursor: page.cursor });
      seen.push(...page.items);
    }
    expect(seen.map((x) => x.i)).toEqual(items.map((x) => x.i).reverse());
  });

  it('pages a GSI across collections, breaking ties of equal sort keys by document id', async () => {
    const double = freshDouble();
    const store = createCloudbaseItemStore({ db: double.db });
    const items = ['C#1', 'P#1', 'U#1', 'X#1', 'L#1'].map((pk) => ({ pk, sk: 'META', gsi1pk: 'T#thing', gsi1sk: 'same' }));
    await store.putMany([...items, { pk: 'Z#1', sk: 'META', gsi1pk: 'T#thing' } /* no sort key: not in the index */]);
    const got = await queryAll(store, { index: 'gsi1', pk: 'T#thing', limit: 2 });
    expect(got.map((x) => x.pk).sort()).toEqual(items.map((x) => x.pk).sort());
  });

  it('works as well with the database of wx-server-sdk', async () => {
    const double = freshDouble();
    const store = createCloudbaseItemStore({ db: double.wxDatabase() });
    await store.write({ type: 'put', item: { pk: 'C#9', sk: 'META', n: 1 }, when: [{ op: 'notExists' }] });
    await expect(store.write({ type: 'put', item: { pk: 'C#9', sk: 'META', n: 2 }, when: [{ op: 'notExists' }] })).rejects.toBeInstanceOf(
      ConditionFailed,
    );
    await store.transact([{ type: 'update', key: { pk: 'C#9', sk: 'META' }, update: { inc: { n: 1 } }, when: [{ op: 'eq', path: 'n', value: 1 }] }]);
    expect(await store.get({ pk: 'C#9', sk: 'META' })).toEqual({ pk: 'C#9', sk: 'META', n: 2 });
    expect(double.dump().communities).toEqual([{ _id: 'C#9|META', pk: 'C#9', sk: 'META', n: 2 }]);
  });

  it('keeps answering after node-sdk builds another database (which reassigns Db.reqClass)', async () => {
    const double = freshDouble();
    await double.db.collection('items').doc('a').set({ v: 1 });
    const again = nodeSdk().init({ env: double.env }).database();
    expect((await again.collection('items').doc('a').get()).data).toEqual([{ _id: 'a', v: 1 }]);
  });

  it("answers function code that asks for its own environment (SYMBOL_CURRENT_ENV / DYNAMIC_CURRENT_ENV)", async () => {
    const double = freshDouble({ currentEnv: true });
    await double.db.collection('items').doc('a').set({ v: 1 });
    const tcb = nodeSdk() as ReturnType<typeof nodeSdk> & { SYMBOL_CURRENT_ENV: symbol };
    const viaNodeSdk = tcb.init({ env: tcb.SYMBOL_CURRENT_ENV as never }).database();
    expect((await viaNodeSdk.collection('items').doc('a').get()).data).toEqual([{ _id: 'a', v: 1 }]);
    const cloud = wxServerSdk() as ReturnType<typeof wxServerSdk> & { DYNAMIC_CURRENT_ENV: symbol };
    // wx-server-sdk keeps the environment of its first init(); name the current one explicitly.
    cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as never });
    const viaWx = cloud.database({ env: cloud.DYNAMIC_CURRENT_ENV as never });
    expect((await viaWx.collection('items').doc('a').get()).data).toEqual({ _id: 'a', v: 1 });
  });

  it('persists to a directory, and a new double loads it back; reset empties it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloudbase-double-'));
    try {
      const first = freshDouble({ persistDir: dir });
      await createCloudbaseItemStore({ db: first.db }).write({ type: 'put', item: { pk: 'U#1', sk: 'PROFILE', at: 1700000000000, tags: ['a'] } });
      first.uninstall();
      const second = freshDouble({ persistDir: dir });
      const store = createCloudbaseItemStore({ db: second.db });
      expect(await store.get({ pk: 'U#1', sk: 'PROFILE' })).toEqual({ pk: 'U#1', sk: 'PROFILE', at: 1700000000000, tags: ['a'] });
      second.reset();
      expect(await createCloudbaseItemStore({ db: freshDouble({ persistDir: dir }).db }).get({ pk: 'U#1', sk: 'PROFILE' })).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
