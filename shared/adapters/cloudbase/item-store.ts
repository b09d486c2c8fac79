import {
  ConditionFailed,
  InvalidCursor,
  StoreConflict,
  TransactionCancelled,
  type Item,
  type ItemStore,
  type Key,
  type Page,
  type QueryInput,
  type WriteOp,
} from '#ports/item-store';
import { COLLECTIONS, collectionOf as defaultCollectionOf } from './collections.ts';
import { applyUpdate, conditionsHold, updateDataOf, whereOf, type Command } from './expressions.ts';

export { COLLECTIONS, DEFAULT_COLLECTION, collectionOf } from './collections.ts';

/**
 * The part of a CloudBase database object this adapter uses: `app.database()` of
 * @cloudbase/node-sdk (the @cloudbase/database API), or `cloud.database()` of wx-server-sdk,
 * which wraps the former (see `nativeDatabase`).
 */
export interface CloudbaseDatabase {
  command: unknown;
  collection(name: string): any;
  runTransaction(run: (transaction: any) => Promise<unknown>, times?: number): Promise<any>;
}

export interface CloudbaseStoreOptions {
  db: CloudbaseDatabase;
  /** The collection of a partition; defaults to one collection per key prefix. */
  collectionOf?: (pk: string) => string;
  /** Collections a GSI query reads (items of any kind may carry gsi1/gsi2 keys); defaults to every collection. */
  indexCollections?: readonly string[];
  /** Attempts for a transaction failing only on write conflicts (DESIGN.md §5). */
  txnAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A platform error (`code` as CloudBase sends it, e.g. DATABASE_TRANSACTION_CONFLICT). */
export class CloudbaseError extends Error {
  constructor(readonly code: string, message: string, readonly requestId?: string) {
    super(`${code}: ${message}`);
    this.name = 'CloudbaseError';
  }
}

/** The platform's cap on documents per `get`. */
export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;
/** Keys per `_.in` read and puts in flight; both well inside the platform's request limits. */
const CHUNK = 100;
const PUT_CONCURRENCY = 20;
/** Rounds of a single conditional write racing a concurrent create or change. */
const WRITE_ROUNDS = 5;

const docId = (k: Key) => `${k.pk}|${k.sk}`;
const keyOf = (k: Key): Key => ({ pk: k.pk, sk: k.sk });
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The results this adapter reads (@cloudbase/database's shapes). */
type Doc = Record<string, unknown>;
interface GetResult {
  /** A list for a query; in a transaction, a document's `get` answers the document or null. */
  data: Doc[] | Doc | null;
}
interface UpdateResult {
  updated?: number;
  doc?: Doc | null;
}
interface RemoveResult {
  deleted?: number;
}

/**
 * The adapter's own fields: `_v`, the version a transaction bumps on a document it only checked
 * (so a concurrent writer of that document conflicts with it, see `inTransaction`), and
 * `_placeholder`, a document written only for that reason where no item exists yet.
 */
const VERSION = '_v';
const PLACEHOLDER = '_placeholder';
/** Set by the platform on a document a client (mini-program) created: never ours. */
const CLIENT_OWNER = '_openid';

/**
 * A document the server takes as absent: one a client created (it carries `_openid`, which
 * server-side writes never set; collections are admin-only, so this is defence in depth) or a
 * placeholder. Reads and queries never return them and they satisfy no condition.
 */
const isInvisible = (doc: Doc | null | undefined): boolean => !!doc && (Object.hasOwn(doc, CLIENT_OWNER) || doc[PLACEHOLDER] === true);

function toItem(doc: Doc): Item {
  const { _id, [VERSION]: _version, [PLACEHOLDER]: _placeholder, ...item } = doc;
  return item as Item;
}

/**
 * wx-server-sdk's `cloud.database()` wraps the node-sdk database in an API of `{ data }`
 * options and `stats` results that also replaces the platform's error codes (a write conflict
 * becomes -501001 SYS_ERR). The adapter speaks to the wrapped database (`_db`) instead.
 */
function nativeDatabase(db: CloudbaseDatabase): CloudbaseDatabase {
  const inner = (db as { _db?: CloudbaseDatabase })._db;
  return inner && typeof inner.collection === 'function' && typeof inner.runTransaction === 'function' ? inner : db;
}

/** A platform error body (`{ code, message }`, thrown or returned) as a CloudbaseError; anything else unchanged. */
function platformError(e: unknown): unknown {
  const r = e as { code?: unknown; message?: unknown; requestId?: string } | undefined;
  if (e instanceof CloudbaseError || !r || typeof r !== 'object' || typeof r.code !== 'string' || !r.code) return e;
  return new CloudbaseError(r.code, String(r.message ?? ''), r.requestId);
}

/**
 * One SDK request. Failures come back as `{ code, message }`: thrown by node-sdk, returned by
 * the node-sdk that wx-server-sdk configures (`throwOnCode: false`); both become CloudbaseError.
 */
async function call<T = unknown>(request: Promise<unknown>): Promise<T> {
  let res: unknown;
  try {
    res = await request;
  } catch (e) {
    throw platformError(e);
  }
  const failure = platformError(res);
  if (failure instanceof CloudbaseError) throw failure;
  return res as T;
}

const isConflict = (e: unknown) =>
  e instanceof CloudbaseError && (e.code === 'DATABASE_TRANSACTION_CONFLICT' || /write ?conflict/i.test(e.message));
const isDuplicate = (e: unknown) =>
  e instanceof CloudbaseError && (e.code === 'DATABASE_DUPLICATE_WRITE' || /E11000|duplicate key/i.test(e.message));

interface Cursor {
  /** Sort key of the last item returned. */
  s: string;
  /** Its document id: the tie-breaker of a GSI, whose sort keys need not be unique. */
  i?: string;
}
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
/** The position a cursor carries, else InvalidCursor. */
function decodeCursor(c: string | undefined): Cursor | undefined {
  if (!c) return undefined;
  let v: Partial<Cursor> | null;
  try {
    v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Partial<Cursor> | null;
  } catch {
    throw new InvalidCursor();
  }
  if (!v || typeof v !== 'object' || typeof v.s !== 'string' || (v.i !== undefined && typeof v.i !== 'string')) throw new InvalidCursor();
  return { s: v.s, ...(v.i !== undefined ? { i: v.i } : {}) };
}

/**
 * CloudBase document-database adapter of the ItemStore port (DESIGN.md §4). Each item is a
 * document `_id = pk|sk` in its kind's collection. Single conditional writes are one atomic
 * `where({ _id, ...condition }).update()`; transactions read each document in
 * `runTransaction`, decide the conditions on that snapshot and let the platform refuse the
 * commit when another writer got there first, which is retried with jittered backoff.
 */
export function createCloudbaseItemStore(options: CloudbaseStoreOptions): ItemStore {
  const db = nativeDatabase(options.db);
  const _ = db.command as Command;
  const collectionOf = options.collectionOf ?? defaultCollectionOf;
  const indexCollections = options.indexCollections ?? COLLECTIONS;
  const attempts = options.txnAttempts ?? 8;
  const sleep = options.sleep ?? realSleep;
  const coll = (k: Key) => db.collection(collectionOf(k.pk));
  /** Matches only documents of the server's own (see `isInvisible`). */
  const visible = [{ [CLIENT_OWNER]: _.exists(false) }, { [PLACEHOLDER]: _.exists(false) }];
  const whereVisible = (id: string, when?: WriteOp['when']) => _.and([whereOf(_, id, when), ...visible]);

  async function read(key: Key): Promise<Item | undefined> {
    const res = await call<GetResult>(coll(key).doc(docId(key)).get());
    const doc = Array.isArray(res.data) ? res.data[0] : res.data;
    return doc && !isInvisible(doc) ? toItem(doc) : undefined;
  }

  /** Creates the document; false when one with its id already exists. */
  async function create(item: Item): Promise<boolean> {
    try {
      await call(coll(item).add({ ...item, _id: docId(item) }));
      return true;
    } catch (e) {
      if (isDuplicate(e)) return false;
      throw e;
    }
  }

  /**
   * Runs the operations in one platform transaction: document reads, conditions decided on
   * them, then document writes. Returns each item as it is after the transaction.
   *
   * CloudBase transactions are snapshot isolation (MongoDB): only two writes of one document
   * conflict; a document the transaction merely read may be changed by another writer before
   * the commit, and the commit still succeeds. So a `check` is turned into a write: the
   * document's version (`_v`) is bumped, or a placeholder written where the item is absent, and
   * a concurrent writer of the checked document makes one of the two transactions fail
   * (DATABASE_TRANSACTION_CONFLICT, retried below, when the condition is decided again).
   */
  async function inTransaction(ops: WriteOp[]): Promise<(Item | undefined)[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        // times 0: the SDK must not re-run the callback at once; conflicts back off below.
        return await db.runTransaction(async (t) => {
          const ref = (k: Key) => t.collection(collectionOf(k.pk)).doc(docId(k));
          const before: (Item | undefined)[] = [];
          const raw: (Doc | undefined)[] = [];
          // One request at a time: a transaction is one session on the platform.
          for (const op of ops) {
            const { data } = await call<GetResult>(ref(targetOf(op)).get());
            const doc = data && !Array.isArray(data) ? data : undefined;
            raw.push(doc);
            before.push(doc && !isInvisible(doc) ? toItem(doc) : undefined);
          }
          const reasons = ops.map((op, i) =>
            conditionsHold(op.when, before[i]) ? null : { code: 'ConditionalCheckFailed' as const, current: before[i] },
          );
          if (reasons.some((r) => r)) throw new TransactionCancelled(reasons);
          const after: (Item | undefined)[] = [];
          for (const [i, op] of ops.entries()) {
            const key = targetOf(op);
            if (op.type === 'put') {
              await call(ref(key).set(op.item));
              after.push(op.item);
            } else if (op.type === 'update') {
              const next = applyUpdate(before[i], key, op.update);
              await call(ref(key).set(next));
              after.push(next);
            } else if (op.type === 'delete') {
              if (before[i]) await call(ref(key).remove());
              after.push(undefined);
            } else {
              // A check: written, so that a concurrent writer of this document conflicts with us.
              // The version always changes: a write that changes nothing is no write to the platform.
              const version = Number(raw[i]?.[VERSION] ?? 0) + 1;
              const { _id, ...current } = raw[i] ?? { _id: '' };
              await call(ref(key).set(before[i] ? { ...current, [VERSION]: version } : { pk: key.pk, sk: key.sk, [PLACEHOLDER]: true, [VERSION]: version }));
              after.push(before[i]);
            }
          }
          return after;
        }, 0);
      } catch (raw) {
        const e = platformError(raw);
        if (!isConflict(e)) throw e;
        if (attempt >= attempts) throw new StoreConflict(ops.length);
        // Full jitter: spread retrying writers of a hot document apart.
        await sleep(Math.random() * Math.min(400, 10 * 2 ** attempt));
      }
    }
  }

  /** A single write that needs the current item: a one-operation transaction. */
  async function writeInTransaction(op: WriteOp): Promise<Item | undefined> {
    try {
      return (await inTransaction([op]))[0];
    } catch (e) {
      const reason = e instanceof TransactionCancelled ? e.reasons[0] : undefined;
      if (reason?.code === 'ConditionalCheckFailed') throw new ConditionFailed(keyOf(targetOf(op)), (reason as { current?: Item }).current);
      throw e;
    }
  }

  /** Update in place when the conditions hold; create when the item is absent and they allow it. */
  async function update(op: Extract<WriteOp, { type: 'update' }>): Promise<Item | undefined> {
    const data = updateDataOf(_, op.update);
    if (!data) return writeInTransaction(op);
    for (let round = 0; round < WRITE_ROUNDS; round++) {
      const res = await call<UpdateResult>(coll(op.key).where(whereVisible(docId(op.key), op.when)).updateAndReturn(data));
      if (res.doc) return toItem(res.doc);
      if (res.updated) return read(op.key);
      const current = await read(op.key);
      if (current) {
        if (conditionsHold(op.when, current)) continue; // changed under us; try again
        throw new ConditionFailed(keyOf(op.key), current);
      }
      if (!conditionsHold(op.when, undefined)) throw new ConditionFailed(keyOf(op.key));
      const created = applyUpdate(undefined, op.key, op.update);
      if (await create(created)) return created;
      // Created meanwhile, or a document we take as absent holds the id: decide in a transaction.
      return writeInTransaction(op);
    }
    return writeInTransaction(op);
  }

  async function remove(op: Extract<WriteOp, { type: 'delete' }>): Promise<void> {
    if (!op.when?.length) {
      await call(coll(op.key).doc(docId(op.key)).remove());
      return;
    }
    for (let round = 0; round < WRITE_ROUNDS; round++) {
      const res = await call<RemoveResult>(coll(op.key).where(whereVisible(docId(op.key), op.when)).remove());
      if (res.deleted) return;
      const current = await read(op.key);
      if (!current) {
        if (conditionsHold(op.when, undefined)) return;
        throw new ConditionFailed(keyOf(op.key));
      }
      if (!conditionsHold(op.when, current)) throw new ConditionFailed(keyOf(op.key), current);
    }
    await writeInTransaction(op);
  }

  async function put(op: Extract<WriteOp, { type: 'put' }>): Promise<Item> {
    const when = op.when ?? [];
    if (when.length === 0) {
      await call(coll(op.item).doc(docId(op.item)).set(op.item));
    } else if (when.length === 1 && when[0]!.op === 'notExists') {
      // `_id` uniqueness makes "create only" atomic.
      if (!(await create(op.item))) {
        const current = await read(op.item);
        if (current) throw new ConditionFailed(keyOf(op.item), current);
        // Only a document we take as absent holds the id: replace it, deciding in a transaction.
        await writeInTransaction(op);
      }
    } else {
      // A conditional replacement: no single CloudBase call both tests and replaces a whole document.
      await writeInTransaction(op);
    }
    return op.item;
  }

  async function queryCollection(name: string, filter: unknown, skField: string, input: QueryInput, limit: number) {
    const dir = input.descending ? 'desc' : 'asc';
    let q = db.collection(name).where(_.and([filter, ...visible])).orderBy(skField, dir);
    if (input.index) q = q.orderBy('_id', dir);
    const { data } = await call<GetResult>(q.limit(limit).get());
    return data as Doc[];
  }

  return {
    // A transaction's check writes the checked document (snapshot isolation): see ItemStore.checksWrite.
    checksWrite: true,
    get: (key) => read(key),

    async getMany(keys) {
      const byCollection = new Map<string, Set<string>>();
      for (const k of keys) {
        const name = collectionOf(k.pk);
        byCollection.set(name, (byCollection.get(name) ?? new Set()).add(docId(k)));
      }
      const out: Item[] = [];
      for (const [name, idSet] of byCollection) {
        const ids = [...idSet];
        for (let i = 0; i < ids.length; i += CHUNK) {
          const chunk = ids.slice(i, i + CHUNK);
          const { data } = await call<GetResult>(db.collection(name).where(_.and([{ _id: _.in(chunk) }, ...visible])).limit(chunk.length).get());
          out.push(...(data as Doc[]).map(toItem));
        }
      }
      return out;
    },

    async query(input: QueryInput): Promise<Page> {
      const pkField = input.index ? `${input.index}pk` : 'pk';
      const skField = input.index ? `${input.index}sk` : 'sk';
      const limit = Math.min(Math.max(1, input.limit ?? DEFAULT_PAGE), MAX_PAGE);
      const parts: unknown[] = [{ [pkField]: input.pk }];
      // As a DynamoDB GSI, an index holds only items carrying both of its keys.
      if (input.index) parts.push({ [skField]: _.exists(true) });
      if (input.prefix) parts.push({ [skField]: _.gte(input.prefix) }, { [skField]: _.lt(`${input.prefix}\uffff`) });
      else {
        if (input.from !== undefined) parts.push({ [skField]: _.gte(input.from) });
        if (input.to !== undefined) parts.push({ [skField]: _.lte(input.to) });
      }
      // Keyset paging: resume after the last sort key, so writes between pages shift nothing.
      const after = decodeCursor(input.cursor);
      if (after) {
        const beyond = (v: string) => (input.descending ? _.lt(v) : _.gt(v));
        parts.push(
          input.index && after.i !== undefined
            ? _.or([{ [skField]: beyond(after.s) }, { [skField]: _.eq(after.s), _id: beyond(after.i) }])
            : { [skField]: beyond(after.s) },
        );
      }
      const filter = _.and(parts);
      const names = input.index ? [...indexCollections] : [collectionOf(input.pk)];
      const pages = await Promise.all(names.map((name) => queryCollection(name, filter, skField, input, limit)));
      let docs = pages.flat();
      if (pages.length > 1) docs = docs.sort(orderOf(skField, input.descending ?? false));
      const more = docs.length > limit || pages.some((p) => p.length === limit);
      docs = docs.slice(0, limit);
      const last = docs[docs.length - 1];
      const cursor = more && last ? encodeCursor({ s: String(last[skField]), ...(input.index ? { i: String(last._id) } : {}) }) : undefined;
      return { items: docs.map(toItem), cursor };
    },

    async write(op) {
      switch (op.type) {
        case 'put':
          return put(op);
        case 'update':
          return update(op);
        case 'delete':
          await remove(op);
          return undefined;
        case 'check': {
          const current = await read(op.key);
          if (!conditionsHold(op.when, current)) throw new ConditionFailed(keyOf(op.key), current);
          return undefined;
        }
      }
    },

    async transact(ops) {
      if (ops.length === 0) return;
      if (ops.length > 100) throw new Error(`transact: at most 100 operations, got ${ops.length}`);
      const ids = new Set(ops.map((op) => `${collectionOf(targetOf(op).pk)}/${docId(targetOf(op))}`));
      if (ids.size !== ops.length) throw new Error('transact: two operations on the same item');
      await inTransaction(ops);
    },

    async removeExpired(nowSeconds) {
      // CloudBase has no TTL: what DynamoDB would expire (numeric `expiresAt` in the past) is removed here.
      // `_.lt` with a number matches numbers only, as DynamoDB's TTL ignores other types.
      let removed = 0;
      for (const name of indexCollections) {
        const res = await call<RemoveResult>(db.collection(name).where({ expiresAt: _.lt(nowSeconds) }).remove());
        removed += res.deleted ?? 0;
      }
      return removed;
    },

    async putMany(items) {
      for (let i = 0; i < items.length; i += PUT_CONCURRENCY) {
        await Promise.all(items.slice(i, i + PUT_CONCURRENCY).map((item) => call(coll(item).doc(docId(item)).set(item))));
      }
    },
  };
}

function targetOf(op: WriteOp): Key {
  return op.type === 'put' ? op.item : op.key;
}

/** Sort key order, then document id: how each collection returned them, to merge several. */
function orderOf(skField: string, descending: boolean) {
  const sign = descending ? -1 : 1;
  const cmp = (a: unknown, b: unknown) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);
  return (a: Record<string, unknown>, b: Record<string, unknown>) => sign * (cmp(a[skField], b[skField]) || cmp(a._id, b._id));
}
