import type { ReportCommunity, WaveStats } from '#domain/wave-reports';
import type { CommunityPart } from './close-community.ts';
import { DIMENSIONS, type Dimension } from './keys.ts';

/** One group's figures in one wave, as stored for the dashboard. */
export interface DashboardBucket {
  orders: number;
  units: number;
  gmvFen: number;
  /** Distinct customers of the wave in the group (per product: summed per community). */
  customers: number;
  /** Of them, customers whose order was their first ever (the first-order claim). */
  newCustomers: number;
  name?: string;
}

export interface DashboardDay {
  date: string;
  total: DashboardBucket;
  groups: Record<Dimension, Record<string, DashboardBucket>>;
}

export interface DashboardMetrics {
  gmvFen: number;
  orders: number;
  units: number;
  customers: number;
  newCustomers: number;
  /**
   * Share of customers who had bought before (not their first order): (customers − new) ÷
   * customers, to 4 decimals. Customers are counted per wave and summed over the range, so a
   * customer buying on 3 days counts 3 times, matching "repurchase" as buying again.
   */
  repurchaseRate: number;
}

const bucket = (b: { orders: number; units: number; gmvFen: number; customers: number }, newCustomers: number, name?: string): DashboardBucket => ({
  orders: b.orders,
  units: b.units,
  gmvFen: b.gmvFen,
  customers: b.customers,
  newCustomers,
  ...(name === undefined ? {} : { name }),
});

/**
 * The dashboard figures of one wave by region, route, community, product and leader, from the
 * wave statistics and the communities' parts (their new-customer counts; a first order is one
 * order in one community, so these sums are exact).
 */
export function dashboardDay(
  stats: WaveStats,
  parts: readonly CommunityPart[],
  communities: readonly (ReportCommunity & { leaderName?: string })[],
): DashboardDay {
  const byId = new Map(communities.map((c) => [c.id, c]));
  const fresh: Record<Exclude<Dimension, 'product'>, Map<string, number>> = { region: new Map(), route: new Map(), community: new Map(), leader: new Map() };
  const newByProduct = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  for (const p of parts) {
    const c = byId.get(p.communityId);
    if (!c) throw new RangeError(`community ${p.communityId} is not in the community list`);
    add(fresh.community, c.id, p.newCustomers);
    add(fresh.route, c.routeId, p.newCustomers);
    add(fresh.region, c.region, p.newCustomers);
    if (c.leaderId !== undefined) add(fresh.leader, c.leaderId, p.newCustomers);
    for (const [productId, n] of Object.entries(p.newBuyers)) add(newByProduct, productId, n);
  }
  const leaderNames = new Map(communities.filter((c) => c.leaderId !== undefined).map((c) => [c.leaderId!, c.leaderName]));
  const map = <T extends { orders: number; units: number; gmvFen: number; customers: number }>(
    rec: Record<string, T>,
    news: Map<string, number>,
    name: (k: string, v: T) => string | undefined,
  ) => Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, bucket(v, news.get(k) ?? 0, name(k, v))]));
  return {
    date: stats.date,
    total: bucket(stats, stats.newCustomers),
    groups: {
      region: map(stats.byRegion, fresh.region, (k) => k),
      route: map(stats.byRoute, fresh.route, (k) => k),
      community: map(stats.byCommunity, fresh.community, (k) => byId.get(k)?.name),
      product: map(stats.byProduct, newByProduct, (_, v) => v.title),
      leader: map(stats.byLeader, fresh.leader, (k) => leaderNames.get(k)),
    },
  };
}

function metrics(b: Omit<DashboardBucket, 'name'>): DashboardMetrics {
  const returning = b.customers - b.newCustomers;
  return {
    gmvFen: b.gmvFen,
    orders: b.orders,
    units: b.units,
    customers: b.customers,
    newCustomers: b.newCustomers,
    repurchaseRate: b.customers === 0 ? 0 : Math.round((Math.max(0, returning) * 10_000) / b.customers) / 10_000,
  };
}

const zero = (): Omit<DashboardBucket, 'name'> => ({ orders: 0, units: 0, gmvFen: 0, customers: 0, newCustomers: 0 });

function addInto(into: Omit<DashboardBucket, 'name'>, b: DashboardBucket): void {
  into.orders += b.orders;
  into.units += b.units;
  into.gmvFen += b.gmvFen;
  into.customers += b.customers;
  into.newCustomers += b.newCustomers;
}

/**
 * The dashboard over a range of waves: totals, one line per day, and (with `groupBy`) one line
 * per group, largest GMV first. The latest name seen for a group wins.
 */
export function summarizeDashboard(
  days: readonly { date: string; total: DashboardBucket }[],
  groupDays: readonly Record<string, DashboardBucket>[] = [],
) {
  const total = zero();
  for (const d of days) addInto(total, d.total);
  const groups = new Map<string, { sum: Omit<DashboardBucket, 'name'>; name?: string }>();
  for (const day of groupDays) {
    for (const [key, b] of Object.entries(day)) {
      const g = groups.get(key) ?? { sum: zero() };
      addInto(g.sum, b);
      if (b.name !== undefined) g.name = b.name;
      groups.set(key, g);
    }
  }
  return {
    totals: metrics(total),
    days: [...days].sort((a, b) => (a.date < b.date ? -1 : 1)).map((d) => ({ date: d.date, ...metrics(d.total) })),
    groups: [...groups]
      .map(([key, g]) => ({ key, ...(g.name === undefined ? {} : { name: g.name }), ...metrics(g.sum) }))
      .sort((a, b) => b.gmvFen - a.gmvFen || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  };
}

export { DIMENSIONS };
