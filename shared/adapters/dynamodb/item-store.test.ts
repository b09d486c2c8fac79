import { describe, expect, it } from 'vitest';
import { StoreConflict, TransactionCancelled } from '#ports/item-store';
import { createDynamoItemStore } from './item-store.ts';

const awsError = (name: string, extra: object = {}) => Object.assign(new Error(name), { name, ...extra });

/** A client whose every call fails with `error`; counts the calls. */
function failing(error: () => Error) {
  let calls = 0;
  const client = { send: async () => { calls++; throw error(); } };
  return { store: createDynamoItemStore({ tableName: 't', client, conflictAttempts: 3, sleep: async () => {} }), calls: () => calls };
}

const put = { type: 'put' as const, item: { pk: 'A', sk: 'B' } };

describe('DynamoDB adapter: conflicts become the port\'s StoreConflict', () => {
  it('a transaction cancelled only by TransactionConflict, after its retries', async () => {
    const f = failing(() => awsError('TransactionCanceledException', { CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }] }));
    const e = await f.store.transact([put, put]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StoreConflict);
    expect(e).toBeInstanceOf(TransactionCancelled);
    expect((e as StoreConflict).failedAt()).toBe(-1);
    expect(f.calls()).toBe(3);
  });

  it('a single write that meets a transaction (TransactionConflictException)', async () => {
    const f = failing(() => awsError('TransactionConflictException'));
    await expect(f.store.write(put)).rejects.toBeInstanceOf(StoreConflict);
  });

  it('a failed condition stays a cancellation naming the operation, at once', async () => {
    const f = failing(() => awsError('TransactionCanceledException', { CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }] }));
    const e = await f.store.transact([put, put]).catch((x: unknown) => x);
    expect(e).not.toBeInstanceOf(StoreConflict);
    expect((e as TransactionCancelled).failedAt()).toBe(1);
    expect(f.calls()).toBe(1);
  });
});
