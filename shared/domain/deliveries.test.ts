import { describe, expect, it } from 'vitest';
import { pickListForArrival, planDeliveries } from './deliveries.ts';

describe('deliveries by arrival day', () => {
  it('one arrival day: no split', () => {
    expect(planDeliveries('2028-01-10', [{ productId: 'a' }, { productId: 'b', arrivalDays: 1 }], '16:00')).toBeUndefined();
  });
  it('隔日达 only: one delivery two days after the wave', () => {
    expect(planDeliveries('2028-01-10', [{ productId: 'a', arrivalDays: 2 }], '16:00')).toEqual([{ arrivalDate: '2028-01-12', productIds: ['a'], arrivalAt: '2028-01-12T16:00:00+08:00', status: 'PENDING' }]);
  });
  it('a pick list per arrival date', () => {
    const list = {
      products: [{ title: 'a', arrivalDays: undefined }, { title: 'b', arrivalDays: 2 }],
      labels: [{ shortNo: '1', lines: [{ title: 'a' }, { title: 'b', arrivalDays: 2 }] }, { shortNo: '2', lines: [{ title: 'a' }] }],
    };
    expect(pickListForArrival(list, '2028-01-10', '2028-01-12')).toEqual({ products: [{ title: 'b', arrivalDays: 2 }], labels: [{ shortNo: '1', lines: [{ title: 'b', arrivalDays: 2 }] }] });
    expect(pickListForArrival(list, '2028-01-10', '2028-01-11').labels.map((l) => l.shortNo)).toEqual(['1', '2']);
  });
  it('次日达 and 隔日达 in one order: two deliveries, a day apart', () => {
    expect(planDeliveries('2028-01-10', [{ productId: 'b', arrivalDays: 2 }, { productId: 'a' }, { productId: 'c', arrivalDays: 1 }], '16:00')).toEqual([
      { arrivalDate: '2028-01-11', productIds: ['a', 'c'], arrivalAt: '2028-01-11T16:00:00+08:00', status: 'PENDING' },
      { arrivalDate: '2028-01-12', productIds: ['b'], arrivalAt: '2028-01-12T16:00:00+08:00', status: 'PENDING' },
    ]);
  });
});
