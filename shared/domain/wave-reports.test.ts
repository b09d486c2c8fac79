import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CommunityTotals,
  type CutoffOrder,
  type ReportCommunity,
  type ReportProduct,
  UNKNOWN_SUPPLIER,
  communityTotals,
  fenToYuanText,
  inventoryWarnings,
  mergePurchaseList,
  pickList,
  pickListsCsv,
  purchaseListCsv,
  waveStats,
  withShortages,
} from './wave-reports.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

// ---- builders -------------------------------------------------------------------------------

const line = (productId: string, qty: number, paidFen: number, title = `T-${productId}`) => ({
  productId,
  title,
  qty,
  unitPriceFen: Math.ceil(paidFen / qty),
  paidFen,
});

let seq = 0;
// Orders as the store holds them may carry a pickup code: the reports must never pass it on.
type StoredOrder = CutoffOrder & { pickupCode?: string };
const order = (over: Partial<StoredOrder> = {}): StoredOrder => {
  seq += 1;
  return {
    id: `o-${String(seq).padStart(4, '0')}`,
    communityId: 'c1',
    userId: 'u1',
    status: 'CONFIRMED',
    shortNo: `A${String(seq).padStart(3, '0')}`,
    pickupCode: '01234567',
    contactName: '张*',
    phoneTail: '5678',
    lines: [line('eggs', 1, 1000)],
    createdAt: '2026-11-24T10:00:00+08:00',
    ...over,
  };
};

const product = (id: string, over: Partial<ReportProduct> = {}): ReportProduct => ({
  id,
  title: `T-${id}`,
  supplierId: 's1',
  ...over,
});

const community = (id: string, over: Partial<ReportCommunity> = {}): ReportCommunity => ({
  id,
  name: `小区${id}`,
  region: '闵行',
  routeId: 'R1',
  leaderId: `l-${id}`,
  location: { lat: 31.2, lng: 121.4 },
  ...over,
});

/** Random community totals built the way cutoff builds them: from orders. */
const totalsArb = (productIds: string[]) =>
  fc
    .uniqueArray(fc.constantFrom('c1', 'c2', 'c3', 'c4', 'c5'), { minLength: 0, maxLength: 5 })
    .chain((communityIds) =>
      fc.tuple(
        ...communityIds.map((communityId) =>
          fc
            .array(
              fc.record({
                userId: fc.constantFrom('u1', 'u2', 'u3'),
                lines: fc.array(
                  fc.record({
                    productId: fc.constantFrom(...productIds),
                    qty: fc.integer({ min: 1, max: 50 }),
                    paidFen: fc.integer({ min: 0, max: 100_000 }),
                  }),
                  { minLength: 1, maxLength: 4 },
                ),
              }),
              { maxLength: 6 },
            )
            .map((os) =>
              communityTotals(
                { id: communityId },
                os.map((o) => order({ communityId, userId: o.userId, lines: o.lines.map((l) => line(l.productId, l.qty, l.paidFen)) })),
              ),
            ),
        ),
      ),
    );

const withoutLeader = ({ leaderId: _, ...c }: ReportCommunity): ReportCommunity => c;

// ---- communityTotals ------------------------------------------------------------------------

describe('communityTotals', () => {
  it('sums the locked orders of one community', () => {
    const orders = [
      order({ userId: 'u1', lines: [line('eggs', 2, 1800), line('milk', 1, 650)], newCustomer: true }),
      order({ userId: 'u2', lines: [line('eggs', 1, 1000), line('eggs', 1, 1000)] }),
      order({ userId: 'u1', lines: [line('milk', 3, 1950)] }),
      order({ userId: 'u9', status: 'CANCELLED', lines: [line('eggs', 9, 9000)] }),
    ];

    const totals = communityTotals({ id: 'c1' }, orders);

    expect(totals).toEqual({
      communityId: 'c1',
      orders: 3,
      units: 8,
      gmvFen: 6400,
      customers: ['u1', 'u2'],
      newCustomers: 1,
      products: {
        eggs: { qty: 4, salesFen: 3800, orders: 2, buyers: 2 },
        milk: { qty: 4, salesFen: 2600, orders: 2, buyers: 1 },
      },
    });
  });

  it('is plain JSON, safe for odd product ids, and independent of order', () => {
    const orders = [order({ lines: [line('__proto__', 1, 100), line('constructor', 2, 200)] }), order({ userId: 'u0' })];

    const totals = communityTotals({ id: 'c1' }, orders);

    expect(JSON.parse(JSON.stringify(totals))).toEqual(totals);
    expect(Object.keys(totals.products)).toEqual(['__proto__', 'constructor', 'eggs']);
    expect(communityTotals({ id: 'c1' }, [...orders].reverse())).toEqual(totals);
  });

  it('is empty for a community without locked orders', () => {
    expect(communityTotals({ id: 'c1' }, [order({ status: 'PENDING_PAYMENT' })])).toMatchObject({
      orders: 0,
      units: 0,
      gmvFen: 0,
      customers: [],
      products: {},
    });
  });

  it('refuses an order of another community or with a bad line', () => {
    expect(() => communityTotals({ id: 'c1' }, [order({ communityId: 'c2' })])).toThrow(/belongs to community c2/);
    expect(() => communityTotals({ id: 'c1' }, [order({ lines: [line('eggs', 0, 0)] })])).toThrow(RangeError);
    expect(() => communityTotals({ id: 'c1' }, [order({ lines: [line('eggs', 1, -1)] })])).toThrow(RangeError);
  });
});

// ---- pickList -------------------------------------------------------------------------------

describe('pickList', () => {
  const orders = [
    order({ shortNo: 'A003', lines: [line('p2', 1, 100, '鸡蛋'), line('p1', 2, 200, '牛奶')] }),
    order({ shortNo: 'A001', pickupCode: '00000001', lines: [line('p3', 1, 100, '鸡蛋')] }),
    order({ shortNo: 'A002', status: 'CANCELLED', lines: [line('p9', 1, 100, '西瓜')] }),
    order({ shortNo: 'A010', contactName: 'A*', phoneTail: '0001', lines: [line('p1', 1, 100, '牛奶')] }),
  ];

  it('totals products by title then id, and labels orders by short number', () => {
    const list = pickList({ id: 'c1', name: '阳光小区' }, orders);

    expect(list.products).toEqual([
      { productId: 'p1', title: '牛奶', qty: 3 },
      { productId: 'p2', title: '鸡蛋', qty: 1 },
      { productId: 'p3', title: '鸡蛋', qty: 1 },
    ]);
    expect(list.labels.map((l) => l.shortNo)).toEqual(['A001', 'A003', 'A010']);
    expect(list.labels[0]).toEqual({
      shortNo: 'A001',
      contactName: '张*',
      phoneTail: '5678',
      lines: [{ title: '鸡蛋', qty: 1 }],
    });
  });

  it('is the same list whatever order the orders are read in', () => {
    const expected = pickList({ id: 'c1', name: '阳光小区' }, orders);
    fc.assert(
      fc.property(fc.shuffledSubarray(orders, { minLength: orders.length }), (shuffled) => {
        expect(pickList({ id: 'c1', name: '阳光小区' }, shuffled)).toEqual(expected);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('never carries a pickup code, even when the orders have one (issue 12)', () => {
    const list = pickList({ id: 'c1', name: 'x' }, orders);
    for (const label of list.labels) expect(Object.keys(label).sort()).toEqual(['contactName', 'lines', 'phoneTail', 'shortNo']);
    expect(JSON.stringify(list)).not.toMatch(/00000001|01234567/);
    expect(pickListsCsv([list])).not.toMatch(/00000001|01234567|取货码/);
  });
});

// ---- mergePurchaseList ----------------------------------------------------------------------

describe('mergePurchaseList', () => {
  const catalogue = [
    product('eggs', { title: '鸡蛋', supplierId: 's-farm', costFen: 700 }),
    product('milk', { title: '牛奶', supplierId: 's-dairy' }),
    product('pork', { title: '猪肉', supplierId: 's-farm', costFen: 2350 }),
  ];

  it('lists each supplier with purchase and sales amounts', () => {
    const totals = [
      communityTotals({ id: 'c1' }, [order({ communityId: 'c1', lines: [line('eggs', 2, 1800), line('milk', 1, 650)] })]),
      communityTotals({ id: 'c2' }, [order({ communityId: 'c2', lines: [line('eggs', 3, 2700), line('pork', 1, 2999)] })]),
    ];

    const list = mergePurchaseList(catalogue, totals);

    // The per-product supply view (`products`) is checked in the next test.
    expect({ ...list, products: undefined }).toEqual({
      suppliers: [
        {
          supplierId: 's-dairy',
          lines: [{ productId: 'milk', title: '牛奶', qty: 1, salesFen: 650 }],
          qty: 1,
          costAmountFen: 0,
          salesFen: 650,
        },
        {
          supplierId: 's-farm',
          lines: [
            { productId: 'pork', title: '猪肉', qty: 1, costFen: 2350, costAmountFen: 2350, salesFen: 2999 },
            { productId: 'eggs', title: '鸡蛋', qty: 5, costFen: 700, costAmountFen: 3500, salesFen: 4500 },
          ],
          qty: 6,
          costAmountFen: 5850,
          salesFen: 7499,
        },
      ],
      qty: 7,
      costAmountFen: 5850,
      salesFen: 8149,
    });
  });

  it('adds the loss buffer (rounded up) and splits by capacity, primary first, the shortfall shown', () => {
    const supplied = [product('eggs', { title: '鸡蛋', supplierId: 's-a', costFen: 700, lossBufferPct: 10, suppliers: [{ supplierId: 's-a', capacity: 15 }, { supplierId: 's-b', capacity: 5 }] })];
    const totals = [communityTotals({ id: 'c1' }, [order({ communityId: 'c1', lines: [line('eggs', 20, 20_000)] })])];
    const list = mergePurchaseList(supplied, totals);
    expect(list.products).toEqual([
      { productId: 'eggs', title: '鸡蛋', orderedQty: 20, bufferQty: 2, buyQty: 22, bySupplier: [{ supplierId: 's-a', qty: 15 }, { supplierId: 's-b', qty: 5 }], shortfallQty: 2 },
    ]);
    expect(list.suppliers.map((s) => [s.supplierId, s.qty, s.costAmountFen])).toEqual([
      ['s-a', 15, 10_500],
      ['s-b', 5, 3500],
    ]);
    expect(list.salesFen).toBe(20_000);
    const short = withShortages(list, { eggs: 3 });
    expect(short.products![0]).toMatchObject({ shortQty: 3, deliverQty: 17 });
    expect(short.shortQty).toBe(3);
  });

  it('keeps every total equal to the sum of its lines, and the lines to the orders', () => {
    fc.assert(
      fc.property(totalsArb(['eggs', 'milk', 'pork', 'gone']), (totals) => {
        const list = mergePurchaseList(catalogue, totals);

        const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
        for (const s of list.suppliers) {
          expect(s.qty).toBe(sum(s.lines.map((l) => l.qty)));
          expect(s.salesFen).toBe(sum(s.lines.map((l) => l.salesFen)));
          expect(s.costAmountFen).toBe(sum(s.lines.map((l) => l.costAmountFen ?? 0)));
          for (const l of s.lines) {
            if (l.costFen !== undefined) expect(l.costAmountFen).toBe(l.costFen * l.qty);
            else expect(l).not.toHaveProperty('costAmountFen');
          }
        }
        expect(list.qty).toBe(sum(list.suppliers.map((s) => s.qty)));
        expect(list.salesFen).toBe(sum(list.suppliers.map((s) => s.salesFen)));
        expect(list.costAmountFen).toBe(sum(list.suppliers.map((s) => s.costAmountFen)));
        // Nothing lost or invented on the way from the orders.
        expect(list.qty).toBe(sum(totals.map((t) => t.units)));
        expect(list.salesFen).toBe(sum(totals.map((t) => t.gmvFen)));
        // Resuming from JSON checkpoints in another order gives the same list.
        const resumed = JSON.parse(JSON.stringify([...totals].reverse())) as CommunityTotals[];
        expect(mergePurchaseList([...catalogue].reverse(), resumed)).toEqual(list);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('lists a product missing from the catalogue under the unknown supplier', () => {
    const totals = [communityTotals({ id: 'c1' }, [order({ lines: [line('gone', 2, 500)] })])];

    expect(mergePurchaseList(catalogue, totals).suppliers).toEqual([
      {
        supplierId: UNKNOWN_SUPPLIER,
        lines: [{ productId: 'gone', title: 'gone', qty: 2, salesFen: 500 }],
        qty: 2,
        costAmountFen: 0,
        salesFen: 500,
      },
    ]);
  });

  it('refuses a community counted twice (it would double the purchase)', () => {
    const t = communityTotals({ id: 'c1' }, [order()]);
    expect(() => mergePurchaseList(catalogue, [t, t])).toThrow(/counted twice/);
  });
});

// ---- inventoryWarnings ----------------------------------------------------------------------

describe('inventoryWarnings', () => {
  it('warns of sold-out, low stock and orders beyond supplier capacity', () => {
    const products = [
      product('a', { stockPerWave: 10 }),
      product('b', { stockPerWave: 10 }),
      product('c', { stockPerWave: 10 }),
      product('d', { supplierCapacity: 5 }),
      product('e', { supplierCapacity: 6, stockPerWave: 6 }),
      product('f'),
    ];
    const totals = [
      communityTotals({ id: 'c1' }, [order({ lines: [line('a', 10, 100), line('b', 7, 100), line('d', 4, 100)] })]),
      communityTotals({ id: 'c2' }, [order({ communityId: 'c2', lines: [line('d', 2, 100), line('e', 6, 100)] })]),
    ];

    const warnings = inventoryWarnings(products, totals, { a: 0, b: 3, c: 4, e: 0, f: undefined }, { lowStockThreshold: 3 });

    expect(warnings).toEqual([
      { productId: 'a', kind: 'SOLD_OUT', detail: { orderedQty: 10, remaining: 0 } },
      { productId: 'b', kind: 'LOW_STOCK', detail: { orderedQty: 7, remaining: 3, lowStockThreshold: 3 } },
      { productId: 'd', kind: 'OVER_SUPPLIER_CAPACITY', detail: { orderedQty: 6, supplierCapacity: 5 } },
      { productId: 'e', kind: 'SOLD_OUT', detail: { orderedQty: 6, remaining: 0 } },
    ]);
  });

  it('refuses a bad threshold', () => {
    expect(() => inventoryWarnings([], [], {}, { lowStockThreshold: -1 })).toThrow(RangeError);
  });
});

// ---- waveStats ------------------------------------------------------------------------------

describe('waveStats', () => {
  const communities = [
    community('c1', { routeId: 'R1', region: '闵行', leaderId: 'l1' }),
    community('c2', { routeId: 'R1', region: '徐汇', leaderId: 'l2' }),
    withoutLeader(community('c3', { routeId: 'R2', region: '徐汇' })),
  ];
  const totals = [
    communityTotals({ id: 'c1' }, [
      order({ communityId: 'c1', userId: 'u1', lines: [line('eggs', 2, 1800)], newCustomer: true }),
      order({ communityId: 'c1', userId: 'u2', lines: [line('milk', 1, 650)] }),
    ]),
    communityTotals({ id: 'c2' }, [order({ communityId: 'c2', userId: 'u1', lines: [line('eggs', 1, 900)] })]),
    communityTotals({ id: 'c3' }, [order({ communityId: 'c3', userId: 'u3', lines: [line('eggs', 1, 1000)], newCustomer: true })]),
  ];

  it('aggregates the wave by community, route, region, product and leader', () => {
    const stats = waveStats('2026-11-24', communities, totals, [product('eggs', { title: '鸡蛋' })]);

    expect(stats).toEqual({
      date: '2026-11-24',
      orders: 4,
      units: 5,
      gmvFen: 4350,
      customers: 3, // u1 ordered in two communities and counts once
      newCustomers: 2,
      byCommunity: {
        c1: { orders: 2, units: 3, gmvFen: 2450, customers: 2 },
        c2: { orders: 1, units: 1, gmvFen: 900, customers: 1 },
        c3: { orders: 1, units: 1, gmvFen: 1000, customers: 1 },
      },
      byRoute: {
        R1: { orders: 3, units: 4, gmvFen: 3350, customers: 2 },
        R2: { orders: 1, units: 1, gmvFen: 1000, customers: 1 },
      },
      byRegion: {
        徐汇: { orders: 2, units: 2, gmvFen: 1900, customers: 2 },
        闵行: { orders: 2, units: 3, gmvFen: 2450, customers: 2 },
      },
      byProduct: {
        eggs: { orders: 3, units: 4, gmvFen: 3700, customers: 3, title: '鸡蛋' },
        milk: { orders: 1, units: 1, gmvFen: 650, customers: 1, title: 'milk' },
      },
      byLeader: {
        l1: { orders: 2, units: 3, gmvFen: 2450, customers: 2 },
        l2: { orders: 1, units: 1, gmvFen: 900, customers: 1 },
      },
    });
  });

  it('is empty for a wave without orders', () => {
    expect(waveStats('2026-11-24', communities, [], [])).toMatchObject({ orders: 0, customers: 0, byRoute: {} });
  });

  it('refuses totals of an unknown community and a bad date', () => {
    expect(() => waveStats('2026-11-24', communities.slice(1), totals, [])).toThrow(/c1 is not in/);
    expect(() => waveStats('24/11/2026', communities, totals, [])).toThrow(RangeError);
  });
});

// ---- CSV ------------------------------------------------------------------------------------

describe('fenToYuanText', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [150, '1.50'],
    [123_456, '1234.56'],
    [-150, '-1.50'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('%d fen → %s', (fen, text) => {
    expect(fenToYuanText(fen)).toBe(text);
  });
});

describe('purchaseListCsv', () => {
  it('renders lines, supplier subtotals and a grand total in yuan', () => {
    const list = mergePurchaseList(
      [product('eggs', { title: '鸡蛋, 10枚', supplierId: 's1', costFen: 700 }), product('milk', { title: '牛奶', supplierId: 's2' })],
      [communityTotals({ id: 'c1' }, [order({ lines: [line('eggs', 3, 2700), line('milk', 1, 650)] })])],
    );

    const csv = purchaseListCsv(list);

    expect(csv.split('\r\n')).toEqual([
      '\uFEFF供应商,商品编号,商品,数量,成本单价(元),成本金额(元),销售金额(元)',
      's1,eggs,"鸡蛋, 10枚",3,7.00,21.00,27.00',
      's1,,小计,3,,21.00,27.00',
      's2,milk,牛奶,1,,,6.50',
      's2,,小计,1,,0.00,6.50',
      '合计,,,4,,21.00,33.50',
      '',
    ]);
  });
});

describe('pickListsCsv', () => {
  it('renders each community’s totals then its labels, defusing typed-in names', () => {
    const list = pickList({ id: 'c1', name: '阳光小区' }, [
      order({ shortNo: 'A002', contactName: '=cmd|*', phoneTail: '0012', pickupCode: '00123456', lines: [line('p1', 2, 100, '牛奶')] }),
    ]);

    const csv = pickListsCsv([list]);

    expect(csv.split('\r\n')).toEqual([
      '\uFEFF小区编号,小区,类型,订单号,联系人,手机尾号,商品,数量',
      'c1,阳光小区,汇总,,,,牛奶,2',
      "c1,阳光小区,订单,A002,'=cmd|*,0012,牛奶,2",
      '',
    ]);
  });
});
