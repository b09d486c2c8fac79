import { TransactionCancelled } from '#ports/item-store';

/**
 * Whether a transaction lost a race with another writer (a condition no longer held, or a
 * conflict that outlasted the store's own retries, `StoreConflict`, itself a cancellation):
 * the caller reads again and decides anew.
 */
export const lostRace = (e: unknown): boolean => e instanceof TransactionCancelled;
