import { pickListForArrival } from '#domain/deliveries';
import { planRoutes } from '#domain/routes';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { readPickList, routeOrder, type RoutesReport } from '../cutoff/reports.ts';

/**
 * A wave's delivery routes for one arrival date (次日达 / 隔日达): only the communities with
 * goods arriving that day, planned again from the warehouse (legs and order change with the stops).
 */
export async function routesForArrival(deps: Deps, routes: RoutesReport, arrivalDate: string): Promise<RoutesReport> {
  const kept: string[] = [];
  for (const stop of routeOrder(routes)) {
    const list = await readPickList(deps, routes.date, stop.communityId);
    if (list && pickListForArrival(list, routes.date, arrivalDate).labels.length) kept.push(stop.communityId);
  }
  const communities = kept.length ? await deps.store.getMany(kept.map((id) => keys.community(id))) : [];
  const planned = planRoutes(
    routes.warehouse,
    communities.map((c) => ({ id: String(c.id), name: String(c.name), routeId: String(c.routeId), location: c.location as { lat: number; lng: number } })),
  );
  return { ...routes, routes: planned };
}
