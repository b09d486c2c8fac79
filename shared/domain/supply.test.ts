import { describe, expect, it } from 'vitest';
import { bufferQty, customersShortQty, defectRate, productSupply, splitBySupplier } from './supply.ts';

describe('supply rules', () => {
  it('the loss buffer rounds up to whole units', () => {
    expect(bufferQty(20, 10)).toBe(2);
    expect(bufferQty(21, 10)).toBe(3);
    expect(bufferQty(13, 8)).toBe(2);
    expect(bufferQty(0, 8)).toBe(0);
    expect(bufferQty(7, 0)).toBe(0);
    expect(() => bufferQty(-1, 5)).toThrow(RangeError);
  });

  it('splits by capacity, primary first, then backups, the rest is the shortfall', () => {
    expect(splitBySupplier(22, [{ supplierId: 'a', capacity: 15 }, { supplierId: 'b' }])).toEqual({ bySupplier: [{ supplierId: 'a', qty: 15 }, { supplierId: 'b', qty: 7 }], shortfallQty: 0 });
    expect(splitBySupplier(22, [{ supplierId: 'a', capacity: 15 }, { supplierId: 'b', capacity: 5 }])).toEqual({ bySupplier: [{ supplierId: 'a', qty: 15 }, { supplierId: 'b', qty: 5 }], shortfallQty: 2 });
    expect(splitBySupplier(10, [{ supplierId: 'a', capacity: 0 }, { supplierId: 'b' }])).toEqual({ bySupplier: [{ supplierId: 'b', qty: 10 }], shortfallQty: 0 });
    expect(splitBySupplier(3, [])).toEqual({ bySupplier: [], shortfallQty: 3 });
  });

  it('a product’s purchase: ordered + buffer, split', () => {
    expect(productSupply(20, 10, [{ supplierId: 'a', capacity: 15 }, { supplierId: 'b' }])).toEqual({
      orderedQty: 20,
      bufferQty: 2,
      buyQty: 22,
      bySupplier: [{ supplierId: 'a', qty: 15 }, { supplierId: 'b', qty: 7 }],
      shortfallQty: 0,
    });
  });

  it('the buffer absorbs a receiving shortfall first', () => {
    expect(customersShortQty(20, [15, 7])).toBe(0);
    expect(customersShortQty(20, [13, 7])).toBe(0);
    expect(customersShortQty(20, [8, 7])).toBe(5);
    expect(customersShortQty(20, [25])).toBe(0);
  });

  it('defect rate', () => {
    expect(defectRate(0, 0)).toBe(0);
    expect(defectRate(15, 7)).toBe(0.4667);
  });
});
