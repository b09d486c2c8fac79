import { describe, expect, it } from 'vitest';
import type { Deps } from '../deps.ts';
import type { Product } from '../catalog/products.ts';
import type { OrderLine } from './model.ts';
import { holdOps } from './place.ts';

const line = (productId: string, qty: number): OrderLine =>
  Object.freeze({ productId, title: productId, qty, unitPriceFen: 100, paidFen: 100 * qty, fresh: false, commissionRate: 0.1, supplierId: 's-1', flash: false });

describe('holdOps', () => {
  it('answers the lines with what each holds and leaves its input as it was', async () => {
    const products = new Map([
      ['p-stock', { id: 'p-stock', stockPerWave: 10, perUserLimit: 3 } as Product],
      ['p-free', { id: 'p-free' } as Product],
    ]);
    const input = Object.freeze([line('p-stock', 2), line('p-free', 1)]);
    const quote = { couponId: undefined, pointsUsed: 0, firstOrder: false } as unknown as Parameters<typeof holdOps>[6];
    // A store whose checks write (CloudBase): products are read fresh, not checked.
    const { ops, guards, lines } = await holdOps({ settings: { flashShards: 8 }, store: { checksWrite: true } } as unknown as Deps, 'u-1', '2026-11-24', 'c-1', input, products, quote, 'o-1');
    expect(lines.map((l) => [l.productId, l.holds])).toEqual([
      ['p-stock', ['stock', 'limit']],
      ['p-free', []],
    ]);
    expect(input.map((l) => 'holds' in l)).toEqual([false, false]);
    expect(guards.map((g) => g.kind)).toEqual(['wave', 'stock', 'limit']);
    expect(ops).toHaveLength(3);
  });

  it('checks every product it priced against the rev it was priced with (the read cache), where a check is only a condition', async () => {
    const products = new Map([
      ['p-a', { id: 'p-a', rev: 'r1' } as Product],
      ['p-b', { id: 'p-b' } as Product],
    ]);
    const quote = { couponId: undefined, pointsUsed: 0, firstOrder: false } as unknown as Parameters<typeof holdOps>[6];
    const { ops, guards } = await holdOps({ settings: { flashShards: 8 }, store: {} } as unknown as Deps, 'u-1', '2026-11-24', 'c-1', [line('p-a', 1), line('p-b', 1)], products, quote, 'o-1');
    expect(guards.map((g) => g.kind)).toEqual(['wave', 'product', 'product']);
    expect(ops.slice(1).map((o) => (o as { when: unknown }).when)).toEqual([[{ op: 'eq', path: 'rev', value: 'r1' }], [{ op: 'attrNotExists', path: 'rev' }]]);
  });
});
