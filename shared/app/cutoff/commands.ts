import * as z from 'zod/mini';
import { id, bizDateSchema, queryNumber } from '#platform/schema';
import { defineCommand } from '#app/command';
import { CSV } from '#platform/http';
import { AppError } from '#domain/errors';
import { toCsv } from '#domain/csv';
import { addDays, isBizDate } from '#domain/time';
import { describeWave } from '#domain/wave-clock';
import { pickListsCsv, purchaseListCsv } from '#domain/wave-reports';
import { pickListForArrival } from '#domain/deliveries';
import { routesForArrival } from '../supply/arrival-reports.ts';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { listCommunities } from '../catalog/communities.ts';
import { summarizeDashboard, type DashboardBucket } from './dashboard.ts';
import { attributedSummary } from '../share/attributed.ts';
import { DISTRICT, districtDays } from '../workspace/district-dashboard.ts';
import { cutoffKeys, DIMENSIONS, type Dimension } from './keys.ts';
import { queryAll } from '#ports/item-store';
import { readPickList, readPickLists, readPurchaseList, readRoutes, readStats, readWarnings, routeOrder, type RoutesReport } from './reports.ts';

const format = () => z.optional(z.enum(['json', 'csv']));
const csv = (text: string, filename: string) => ({ [CSV]: text, filename });

/** The wave's reports exist only once its cutoff finished. */
async function requireReports<T>(deps: Deps, date: string, read: Promise<T | undefined>): Promise<T> {
  const report = await read;
  if (!report) throw new AppError('NOT_FOUND', `wave ${date} has no reports yet: it has not been cut off`, { date });
  return report;
}

/** 采购汇总: per supplier and product, quantity, cost amount and sales amount. */
export const purchaseListCommand = defineCommand({
  name: 'cutoff.purchaseList',
  roles: ['owner', 'operations', 'warehouse', 'integration:purchase'],
  input: z.object({ date: bizDateSchema(), format: format() }),
  http: { method: 'GET', path: '/admin/waves/{date}/purchase-list' },
  async run({ deps }, input) {
    const list = await requireReports(deps, input.date, readPurchaseList(deps, input.date));
    return input.format === 'csv' ? csv(purchaseListCsv(list), `purchase-list-${input.date}.csv`) : list;
  },
});

/**
 * 分拣单: per community, product totals and one label per order, communities in delivery order
 * (route, then stop). One community with `communityId`, one route with `routeId`; otherwise
 * all, `limit` communities a page (`cursor` for the next).
 */
export const pickListsCommand = defineCommand({
  name: 'cutoff.pickLists',
  roles: ['owner', 'operations', 'warehouse'],
  input: z.object({
    date: bizDateSchema(),
    communityId: z.optional(id()),
    routeId: z.optional(id()),
    limit: z.optional(z.pipe(queryNumber(), z.int().check(z.minimum(1), z.maximum(500)))),
    cursor: z.optional(z.string().check(z.regex(/^\d+$/))),
    format: format(),
    /** 次日达/隔日达: only what arrives on this date (shared/domain/deliveries.ts). */
    arrivalDate: z.optional(bizDateSchema()),
  }),
  http: { method: 'GET', path: '/admin/waves/{date}/pick-lists' },
  async run({ deps }, input) {
    // Steps: the wave's routes (delivery order) → the communities asked → their stored lists.
    if (input.communityId) {
      if (!(await deps.store.get(keys.community(input.communityId)))) throw new AppError('NOT_FOUND', `community ${input.communityId} not found`);
      const read = await readPickList(deps, input.date, input.communityId);
      const list = read && input.arrivalDate ? pickListForArrival(read, input.date, input.arrivalDate) : read;
      if (!list) await requireReports(deps, input.date, readRoutes(deps, input.date));
      const lists = list ? [list] : [];
      return input.format === 'csv' ? csv(pickListsCsv(lists), `pick-lists-${input.date}-${input.communityId}.csv`) : { date: input.date, lists };
    }
    const routes = await requireReports(deps, input.date, readRoutes(deps, input.date));
    const stops = routeOrder(routes).filter((s) => !input.routeId || s.routeId === input.routeId);
    const from = Number(input.cursor ?? 0);
    const page = stops.slice(from, from + (input.limit ?? 100));
    const lists = (await readPickLists(deps, input.date, page.map((s) => s.communityId))).map((l) => (input.arrivalDate ? pickListForArrival(l, input.date, input.arrivalDate) : l));
    const next = from + page.length < stops.length ? String(from + page.length) : undefined;
    if (input.format === 'csv') return csv(pickListsCsv(lists), `pick-lists-${input.date}${input.routeId ? `-${input.routeId}` : ''}${from ? `-${from}` : ''}.csv`);
    return { date: input.date, lists, ...(next ? { nextCursor: next } : {}) };
  },
});

/** Delivery routes: communities with orders grouped by route, stops by nearest neighbour from the warehouse. */
export const routesCommand = defineCommand({
  name: 'cutoff.routes',
  roles: ['owner', 'operations', 'warehouse'],
  input: z.object({ date: bizDateSchema(), format: format(), arrivalDate: z.optional(bizDateSchema()) }),
  http: { method: 'GET', path: '/admin/waves/{date}/routes' },
  async run({ deps }, input) {
    const all = await requireReports(deps, input.date, readRoutes(deps, input.date));
    const routes = input.arrivalDate ? await routesForArrival(deps, all, input.arrivalDate) : all; // 次日达/隔日达
    return input.format === 'csv' ? csv(routesCsv(routes), `routes-${input.date}.csv`) : routes;
  },
});

/** The routes for Excel: one row per stop, with the leg from the previous stop (the warehouse first). */
export function routesCsv(report: RoutesReport): string {
  const headers = ['线路', '顺序', '小区编号', '小区', '距上一站(米)', '线路总里程(米)'];
  return toCsv(
    headers,
    report.routes.flatMap((r) => r.stops.map((s) => [r.routeId, s.seq, s.communityId, s.name, s.legM, r.totalM])),
  );
}

/**
 * GET /admin/waves/{date}: the wave's state per community (OPEN, CLOSING, CLOSED) and, once
 * cut off, its summary and inventory warnings. Belongs to the admin function.
 */
export const waveCommand = defineCommand({
  name: 'admin.wave',
  roles: ['owner', 'operations', 'warehouse'],
  input: z.object({ date: bizDateSchema() }),
  http: { method: 'GET', path: '/admin/waves/{date}' },
  async run({ deps }, input) {
    // Steps: communities → their wave items → done record → stats, purchase totals, warnings.
    const communities = (await listCommunities(deps)).sort((a, b) => (a.id < b.id ? -1 : 1));
    const waves = new Map((await deps.store.getMany(communities.map((c) => keys.communityWave(c.id, input.date)))).map((w) => [w.pk, w]));
    const [done, stats, purchase, warnings] = await Promise.all([
      deps.store.get(cutoffKeys.waveDone(input.date)),
      readStats(deps, input.date),
      readPurchaseList(deps, input.date),
      readWarnings(deps, input.date),
    ]);
    const rows = communities.map((c) => {
      const w = waves.get(keys.communityWave(c.id, input.date).pk);
      const figures = stats?.byCommunity[c.id];
      return {
        communityId: c.id,
        name: c.name,
        routeId: c.routeId,
        status: (w?.status as string) ?? 'OPEN',
        ...(w?.closedAt ? { closedAt: w.closedAt } : {}),
        orders: figures?.orders ?? Number(w?.orders ?? 0),
        units: figures?.units ?? Number(w?.units ?? 0),
        gmvFen: figures?.gmvFen ?? 0,
      };
    });
    const closed = rows.filter((r) => r.status === 'CLOSED').length;
    return {
      ...describeWave(deps.settings, input.date),
      status: done ? 'CLOSED' : closed > 0 || rows.some((r) => r.status === 'CLOSING') ? 'CLOSING' : 'OPEN',
      ...(done ? { closedAt: done.doneAt } : {}),
      communities: rows,
      ...(stats && purchase
        ? {
            summary: {
              orders: stats.orders,
              units: stats.units,
              gmvFen: stats.gmvFen,
              customers: stats.customers,
              newCustomers: stats.newCustomers,
              communitiesWithOrders: Object.keys(stats.byCommunity).length,
              purchase: { suppliers: purchase.suppliers.length, qty: purchase.qty, costAmountFen: purchase.costAmountFen, salesFen: purchase.salesFen },
            },
          }
        : {}),
      warnings: warnings?.warnings ?? [],
    };
  },
});

const MAX_DASHBOARD_DAYS = 366;

/**
 * GET /admin/dashboard?from=&to=&groupBy=: sales (gmvFen), orders, customers and repurchase
 * rate over a range of waves, in total, per day and per group, read from the aggregates the
 * cutoff wrote (one query per dimension), never from the orders. Belongs to the admin function.
 */
export const dashboardCommand = defineCommand({
  name: 'admin.dashboard',
  roles: ['owner', 'operations', 'finance'],
  input: z.object({ from: bizDateSchema(), to: bizDateSchema(), groupBy: z.optional(z.enum([...DIMENSIONS, DISTRICT] as unknown as [Dimension | typeof DISTRICT, ...(Dimension | typeof DISTRICT)[]])) }),
  http: { method: 'GET', path: '/admin/dashboard' },
  async run({ deps }, input) {
    const bad = (path: string, message: string) => new AppError('VALIDATION_FAILED', message, { issues: [{ path, message }] });
    if (!isBizDate(input.from)) throw bad('from', 'not a calendar date');
    if (!isBizDate(input.to)) throw bad('to', 'not a calendar date');
    if (input.to < input.from) throw bad('to', 'must not be before from');
    if (addDays(input.from, MAX_DASHBOARD_DAYS - 1) < input.to) throw bad('to', `at most ${MAX_DASHBOARD_DAYS} days`);
    const range = { from: input.from, to: input.to };
    const totals = await queryAll(deps.store, { pk: cutoffKeys.dashboardTotal('').pk, ...range });
    // By district (issue 17 item 7): the region aggregates folded into the served districts.
    const groups = input.groupBy ? await queryAll(deps.store, { pk: cutoffKeys.dashboardGroups(input.groupBy === DISTRICT ? 'region' : input.groupBy, '').pk, ...range }) : [];
    const groupDays = groups.map((it) => it.groups as Record<string, DashboardBucket>);
    const summary = summarizeDashboard(
      totals.map((it) => ({ date: String(it.date), total: it.total as DashboardBucket })),
      input.groupBy === DISTRICT ? await districtDays(deps, groupDays) : groupDays,
    );
    const attributed = await attributedSummary(deps, input.from, input.to); // by the share scene's leader (shared/app/share/attributed.ts)
    return { from: input.from, to: input.to, ...(input.groupBy ? { groupBy: input.groupBy, groups: summary.groups } : {}), totals: summary.totals, days: summary.days, attributed };
  },
});

/** Commands served by the cutoff function. */
export const cutoffCommands = [purchaseListCommand, pickListsCommand, routesCommand];

/** Commands of the admin function (wired into functions/admin by its owner). */
export const cutoffAdminCommands = [waveCommand, dashboardCommand];
