import { TransactionCancelled, type WriteOp } from '#ports/item-store';

/**
 * Named guards for a transaction's conditions, so a cancelled transaction is mapped to an error
 * by what failed ("balance", "dailyLimit"), never by an operation's position in the list.
 * Wrap an operation in `guard(name, op)` where the list is built; after a cancellation,
 * `failedGuard(e, ops)` answers the name of the operation whose condition failed.
 */
const names = new WeakMap<WriteOp, string>();

/** The operation, known from now on by the name of the condition it guards. */
export function guard<T extends WriteOp>(name: string, op: T): T {
  names.set(op, name);
  return op;
}

/**
 * The guard whose condition cancelled the transaction of `ops`; undefined for an unnamed
 * operation or any other error (a `StoreConflict` included: no condition failed there).
 */
export function failedGuard<G extends string>(e: unknown, ops: readonly WriteOp[]): G | undefined {
  const op = failedOp(e, ops);
  return op ? (names.get(op) as G | undefined) : undefined;
}

/**
 * The operation of `ops` whose condition cancelled the transaction (the very object, so a caller
 * can find it among its own, e.g. which give-back failed); undefined for any other error.
 */
export function failedOp(e: unknown, ops: readonly WriteOp[]): WriteOp | undefined {
  return e instanceof TransactionCancelled ? ops[e.failedAt()] : undefined;
}
