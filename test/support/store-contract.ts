import { describe, expect, it, beforeAll } from 'vitest';
import { ConditionFailed, TransactionCancelled, queryAll, type ItemStore } from '#ports/item-store';

/**
 * The one contract every ItemStore adapter passes (DynamoDB Local, the CloudBase double, and a
 * live CloudBase environment when credentials are present): every port method, and the
 * invariants under concurrency.
 */
export function describeItemStoreContract(name: string, makeStore: () => Promise<ItemStore>) {
  describe(`ItemStore contract: ${name}`, () => {
    let store: ItemStore;
    beforeAll(async () => {
      store = await makeStore();
    });

    it('puts, gets and deletes an item', async () => {
      await store.write({ type: 'put', item: { pk: 'A#1', sk: 'META', kind: 'thing', n: 1, nested: { a: [1, 2] } } });
      expect(await store.get({ pk: 'A#1', sk: 'META' })).toMatchObject({ pk: 'A#1', sk: 'META', n: 1, nested: { a: [1, 2] } });
      await store.write({ type: 'delete', key: { pk: 'A#1', sk: 'META' } });
      expect(await store.get({ pk: 'A#1', sk: 'META' })).toBeUndefined();
    });

    it('refuses a put when the item exists under notExists, and reports the current item', async () => {
      await store.write({ type: 'put', item: { pk: 'A#2', sk: 'META', v: 1 }, when: [{ op: 'notExists' }] });
      const err = await store
        .write({ type: 'put', item: { pk: 'A#2', sk: 'META', v: 2 }, when: [{ op: 'notExists' }] })
        .catch((e) => e);
      expect(err).toBeInstanceOf(ConditionFailed);
      expect((await store.get({ pk: 'A#2', sk: 'META' }))?.v).toBe(1);
    });

    it('updates with set, setIfAbsent, inc and remove, creating the item when absent', async () => {
      const key = { pk: 'A#3', sk: 'C' };
      const a = await store.write({ type: 'update', key, update: { inc: { n: 5 }, setIfAbsent: { createdAt: 'x' }, set: { tag: 't', gone: 1 } } });
      expect(a).toMatchObject({ n: 5, createdAt: 'x', tag: 't', gone: 1 });
      const b = await store.write({ type: 'update', key, update: { inc: { n: -2 }, setIfAbsent: { createdAt: 'y' }, remove: ['gone'] } });
      expect(b).toMatchObject({ n: 3, createdAt: 'x' });
      expect(b).not.toHaveProperty('gone');
    });

    it('evaluates conditions: eq, ne, gte, lt, in, attrExists, attrNotExists, or', async () => {
      const key = { pk: 'A#4', sk: 'C' };
      await store.write({ type: 'put', item: { ...key, status: 'OPEN', n: 3 } });
      const ok = (when: any) => store.write({ type: 'update', key, update: { inc: { touched: 1 } }, when }).then(() => true, (e) => {
        if (e instanceof ConditionFailed) return false;
        throw e;
      });
      expect(await ok([{ op: 'eq', path: 'status', value: 'OPEN' }])).toBe(true);
      expect(await ok([{ op: 'eq', path: 'status', value: 'CLOSED' }])).toBe(false);
      expect(await ok([{ op: 'ne', path: 'status', value: 'CLOSED' }])).toBe(true);
      expect(await ok([{ op: 'gte', path: 'n', value: 3 }])).toBe(true);
      expect(await ok([{ op: 'gte', path: 'n', value: 4 }])).toBe(false);
      expect(await ok([{ op: 'lt', path: 'n', value: 3 }])).toBe(false);
      expect(await ok([{ op: 'in', path: 'status', values: ['A', 'OPEN'] }])).toBe(true);
      expect(await ok([{ op: 'attrExists', path: 'n' }])).toBe(true);
      expect(await ok([{ op: 'attrNotExists', path: 'n' }])).toBe(false);
      expect(await ok([{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'status' }, { op: 'eq', path: 'status', value: 'OPEN' }] }])).toBe(true);
      expect(await ok([{ op: 'exists' }])).toBe(true);
      expect((await store.get(key))?.touched).toBe(7);
      // A condition on a missing item: attrNotExists holds, exists does not.
      const missing = { pk: 'A#4', sk: 'MISSING' };
      await expect(store.write({ type: 'check', key: missing, when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'status' }, { op: 'eq', path: 'status', value: 'OPEN' }] }] })).resolves.toBeUndefined();
      await expect(store.write({ type: 'check', key: missing, when: [{ op: 'exists' }] })).rejects.toBeInstanceOf(ConditionFailed);
    });

    it('queries a partition by prefix and range, in both orders, with paging', async () => {
      const items = Array.from({ length: 25 }, (_, i) => ({ pk: 'Q#1', sk: `O#${String(i).padStart(3, '0')}`, i }));
      await store.putMany([...items, { pk: 'Q#1', sk: 'META' }, { pk: 'Q#2', sk: 'O#000' }]);
      const all = await queryAll(store, { pk: 'Q#1', prefix: 'O#', limit: 7 });
      expect(all.map((x) => x.i)).toEqual(items.map((x) => x.i));
      const desc = await store.query({ pk: 'Q#1', prefix: 'O#', limit: 3, descending: true });
      expect(desc.items.map((x) => x.i)).toEqual([24, 23, 22]);
      expect(desc.cursor).toBeDefined();
      const range = await queryAll(store, { pk: 'Q#1', from: 'O#005', to: 'O#009' });
      expect(range.map((x) => x.i)).toEqual([5, 6, 7, 8, 9]);
    });

    it('queries the secondary indexes', async () => {
      await store.putMany([
        { pk: 'G#1', sk: 'A', gsi1pk: 'U#x', gsi1sk: 'O#2026-01-02', v: 2 },
        { pk: 'G#2', sk: 'A', gsi1pk: 'U#x', gsi1sk: 'O#2026-01-01', v: 1 },
        { pk: 'G#3', sk: 'A', gsi2pk: 'DUE', gsi2sk: '2026-01-01T00:00', v: 3 },
      ]);
      const page = await store.query({ index: 'gsi1', pk: 'U#x', descending: true });
      expect(page.items.map((x) => x.v)).toEqual([2, 1]);
      const due = await store.query({ index: 'gsi2', pk: 'DUE', to: '2026-01-02' });
      expect(due.items.map((x) => x.v)).toEqual([3]);
    });

    it('gets many items at once', async () => {
      await store.putMany([{ pk: 'M#1', sk: 'A', v: 1 }, { pk: 'M#2', sk: 'A', v: 2 }]);
      const got = await store.getMany([{ pk: 'M#1', sk: 'A' }, { pk: 'M#2', sk: 'A' }, { pk: 'M#3', sk: 'A' }]);
      expect(got.map((x) => x.v).sort()).toEqual([1, 2]);
    });

    it('commits a transaction whole', async () => {
      await store.transact([
        { type: 'put', item: { pk: 'T#1', sk: 'A', v: 1 }, when: [{ op: 'notExists' }] },
        { type: 'update', key: { pk: 'T#1', sk: 'B' }, update: { inc: { n: 1 } } },
      ]);
      expect((await store.get({ pk: 'T#1', sk: 'A' }))?.v).toBe(1);
      expect((await store.get({ pk: 'T#1', sk: 'B' }))?.n).toBe(1);
    });

    it('a failed transaction leaves nothing and names the failed operation', async () => {
      await store.write({ type: 'put', item: { pk: 'T#2', sk: 'STOCK', stock: 1 } });
      const err = await store
        .transact([
          { type: 'put', item: { pk: 'T#2', sk: 'ORDER', v: 1 }, when: [{ op: 'notExists' }] },
          { type: 'update', key: { pk: 'T#2', sk: 'STOCK' }, update: { inc: { stock: -2 } }, when: [{ op: 'gte', path: 'stock', value: 2 }] },
        ])
        .catch((e) => e);
      expect(err).toBeInstanceOf(TransactionCancelled);
      expect((err as TransactionCancelled).failedAt()).toBe(1);
      // The failed operation's item as it was, in plain form, so callers can say what remains.
      expect((err as TransactionCancelled).reasons[1]).toMatchObject({ code: 'ConditionalCheckFailed', current: { stock: 1 } });
      expect(await store.get({ pk: 'T#2', sk: 'ORDER' })).toBeUndefined();
      expect((await store.get({ pk: 'T#2', sk: 'STOCK' }))?.stock).toBe(1);
    });

    it('a check leaves the item as it was: an absent one stays absent (get, query, notExists, create by update)', async () => {
      const absent = { pk: 'T#3', sk: 'WAVE' };
      const present = { pk: 'T#3', sk: 'META', status: 'OPEN' };
      await store.write({ type: 'put', item: present });
      await store.transact([
        { type: 'check', key: absent, when: [{ op: 'attrNotExists', path: 'status' }] },
        { type: 'check', key: { pk: present.pk, sk: present.sk }, when: [{ op: 'eq', path: 'status', value: 'OPEN' }] },
        { type: 'put', item: { pk: 'T#3', sk: 'ORDER', v: 1 }, when: [{ op: 'notExists' }] },
      ]);
      expect(await store.get(absent)).toBeUndefined();
      expect(await store.get({ pk: present.pk, sk: present.sk })).toEqual(present);
      expect((await queryAll(store, { pk: 'T#3', consistent: true })).map((i) => i.sk)).toEqual(['META', 'ORDER']);
      expect(await store.getMany([absent, { pk: present.pk, sk: present.sk }])).toEqual([present]);
      // The checked-absent item satisfies notExists and is created by a conditional update as if never touched.
      await store.transact([{ type: 'check', key: absent, when: [{ op: 'notExists' }] }]);
      await store.write({ type: 'update', key: absent, update: { set: { status: 'CLOSING' } }, when: [{ op: 'attrNotExists', path: 'status' }] });
      expect(await store.get(absent)).toEqual({ ...absent, status: 'CLOSING' });
      const again = { pk: 'T#3', sk: 'OTHER' };
      await store.transact([{ type: 'check', key: again, when: [{ op: 'notExists' }] }]);
      await store.write({ type: 'put', item: { ...again, v: 2 }, when: [{ op: 'notExists' }] });
      expect(await store.get(again)).toEqual({ ...again, v: 2 });
    });

    it('100 concurrent conditional decrements never go below zero', async () => {
      const key = { pk: 'C#1', sk: 'STOCK' };
      await store.write({ type: 'put', item: { ...key, stock: 37 } });
      const results = await Promise.all(
        Array.from({ length: 100 }, () =>
          store.write({ type: 'update', key, update: { inc: { stock: -1 } }, when: [{ op: 'gte', path: 'stock', value: 1 }] }).then(
            () => 'ok',
            (e) => (e instanceof ConditionFailed ? 'refused' : Promise.reject(e)),
          ),
        ),
      );
      expect(results.filter((r) => r === 'ok')).toHaveLength(37);
      expect((await store.get(key))?.stock).toBe(0);
    });

    it('one winner per idempotency key among concurrent transactions', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store
            .transact([
              { type: 'put', item: { pk: 'REQ#u#r1', sk: 'REQ', winner: i }, when: [{ op: 'notExists' }] },
              { type: 'update', key: { pk: 'C#2', sk: 'COUNT' }, update: { inc: { n: 1 } } },
            ])
            .then(
              () => 'ok',
              (e) => (e instanceof TransactionCancelled ? 'refused' : Promise.reject(e)),
            ),
        ),
      );
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect((await store.get({ pk: 'C#2', sk: 'COUNT' }))?.n).toBe(1);
    });
  });
}
