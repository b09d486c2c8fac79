import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { toBizIso } from '#domain/time';
import { DEFAULT_SERVICE_RADIUS_M, type ServiceArea } from '#domain/service-area';
import type { Deps } from '../deps.ts';
import { catalogKeys } from './keys.ts';
import { personName } from './schemas.ts';

/** The districts the merchant serves (administrative code optional) and the customer radius. */
export const ServiceAreaInput = z.object({
  districts: z
    .array(z.object({ code: z.optional(z.string().check(z.regex(/^\d{6}$/, 'expected a 6-digit administrative code'))), name: personName(40) }))
    .check(z.maxLength(200)),
  radiusM: z._default(z.int().check(z.minimum(100), z.maximum(100_000)), DEFAULT_SERVICE_RADIUS_M),
});

/** The stored service area; none stored serves everything within the default radius. */
export async function loadServiceArea(deps: Deps): Promise<ServiceArea & { updatedAt?: string }> {
  const it = await deps.store.get(catalogKeys.serviceArea(), { consistent: true });
  if (!it) return { districts: [], radiusM: DEFAULT_SERVICE_RADIUS_M };
  return { districts: it.districts as ServiceArea['districts'], radiusM: Number(it.radiusM), ...(it.updatedAt ? { updatedAt: String(it.updatedAt) } : {}) };
}

/** `GET /admin/service-area`. */
export const serviceAreaCommand = defineCommand({
  name: 'admin.serviceArea',
  roles: ['owner', 'operations'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/service-area' },
  run: ({ deps }) => loadServiceArea(deps),
});

/** `PUT /admin/service-area`: replaces the whole area (one item); an empty list serves everything. */
export const updateServiceAreaCommand = defineCommand({
  name: 'admin.updateServiceArea',
  roles: ['owner', 'operations'],
  input: ServiceAreaInput,
  http: { method: 'PUT', path: '/admin/service-area' },
  async run({ deps }, input) {
    const area = { districts: input.districts, radiusM: input.radiusM, updatedAt: toBizIso(deps.clock.now()) };
    await deps.store.write({ type: 'put', item: { ...catalogKeys.serviceArea(), ...area } });
    return area;
  },
});

export const serviceAreaCommands = [serviceAreaCommand, updateServiceAreaCommand];
