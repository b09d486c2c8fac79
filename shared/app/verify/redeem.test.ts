import { describe, expect, it } from 'vitest';
import type { Order } from '#app/orders/model';
import { commissionEntry } from './redeem.ts';

describe('the commission entry of a pickup', () => {
  it('leaves out a line staff refunded whole before pickup, and earns on what remains', () => {
    const order = {
      id: 'o-1',
      shortNo: '000001',
      communityId: 'c-1',
      lines: [
        { productId: 'p-rice', title: '米', qty: 1, unitPriceFen: 500, paidFen: 500, commissionRate: 0.1 },
        { productId: 'p-milk', title: '奶', qty: 2, unitPriceFen: 500, paidFen: 1000, commissionRate: 0.1 },
      ],
      refundedQty: { 'p-rice': 1 },
    } as unknown as Order;
    const entry = commissionEntry(order, 'l-1', '2026-11-25T10:00:00+08:00');
    expect(entry.lines.map((l) => [l.productId, l.qty, l.paidFen])).toEqual([['p-milk', 2, 1000]]);
    expect(entry.amountFen).toBe(100);
  });
});
