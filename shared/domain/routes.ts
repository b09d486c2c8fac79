/**
 * Delivery routes written at cutoff (DESIGN.md §6): the communities of each route, visited in
 * nearest-neighbour order starting from the warehouse. Nearest neighbour is not an optimal
 * tour, but it is predictable for drivers and merchants, and good enough for a dozen stops.
 */
import { assertLatLng, compareIds, haversineM, type LatLng } from './geo.ts';

export interface RouteCommunity {
  id: string;
  name: string;
  routeId: string;
  location: LatLng;
}

export interface RouteStop {
  /** 1 for the first stop after the warehouse. */
  seq: number;
  communityId: string;
  name: string;
  /** Metres from the previous stop (from the warehouse for the first). */
  legM: number;
}

export interface PlannedRoute {
  routeId: string;
  stops: RouteStop[];
  /** Sum of the legs, warehouse to last stop (the way back is not counted). */
  totalM: number;
}

/**
 * Groups communities by route and orders each route's stops by nearest neighbour from the
 * warehouse; a tie (same whole metres) goes to the smaller community id, so the plan depends
 * only on the data, not on input order. Routes come out sorted by routeId.
 */
export function planRoutes(warehouse: LatLng, communities: readonly RouteCommunity[]): PlannedRoute[] {
  assertLatLng(warehouse, 'warehouse');
  const byRoute = new Map<string, RouteCommunity[]>();
  const seen = new Set<string>();
  for (const c of communities) {
    if (seen.has(c.id)) throw new RangeError(`community ${c.id} is listed twice`);
    seen.add(c.id);
    assertLatLng(c.location, `location of community ${c.id}`);
    const group = byRoute.get(c.routeId);
    if (group) group.push(c);
    else byRoute.set(c.routeId, [c]);
  }
  return [...byRoute.entries()]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([routeId, group]) => planRoute(routeId, warehouse, group));
}

/** Nearest-neighbour tour over one route's communities (O(n²), n = stops on the route). */
function planRoute(routeId: string, warehouse: LatLng, group: RouteCommunity[]): PlannedRoute {
  const left = [...group];
  const stops: RouteStop[] = [];
  let here = warehouse;
  let totalM = 0;
  while (left.length > 0) {
    let best = 0;
    let bestM = haversineM(here, left[0]!.location);
    for (let i = 1; i < left.length; i++) {
      const m = haversineM(here, left[i]!.location);
      if (m < bestM || (m === bestM && compareIds(left[i]!.id, left[best]!.id) < 0)) {
        best = i;
        bestM = m;
      }
    }
    const [next] = left.splice(best, 1);
    stops.push({ seq: stops.length + 1, communityId: next!.id, name: next!.name, legM: bestM });
    totalM += bestM;
    here = next!.location;
  }
  return { routeId, stops, totalM };
}
