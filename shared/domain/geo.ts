/**
 * Great-circle distances for pickup-point choice and delivery routes (DESIGN.md §6). Distances
 * are whole metres so that comparisons, ties and stored reports are exact and reproducible.
 */

/** A WGS-84 / GCJ-02 coordinate in decimal degrees (both points of a pair in the same datum). */
export interface LatLng {
  lat: number;
  lng: number;
}

/** Mean Earth radius in metres (the usual haversine constant; city-scale error well under 0.5%). */
export const EARTH_RADIUS_M = 6_371_000;

const RAD = Math.PI / 180;

/** Throws a RangeError for a coordinate outside the globe: bad geo data is a data error. */
export function assertLatLng(p: LatLng, what = 'location'): LatLng {
  const ok =
    Number.isFinite(p.lat) && Number.isFinite(p.lng) && Math.abs(p.lat) <= 90 && Math.abs(p.lng) <= 180;
  if (!ok) throw new RangeError(`${what} must have lat in [-90, 90] and lng in [-180, 180]`);
  return p;
}

/** Haversine distance between two points, rounded to the nearest metre. */
export function haversineM(a: LatLng, b: LatLng): number {
  assertLatLng(a, 'first point');
  assertLatLng(b, 'second point');
  const dLat = (b.lat - a.lat) * RAD;
  const dLng = (b.lng - a.lng) * RAD;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLng / 2) ** 2;
  // min() keeps asin's argument in range when rounding pushes h a hair above 1 (antipodes).
  return Math.round(2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h))));
}

/** Orders ids by UTF-16 code units: the same everywhere, unlike locale collation. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Points sorted by distance from `origin`, nearest first, each with its `distanceM`; equal
 * distances (to the metre) are ordered by id so the chooser always shows the same list.
 */
export function nearestFirst<T extends { id: string; location: LatLng }>(
  origin: LatLng,
  points: readonly T[],
): (T & { distanceM: number })[] {
  assertLatLng(origin, 'origin');
  return points
    .map((p) => ({ ...p, distanceM: haversineM(origin, p.location) }))
    .sort((a, b) => a.distanceM - b.distanceM || compareIds(a.id, b.id));
}
