import { describe, expect, it } from 'vitest';
import { communityTotals, waveStats, type CutoffOrder, type ReportCommunity } from '#domain/wave-reports';
import type { CommunityPart } from './close-community.ts';
import { dashboardDay, summarizeDashboard } from './dashboard.ts';

const communities: (ReportCommunity & { leaderName?: string })[] = [
  { id: 'c-1', name: '一村', region: '徐汇区', routeId: 'r-1', leaderId: 'l-1', leaderName: '王芳', location: { lat: 31.2, lng: 121.4 } },
  { id: 'c-2', name: '二村', region: '徐汇区', routeId: 'r-2', leaderId: 'l-2', leaderName: '李娜', location: { lat: 31.3, lng: 121.5 } },
];

const order = (id: string, communityId: string, userId: string, lines: [string, number, number][], newCustomer = false): CutoffOrder => ({
  id, communityId, userId, status: 'CONFIRMED', shortNo: id, contactName: '张*', phoneTail: '0000', createdAt: '2026-11-24T10:00:00+08:00', newCustomer,
  lines: lines.map(([productId, qty, paidFen]) => ({ productId, title: productId, qty, unitPriceFen: paidFen / qty, paidFen })),
});

function day(date: string, orders: CutoffOrder[]) {
  const parts: CommunityPart[] = communities.map((c) => {
    const mine = orders.filter((o) => o.communityId === c.id);
    const newBuyers: Record<string, number> = {};
    for (const o of mine.filter((o) => o.newCustomer)) for (const l of o.lines) newBuyers[l.productId] = (newBuyers[l.productId] ?? 0) + 1;
    return { ...communityTotals(c, mine), date, newBuyers };
  });
  const products = [{ id: 'p-a', title: '苹果', supplierId: 's' }, { id: 'p-b', title: '香蕉', supplierId: 's' }];
  return dashboardDay(waveStats(date, communities, parts, products), parts, communities);
}

describe('dashboard aggregates', () => {
  const d1 = day('2026-11-24', [
    order('o1', 'c-1', 'u1', [['p-a', 2, 1000]], true),
    order('o2', 'c-1', 'u2', [['p-a', 1, 500], ['p-b', 1, 300]]),
    order('o3', 'c-2', 'u3', [['p-b', 3, 900]], true),
  ]);
  const d2 = day('2026-11-25', [order('o4', 'c-1', 'u1', [['p-a', 1, 500]]), order('o5', 'c-2', 'u4', [['p-b', 1, 300]], true)]);

  it('counts new customers per group from the parts', () => {
    expect(d1.total).toMatchObject({ orders: 3, gmvFen: 2700, customers: 3, newCustomers: 2 });
    expect(d1.groups.community['c-1']).toMatchObject({ customers: 2, newCustomers: 1, name: '一村' });
    expect(d1.groups.region['徐汇区']).toMatchObject({ customers: 3, newCustomers: 2 });
    expect(d1.groups.leader['l-2']).toMatchObject({ newCustomers: 1, name: '李娜' });
    expect(d1.groups.product['p-b']).toMatchObject({ orders: 2, units: 4, gmvFen: 1200, newCustomers: 1, name: '香蕉' });
  });

  it('sums a range: GMV and orders add up, repurchase is the share of returning customers', () => {
    const s = summarizeDashboard([d2, d1], [d1.groups.community, d2.groups.community]);
    expect(s.totals).toEqual({ gmvFen: 3500, orders: 5, units: 9, customers: 5, newCustomers: 3, repurchaseRate: 0.4 });
    expect(s.days.map((d) => d.date)).toEqual(['2026-11-24', '2026-11-25']);
    expect(s.groups.map((g) => g.key)).toEqual(['c-1', 'c-2']);
    expect(s.groups[0]).toMatchObject({ gmvFen: 2300, customers: 3, newCustomers: 1, repurchaseRate: 0.6667 });
    expect(summarizeDashboard([]).totals.repurchaseRate).toBe(0);
  });
});
