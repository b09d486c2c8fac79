/**
 * The document store port: one logical table of items keyed by a partition key `pk` and a
 * sort key `sk` (DESIGN.md §4). DynamoDB stores it natively; CloudBase maps each item to a
 * document of its kind's collection. Conditions and updates are a small language both
 * databases can express atomically, so every invariant (stock never below zero, one
 * idempotency record, balances never negative) is enforced by the database, not by a read.
 */
import { AppError } from '#domain/errors';

export type Scalar = string | number | boolean | null;

export interface Key {
  pk: string;
  sk: string;
}

export interface Item extends Key {
  [attr: string]: unknown;
}

/** A condition on one item; a list of conditions means all of them. Paths are top-level attribute names. */
export type Condition =
  | { op: 'exists' }
  | { op: 'notExists' }
  | { op: 'attrExists'; path: string }
  | { op: 'attrNotExists'; path: string }
  | { op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; path: string; value: Scalar }
  | { op: 'in'; path: string; values: Scalar[] }
  | { op: 'or'; conditions: Condition[] };

/** An update: set attributes, add to numbers (negative subtracts), remove attributes. */
export interface Update {
  set?: Record<string, unknown>;
  /** Set only when the attribute is absent (counters' initial values, createdAt). */
  setIfAbsent?: Record<string, unknown>;
  inc?: Record<string, number>;
  remove?: string[];
}

export type WriteOp =
  | { type: 'put'; item: Item; when?: Condition[] }
  /** Update creates the item when absent unless a condition forbids it (as DynamoDB UpdateItem). */
  | { type: 'update'; key: Key; update: Update; when?: Condition[] }
  | { type: 'delete'; key: Key; when?: Condition[] }
  | { type: 'check'; key: Key; when: Condition[] };

export interface QueryInput {
  /** The partition (or the GSI1 partition with index 'gsi1', GSI2 with 'gsi2'). */
  pk: string;
  index?: 'gsi1' | 'gsi2';
  /** Sort key begins with. */
  prefix?: string;
  /** Inclusive sort key range; combined with prefix it is not allowed. */
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  /** Newest (largest sort key) first. */
  descending?: boolean;
  /** Strongly consistent read (base table only). */
  consistent?: boolean;
}

export interface Page {
  items: Item[];
  cursor?: string;
}

/** Thrown by `write` when its condition does not hold. */
export class ConditionFailed extends Error {
  constructor(readonly key: Key, readonly current?: Item) {
    super('condition failed');
    this.name = 'ConditionFailed';
  }
}

/**
 * Thrown by `transact` when it is cancelled. `reasons[i]` tells why operation i failed
 * (`ConditionalCheckFailed` with the item as it was, when the store can say), null if it did not.
 */
export class TransactionCancelled extends Error {
  constructor(readonly reasons: ({ code: 'ConditionalCheckFailed'; current?: Item } | { code: string } | null)[]) {
    super(`transaction cancelled: ${reasons.map((r) => r?.code ?? 'None').join(',')}`);
    this.name = 'TransactionCancelled';
  }

  /** Index of the first operation whose condition failed, or -1. */
  failedAt(): number {
    return this.reasons.findIndex((r) => r?.code === 'ConditionalCheckFailed');
  }
}

/**
 * Thrown by `transact` or `write` when concurrent writers kept conflicting beyond the store's
 * own retry budget: nothing was written and no condition failed (every reason is
 * `TransactionConflict`, `failedAt()` is -1); the caller may read again and decide anew.
 * Each adapter translates its platform's conflict errors to this, so no use case names one.
 */
export class StoreConflict extends TransactionCancelled {
  constructor(operations: number) {
    super(Array.from({ length: operations }, () => ({ code: 'TransactionConflict' })));
    this.name = 'StoreConflict';
  }
}

/**
 * Thrown by `query` for a cursor the store did not hand out. Clients only ever hold signed
 * cursors (shared/platform/cursors.ts), so this is defence in depth: still a 400, never a 500.
 */
export class InvalidCursor extends AppError {
  constructor() {
    super('VALIDATION_FAILED', 'the cursor is not valid', { issues: [{ path: 'cursor', message: 'not a cursor of this query' }] });
    this.name = 'InvalidCursor';
  }
}

export interface ItemStore {
  get(key: Key, options?: { consistent?: boolean }): Promise<Item | undefined>;
  getMany(keys: Key[]): Promise<Item[]>;
  query(input: QueryInput): Promise<Page>;
  /** One conditional write; throws ConditionFailed (with the current item when known). Returns the item after an update. */
  write(op: WriteOp): Promise<Item | undefined>;
  /**
   * All or nothing (at most 100 operations, each on a distinct item). Transient conflicts with
   * concurrent writers are retried inside a bounded budget; a failed condition throws
   * TransactionCancelled at once.
   */
  transact(ops: WriteOp[]): Promise<void>;
  /** Unconditional puts in batches (reports, seeds); retries unprocessed items. */
  putMany(items: Item[]): Promise<void>;
  /**
   * Stores without native expiry (CloudBase): removes every item whose numeric `expiresAt`
   * (epoch seconds, DynamoDB's TTL attribute) is before `nowSeconds`; answers how many.
   * Absent where the database expires items itself (DynamoDB TTL).
   */
  removeExpired?(nowSeconds: number): Promise<number>;
  /**
   * True where a transaction's `check` writes the checked item (CloudBase: snapshot isolation
   * needs a write to see a conflict), so a check on a hot item serialises every transaction
   * that makes it. Callers then read such items fresh instead of checking a cached copy.
   */
  readonly checksWrite?: boolean;
}

/** Reads every page of a query. Use only where the result is known to be bounded. */
export async function queryAll(store: ItemStore, input: QueryInput): Promise<Item[]> {
  const out: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...input, cursor });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}
