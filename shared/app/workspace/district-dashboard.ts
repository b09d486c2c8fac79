import type { ServiceArea } from '#domain/service-area';
import type { DashboardBucket } from '../cutoff/dashboard.ts';
import { loadServiceArea } from '../catalog/service-area.ts';
import type { Deps } from '../deps.ts';

/**
 * The dashboard by district (issue 17 item 7, `GET /admin/dashboard?groupBy=district`): the
 * per-region aggregates the cutoff writes (a community's `region`), folded into the merchant's
 * served districts (key: the district's code, else its name). Regions outside every served
 * district are one group `UNSERVED` (服务区外); with no districts configured every region is its
 * own district.
 */
export const DISTRICT = 'district' as const;
export const UNSERVED = 'UNSERVED';

export function foldIntoDistricts(area: Pick<ServiceArea, 'districts'>, regionDays: readonly Record<string, DashboardBucket>[]): Record<string, DashboardBucket>[] {
  return regionDays.map((day) => {
    const out: Record<string, DashboardBucket> = {};
    for (const [region, b] of Object.entries(day)) {
      const d = area.districts.length === 0 ? { name: region } : area.districts.find((x) => x.name === region || (x.code !== undefined && x.code === region));
      const key = d ? (d.code ?? d.name) : UNSERVED;
      const into = out[key] ?? { name: d ? d.name : '服务区外', orders: 0, units: 0, gmvFen: 0, customers: 0, newCustomers: 0 };
      into.orders += b.orders;
      into.units += b.units;
      into.gmvFen += b.gmvFen;
      into.customers += b.customers;
      into.newCustomers += b.newCustomers;
      out[key] = into;
    }
    return out;
  });
}

export async function districtDays(deps: Deps, regionDays: readonly Record<string, DashboardBucket>[]) {
  return foldIntoDistricts(await loadServiceArea(deps), regionDays);
}
