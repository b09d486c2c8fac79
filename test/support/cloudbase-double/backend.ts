import { randomBytes } from 'node:crypto';
import { Query } from 'mingo';
import { update as applyOperators } from 'mingo/updater';
import { EJSON } from './sdk.ts';

/**
 * The server side of the CloudBase document database, in memory: it answers the requests the
 * real SDK sends (`database.getDocument`, `database.modifyDocument`, ... with EJSON-encoded
 * MongoDB queries and update documents), evaluating them with mingo, and refuses what the
 * platform refuses with the platform's error codes.
 *
 * Transactions are snapshot isolation, as on the platform (MongoDB): a transaction sees the
 * database as of its start, plus its own writes, and fails at commit with
 * DATABASE_TRANSACTION_CONFLICT only when a document it WROTE was changed by another writer
 * after that snapshot (first committer wins). Reads are not validated: a document the
 * transaction only read may have changed by the time it commits (write skew), exactly as the
 * platform allows it.
 */
export type Doc = Record<string, unknown> & { _id: string | number };

/** A platform refusal: becomes the `{ code, message, requestId }` body of the response. */
export class PlatformError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'PlatformError';
  }
}

/** The platform's cap on documents per `get`. */
export const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

const QUERY_OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$and', '$or', '$nor', '$not',
  '$exists', '$size', '$mod', '$all', '$elemMatch', '$regex', '$options',
]);
const UPDATE_OPERATORS = new Set([
  '$set', '$inc', '$mul', '$unset', '$push', '$pop', '$pull', '$pullAll', '$addToSet', '$min', '$max', '$rename',
  '$each', '$position', '$slice', '$sort',
]);

interface Txn {
  startSeq: number;
  /** Documents read or written (reads are not validated at commit: snapshot isolation). */
  touched: Set<string>;
  /** Buffered writes (null: removed), applied at commit. */
  writes: Map<string, Doc | null>;
}

type Params = Record<string, any>;
type Body = Record<string, unknown>;

const keyOf = (collection: string, id: unknown) => `${collection}\u0000${String(id)}`;
const splitKey = (key: string) => key.split('\u0000') as [string, string];
const newId = () => randomBytes(16).toString('hex');
const encode = (doc: Doc) => EJSON.stringify(doc, { relaxed: false });

export interface BackendOptions {
  /** Refuse requests on collections nobody created (the platform does); default true. */
  strictCollections?: boolean;
  /** Called after committed changes, with the collections they touched (persistence). */
  onCommit?: (collections: Set<string>) => void;
}

export class DocumentBackend {
  readonly collections = new Map<string, Map<string, Doc>>();
  private readonly changedAt = new Map<string, number>();
  /** Earlier versions of documents changed while a transaction was open, for snapshot reads. */
  private readonly history = new Map<string, { seq: number; doc: Doc | undefined }[]>();
  private readonly txns = new Map<string, Txn>();
  private seq = 0;

  constructor(private readonly options: BackendOptions = {}) {}

  /** Answers one request; throws PlatformError for a refusal. */
  handle(action: string, params: Params = {}): Body {
    const requestId = newId();
    switch (action) {
      case 'database.addCollection':
        return { requestId, ...this.addCollection(params.collectionName) };
      case 'database.getDocument':
        return { requestId, ...this.getDocument(params) };
      case 'database.calculateDocument':
        return { requestId, data: { total: this.find(params, this.txnOf(params)).length } };
      case 'database.insertDocument':
        return { requestId, data: this.insert(params) };
      case 'database.modifyDocument':
        return { requestId, data: this.modify(params) };
      case 'database.modifyAndReturnDoc':
        return { requestId, data: this.modifyAndReturn(params) };
      case 'database.removeDocument':
        return { requestId, data: this.remove(params) };
      case 'database.startTransaction': {
        const id = newId();
        this.txns.set(id, { startSeq: this.seq, touched: new Set(), writes: new Map() });
        return { requestId, transactionId: id };
      }
      case 'database.commitTransaction':
        this.commit(params.transactionId);
        return { requestId };
      case 'database.abortTransaction':
        this.endTxn(params.transactionId);
        return { requestId };
      default:
        throw new PlatformError('INVALID_PARAM', `unsupported action ${action}`);
    }
  }

  /** Creates a collection (what the console or an init script does). */
  addCollection(name: string): Body {
    if (!name) throw new PlatformError('INVALID_PARAM', 'collectionName is required');
    if (this.collections.has(name)) throw new PlatformError('DATABASE_COLLECTION_ALREADY_EXIST', `collection ${name} already exists`);
    this.collections.set(name, new Map());
    this.options.onCommit?.(new Set([name]));
    return {};
  }

  /** Removes every document and open transaction; collections stay. */
  reset(): void {
    for (const docs of this.collections.values()) docs.clear();
    this.changedAt.clear();
    this.history.clear();
    this.txns.clear();
  }

  private collection(name: string): Map<string, Doc> {
    let docs = this.collections.get(name);
    if (!docs) {
      if (this.options.strictCollections ?? true) throw new PlatformError('DATABASE_COLLECTION_NOT_EXIST', `collection ${name} does not exist`);
      docs = new Map();
      this.collections.set(name, docs);
    }
    return docs;
  }

  private txnOf(params: Params): Txn | undefined {
    const id = params.transactionId;
    if (id === undefined || id === null || id === '') return undefined;
    const txn = this.txns.get(id);
    if (!txn) throw new PlatformError('DATABASE_TRANSACTION_FAIL', `transaction ${id} does not exist or has ended`);
    // The platform runs a transaction on documents only: a where() inside one is refused.
    if (params.queryType !== undefined && params.queryType !== 'DOC')
      throw new PlatformError(
        'DATABASE_REQUEST_FAILED',
        'a transaction only operates on documents by id (doc(id).get/set/update/remove, add); where() queries are not supported in a transaction',
      );
    return txn;
  }

  // ---- reads -------------------------------------------------------------------------------

  private getDocument(params: Params): Body {
    const txn = this.txnOf(params);
    const limit = params.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw new PlatformError('INVALID_PARAM', `limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`);
    const offset = params.offset ?? 0;
    let docs = this.find(params, txn);
    if (params.order) docs = sortDocs(docs, parseJson(params.order) as Record<string, number>);
    docs = docs.slice(offset, offset + limit);
    if (params.projection) {
      const projection = parseJson(params.projection) as Record<string, unknown>;
      docs = docs.map((d) => new Query({}).find([d], projection as never).all()[0] as Doc);
    }
    return { data: { list: docs.map(encode) }, limit, offset };
  }

  /** The documents a request's query selects, as the transaction (if any) sees them. */
  private find(params: Params, txn: Txn | undefined): Doc[] {
    const name = params.collectionName as string;
    const docs = this.collection(name);
    const query = params.query ? parseQuery(params.query) : {};
    if (params.queryType === 'DOC') {
      const doc = this.view(name, query._id, txn);
      return doc ? [doc] : [];
    }
    const matcher = compileQuery(query);
    return [...docs.values()].filter((d) => matcher.test(d)).map((d) => structuredClone(d));
  }

  /** A document as the transaction sees it (its own writes, else its snapshot), or as committed. */
  private view(collection: string, id: unknown, txn?: Txn): Doc | undefined {
    const key = keyOf(collection, id);
    const docs = this.collection(collection);
    if (!txn) return clone(docs.get(String(id)));
    txn.touched.add(key);
    if (txn.writes.has(key)) return clone(txn.writes.get(key) ?? undefined);
    if ((this.changedAt.get(key) ?? 0) <= txn.startSeq) return clone(docs.get(String(id)));
    const versions = this.history.get(key) ?? [];
    for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.seq <= txn.startSeq) return clone(versions[i]!.doc);
    return undefined;
  }

  // ---- writes ------------------------------------------------------------------------------

  private insert(params: Params): Body {
    const txn = this.txnOf(params);
    const name = params.collectionName as string;
    this.collection(name);
    const docs = (params.data as string[]).map((s) => {
      const doc = parseJson(s) as Doc;
      if (doc._id === undefined || doc._id === null) doc._id = newId();
      return doc;
    });
    const seen = new Set<string>();
    for (const doc of docs) {
      const id = String(doc._id);
      if (seen.has(id) || this.view(name, id, txn))
        throw new PlatformError('DATABASE_DUPLICATE_WRITE', `E11000 duplicate key error collection: ${name} index: _id_ dup key: { _id: "${id}" }`);
      seen.add(id);
    }
    this.write(txn, new Map(docs.map((d) => [keyOf(name, d._id), d])));
    return { insertedIds: docs.map((d) => d._id) };
  }

  private modify(params: Params): Body {
    const txn = this.txnOf(params);
    const name = params.collectionName as string;
    const data = parseJson(params.data) as Record<string, unknown>;
    if (params.merge) checkUpdate(data);
    else checkReplacement(data);
    const targets = this.targets(params, txn);
    const changes = new Map<string, Doc | null>();
    let updated = 0;
    let upsertId: unknown;
    for (const { id, doc } of targets) {
      const next = doc ? (params.merge ? withOperators(doc, data) : { ...data, _id: doc._id }) : undefined;
      if (next && encode(next) !== encode(doc!)) {
        changes.set(keyOf(name, id), next);
        updated++;
      }
    }
    if (targets.length === 0 && params.upsert && params.queryType === 'DOC') {
      const id = (parseQuery(params.query) as Doc)._id;
      const created = params.merge ? withOperators({ _id: id }, data) : { ...data, _id: id };
      changes.set(keyOf(name, id), created);
      upsertId = id;
    }
    this.write(txn, changes);
    return { updated, upsert_id: upsertId };
  }

  /** `updateAndReturn`: the first matching document, updated, as it is afterwards. */
  private modifyAndReturn(params: Params): Body {
    const txn = this.txnOf(params);
    const name = params.collectionName as string;
    const data = parseJson(params.data) as Record<string, unknown>;
    checkUpdate(data);
    const [target] = this.targets({ ...params, multi: false }, txn);
    if (!target?.doc) return { updated: 0, doc: null };
    const next = withOperators(target.doc, data);
    const changed = encode(next) !== encode(target.doc);
    if (changed) this.write(txn, new Map([[keyOf(name, target.id), next]]));
    return { updated: changed ? 1 : 0, doc: encode(next) };
  }

  private remove(params: Params): Body {
    const txn = this.txnOf(params);
    const name = params.collectionName as string;
    const targets = this.targets(params, txn).filter((t) => t.doc);
    this.write(txn, new Map(targets.map((t) => [keyOf(name, t.id), null])));
    return { deleted: targets.length };
  }

  private targets(params: Params, txn: Txn | undefined): { id: string; doc: Doc | undefined }[] {
    const found = this.find(params, txn);
    const chosen = params.multi === false || params.queryType === 'DOC' ? found.slice(0, 1) : found;
    return chosen.map((doc) => ({ id: String(doc._id), doc }));
  }

  /** Buffers the changes in the transaction, or commits them at once. */
  private write(txn: Txn | undefined, changes: Map<string, Doc | null>): void {
    if (changes.size === 0) return;
    if (txn) {
      for (const [key, doc] of changes) {
        txn.touched.add(key);
        txn.writes.set(key, doc);
      }
    } else this.apply(changes);
  }

  private commit(id: string): void {
    const txn = this.txns.get(id);
    if (!txn) throw new PlatformError('DATABASE_TRANSACTION_FAIL', `transaction ${id} does not exist or has ended`);
    // Write-write conflicts only: what the transaction merely read is not checked.
    const conflict = [...txn.writes.keys()].some((key) => (this.changedAt.get(key) ?? 0) > txn.startSeq);
    this.endTxn(id);
    if (conflict) throw new PlatformError('DATABASE_TRANSACTION_CONFLICT', 'database transaction conflict');
    this.apply(txn.writes);
  }

  private endTxn(id: string): void {
    this.txns.delete(id);
    if (this.txns.size === 0) this.history.clear();
  }

  /** Commits changes as one new version of the database. */
  private apply(changes: Map<string, Doc | null>): void {
    if (changes.size === 0) return;
    const seq = ++this.seq;
    const touched = new Set<string>();
    for (const [key, doc] of changes) {
      const [name, id] = splitKey(key);
      const docs = this.collection(name);
      if (this.txns.size > 0) {
        const versions = this.history.get(key) ?? [];
        versions.push({ seq: this.changedAt.get(key) ?? 0, doc: docs.get(id) });
        this.history.set(key, versions);
      }
      if (doc) docs.set(id, doc);
      else docs.delete(id);
      this.changedAt.set(key, seq);
      touched.add(name);
    }
    this.options.onCommit?.(touched);
  }
}

// ---- EJSON, queries and updates ----------------------------------------------------------------

const clone = <T>(v: T): T => (v === undefined ? v : structuredClone(v));

function parseJson(text: unknown): unknown {
  const value = typeof text === 'string' ? EJSON.parse(text) : text;
  return nativeRegExps(value);
}

/** bson's BSONRegExp → RegExp, so mingo evaluates `db.RegExp` / `/x/` filters. */
function nativeRegExps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nativeRegExps);
  if (value && typeof value === 'object') {
    const v = value as { _bsontype?: string; pattern?: string; options?: string };
    if (v._bsontype === 'BSONRegExp') return new RegExp(v.pattern!, (v.options ?? '').replace(/[^gimsuy]/g, ''));
    if (Object.getPrototypeOf(value) === Object.prototype)
      return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, nativeRegExps(x)]));
  }
  return value;
}

function parseQuery(text: unknown): Record<string, any> {
  const query = parseJson(text) as Record<string, any>;
  checkOperators(query, QUERY_OPERATORS);
  return query;
}

function compileQuery(query: Record<string, unknown>): Query {
  try {
    return new Query(query);
  } catch (e) {
    throw new PlatformError('DATABASE_INVALID_OPERRATOR', (e as Error).message);
  }
}

function checkOperators(node: unknown, allowed: Set<string>): void {
  if (Array.isArray(node)) node.forEach((x) => checkOperators(x, allowed));
  else if (node && typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype) {
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith('$') && !allowed.has(k)) throw new PlatformError('DATABASE_INVALID_OPERRATOR', `unknown operator ${k}`);
      checkOperators(v, allowed);
    }
  }
}

function checkUpdate(data: Record<string, unknown>): void {
  const keys = Object.keys(data);
  if (keys.length === 0) throw new PlatformError('INVALID_PARAM', 'update data must not be empty');
  for (const k of keys) {
    if (!k.startsWith('$')) throw new PlatformError('INVALID_PARAM', `update data mixes fields and operators: ${k}`);
    if (!UPDATE_OPERATORS.has(k)) throw new PlatformError('DATABASE_INVALID_OPERRATOR', `unknown update operator ${k}`);
  }
}

function checkReplacement(data: Record<string, unknown>): void {
  if (Object.hasOwn(data, '_id')) throw new PlatformError('INVALID_PARAM', 'cannot update _id');
  for (const k of Object.keys(data))
    if (k.startsWith('$')) throw new PlatformError('INVALID_PARAM', `a document set() cannot contain operator ${k}`);
}

/** A copy of `doc` with MongoDB update operators applied. */
function withOperators(doc: Doc, operators: Record<string, unknown>): Doc {
  const next = structuredClone(doc);
  try {
    applyOperators(next, operators as never, undefined, undefined, { cloneMode: 'deep' });
  } catch (e) {
    throw new PlatformError('DATABASE_REQUEST_FAILED', (e as Error).message);
  }
  return next;
}

/** MongoDB's sort for the scalar keys used here: missing/null first, numbers, strings (binary order), booleans. */
function sortDocs(docs: Doc[], order: Record<string, number>): Doc[] {
  const rank = (v: unknown) => (v === undefined || v === null ? 0 : typeof v === 'number' ? 1 : typeof v === 'string' ? 2 : typeof v === 'boolean' ? 4 : 3);
  const cmp = (a: unknown, b: unknown) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    if (ra === 1 || ra === 2 || ra === 4) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    return 0;
  };
  const fields = Object.entries(order);
  return [...docs].sort((a, b) => {
    for (const [field, dir] of fields) {
      const c = cmp(a[field], b[field]);
      if (c) return dir < 0 ? -c : c;
    }
    return 0;
  });
}
