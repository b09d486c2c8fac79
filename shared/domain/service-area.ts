import { haversineM, type LatLng } from './geo.ts';

/**
 * The merchant's service area (DESIGN.md §13, seed 一.1 区域). The merchant serves a list of
 * districts; a community is served when its `region` names one of them (by name or code), and
 * an empty list serves everything. A customer is served when a served community lies within
 * `radiusM` of them; otherwise the answer is NOT_SERVED with the nearest served point's distance.
 */
export interface ServiceArea {
  districts: readonly { code?: string; name: string }[];
  radiusM: number;
}

export const DEFAULT_SERVICE_RADIUS_M = 5000;

/** Whether a community in `region` is inside the service area. */
export function servesRegion(area: ServiceArea, region: string): boolean {
  return area.districts.length === 0 || area.districts.some((d) => d.name === region || (d.code !== undefined && d.code === region));
}

/** The distance (whole metres) from `origin` to the nearest of `points`, undefined when there is none. */
export function nearestM(origin: LatLng, points: readonly { location: LatLng }[]): number | undefined {
  let best: number | undefined;
  for (const p of points) {
    const d = haversineM(origin, p.location);
    if (best === undefined || d < best) best = d;
  }
  return best;
}

/** Whether a customer at `origin` is served: some served point lies within the radius (inclusive). */
export function servesCustomer(area: ServiceArea, origin: LatLng, servedPoints: readonly { location: LatLng }[]): boolean {
  const d = nearestM(origin, servedPoints);
  return d !== undefined && d <= area.radiusM;
}
