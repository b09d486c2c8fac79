import { describe, expect, it } from 'vitest';
import { StoreConflict, TransactionCancelled, type WriteOp } from '#ports/item-store';
import { failedGuard, failedOp, guard } from './guards.ts';

const op = (pk: string): WriteOp => ({ type: 'put', item: { pk, sk: 'X' } });

describe('named guards', () => {
  const ops = [guard('request', op('a')), op('b'), guard('balance', op('c'))];
  const cancelledAt = (i: number) => new TransactionCancelled(ops.map((_, k) => (k === i ? { code: 'ConditionalCheckFailed' } : null)));

  it('name the operation whose condition failed', () => {
    expect(failedGuard(cancelledAt(0), ops)).toBe('request');
    expect(failedGuard(cancelledAt(2), ops)).toBe('balance');
  });

  it('answer nothing for an unnamed operation, a conflict or another error', () => {
    expect(failedGuard(cancelledAt(1), ops)).toBeUndefined();
    expect(failedGuard(new StoreConflict(3), ops)).toBeUndefined();
    expect(failedGuard(new Error('boom'), ops)).toBeUndefined();
  });

  it('answer the very operation that failed, named or not', () => {
    expect(failedOp(cancelledAt(1), ops)).toBe(ops[1]);
    expect(failedOp(cancelledAt(2), ops)).toBe(ops[2]);
    expect(failedOp(new StoreConflict(3), ops)).toBeUndefined();
    expect(failedOp(new Error('boom'), ops)).toBeUndefined();
  });

  it('leave the operation as it was', () => {
    expect(ops[0]).toEqual({ type: 'put', item: { pk: 'a', sk: 'X' } });
  });
});
