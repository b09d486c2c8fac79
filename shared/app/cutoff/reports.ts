import {
  inventoryWarnings,
  mergePurchaseList,
  waveStats,
  withShortages,
  type InventoryWarning,
  type PurchaseList,
  type ReportCommunity,
  type ReportProduct,
  type WaveStats,
} from '#domain/wave-reports';
import { planRoutes, type PlannedRoute } from '#domain/routes';
import { compareIds } from '#domain/geo';
import { queryAll, type Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import type { Community } from '../catalog/communities.ts';
import { getProducts } from '../catalog/products.ts';
import type { CommunityPart } from './close-community.ts';
import { dashboardDay } from './dashboard.ts';
import { cutoffKeys, DIMENSIONS } from './keys.ts';
import { joinPickChunks, type PickChunk } from './pick-chunks.ts';
import type { PickList } from '#domain/wave-reports';
import { getSuppliers } from '../supply/suppliers.ts';
import { supplySlots, writePurchaseOrders } from '../supply/purchase-orders.ts';

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'kind']);
const body = <T>(item: Item): T => Object.fromEntries(Object.entries(item).filter(([k]) => !META.has(k))) as T;

export interface RoutesReport {
  date: string;
  warehouse: { lat: number; lng: number };
  routes: PlannedRoute[];
}

export interface WarningsReport {
  date: string;
  lowStockThreshold: number;
  warnings: InventoryWarning[];
}

/**
 * Writes a wave's reports from the communities' saved parts alone (DESIGN.md §6): purchase
 * list, routes, inventory warnings, statistics and the dashboard's aggregates. Everything is a
 * function of the parts and the catalogue, with no timestamp, so a rerun or a resumed run
 * overwrites the items with the same content. Pick lists were written by each community's close.
 * Steps: parts with orders → their communities and products → remaining wave stock → merge →
 * one batched write.
 */
export async function writeWaveReports(deps: Deps, date: string, communities: readonly Community[]): Promise<{ orders: number; communities: number }> {
  const parts = (await queryAll(deps.store, { ...cutoffKeys.parts(date), consistent: true }))
    .map((it) => body<CommunityPart>(it))
    .filter((p) => p.orders > 0)
    .sort((a, b) => compareIds(a.communityId, b.communityId));

  const known = new Map(communities.map((c) => [c.id, c]));
  const missing = parts.filter((p) => !known.has(p.communityId)).map((p) => keys.community(p.communityId));
  for (const it of missing.length ? await deps.store.getMany(missing) : []) known.set(String(it.id), body<Community>(it));
  const reportCommunities = parts.map((p) => {
    const c = known.get(p.communityId);
    if (!c) throw new Error(`community ${p.communityId} of wave ${date} no longer exists`);
    return { id: c.id, name: c.name, region: c.region, routeId: c.routeId, location: c.location, ...(c.leaderId ? { leaderId: c.leaderId, leaderName: c.leaderName } : {}) };
  });

  const productIds = [...new Set(parts.flatMap((p) => Object.keys(p.products)))].sort(compareIds);
  const catalogue = await getProducts(deps, productIds);
  const suppliers = await getSuppliers(deps, [...catalogue.values()].flatMap((p) => p.suppliers ?? [p.supplierId])); // supply
  const products: ReportProduct[] = productIds
    .filter((id) => catalogue.has(id))
    .map((id) => {
      const p = catalogue.get(id)!;
      return {
        id,
        title: p.title,
        supplierId: p.supplierId,
        ...(p.costFen !== undefined ? { costFen: p.costFen } : {}),
        ...(p.stockPerWave !== undefined ? { stockPerWave: p.stockPerWave } : {}),
        ...(p.supplierCapacity !== undefined ? { supplierCapacity: p.supplierCapacity } : {}),
        ...supplySlots(p, suppliers, deps.settings),
      };
    });
  const remaining = await remainingStock(deps, date, products);

  const purchase = mergePurchaseList(products, parts);
  const lowStockThreshold = deps.settings.lowStockThreshold;
  const warnings = inventoryWarnings(products, parts, remaining, { lowStockThreshold });
  const stats = waveStats(date, reportCommunities, parts, products);
  const routes = planRoutes(deps.warehouse, reportCommunities);
  const dashboard = dashboardDay(stats, parts, reportCommunities);

  await deps.store.putMany([
    { ...cutoffKeys.purchase(date), kind: 'purchaseList', date, ...purchase },
    { ...cutoffKeys.routes(date), kind: 'routes', date, warehouse: deps.warehouse, routes },
    { ...cutoffKeys.warnings(date), kind: 'inventoryWarnings', date, lowStockThreshold, warnings },
    { ...cutoffKeys.stats(date), kind: 'waveStats', ...stats },
    { ...cutoffKeys.dashboardTotal(date), kind: 'dashboard', date, total: dashboard.total },
    ...DIMENSIONS.map((d) => ({ ...cutoffKeys.dashboardGroups(d, date), kind: 'dashboard', date, groups: dashboard.groups[d] })),
  ]);
  await writePurchaseOrders(deps, date, purchase, suppliers); // one per supplier and wave, exactly once
  return { orders: stats.orders, communities: parts.length };
}

/** What is left of each product's limited wave stock (stockPerWave − sold); absent = unlimited. */
async function remainingStock(deps: Deps, date: string, products: readonly ReportProduct[]): Promise<Record<string, number>> {
  const limited = products.filter((p) => p.stockPerWave !== undefined);
  const counters = limited.length ? await deps.store.getMany(limited.map((p) => keys.waveStock(p.id, date))) : [];
  const sold = new Map(counters.map((c) => [c.pk, Number(c.sold ?? 0)]));
  return Object.fromEntries(limited.map((p) => [p.id, p.stockPerWave! - (sold.get(keys.waveStock(p.id, date).pk) ?? 0)]));
}

// ---- readers ------------------------------------------------------------------------------

/** The purchase list with the wave's shortages applied (`shortQty`, `deliverQty` per product; cutoff/shortages.ts). */
export async function readPurchaseList(deps: Deps, date: string): Promise<(PurchaseList & { date: string }) | undefined> {
  const it = await deps.store.get(cutoffKeys.purchase(date));
  if (!it) return undefined;
  const short: Record<string, number> = {};
  for (const s of await queryAll(deps.store, { ...cutoffKeys.shortages(date), consistent: true })) short[String(s.productId)] = (short[String(s.productId)] ?? 0) + Number(s.shortQty ?? 0);
  const list = body<PurchaseList & { date: string }>(it);
  return { ...withShortages(list, short), date: list.date };
}

export async function readRoutes(deps: Deps, date: string): Promise<RoutesReport | undefined> {
  const it = await deps.store.get(cutoffKeys.routes(date));
  return it ? body(it) : undefined;
}

export async function readWarnings(deps: Deps, date: string): Promise<WarningsReport | undefined> {
  const it = await deps.store.get(cutoffKeys.warnings(date));
  return it ? body(it) : undefined;
}

export async function readStats(deps: Deps, date: string): Promise<WaveStats | undefined> {
  const it = await deps.store.get(cutoffKeys.stats(date));
  return it ? body(it) : undefined;
}

/** One community's pick list (undefined when it had no orders in the wave). */
export async function readPickList(deps: Deps, date: string, communityId: string): Promise<PickList | undefined> {
  const first = await deps.store.get(cutoffKeys.pick(date, communityId, 0));
  if (!first) return undefined;
  const head = body<PickChunk>(first);
  const rest = head.chunks > 1 ? await queryAll(deps.store, cutoffKeys.pickChunks(date, communityId)) : [];
  return withoutPickupCodes(joinPickChunks([head, ...rest.map((it) => body<PickChunk>(it))]));
}

/** Labels as a pick list shows them: short number, masked name, phone tail and lines; a pickup code stored by an older cutoff is dropped. */
function withoutPickupCodes(list: PickList | undefined): PickList | undefined {
  if (!list) return undefined;
  return { ...list, labels: list.labels.map(({ shortNo, contactName, phoneTail, lines }) => ({ shortNo, contactName, phoneTail, lines })) };
}

/** Every pick list of the wave, read community by community in the given order. */
export async function readPickLists(deps: Deps, date: string, communityIds: readonly string[]): Promise<PickList[]> {
  const out: PickList[] = [];
  for (const id of communityIds) {
    const list = await readPickList(deps, date, id);
    if (list) out.push(list);
  }
  return out;
}

/** The communities of a wave in delivery order (route by route, stop by stop). */
export const routeOrder = (routes: RoutesReport): { communityId: string; routeId: string; seq: number }[] =>
  routes.routes.flatMap((r) => r.stops.map((s) => ({ communityId: s.communityId, routeId: r.routeId, seq: s.seq })));

export type { ReportCommunity };
