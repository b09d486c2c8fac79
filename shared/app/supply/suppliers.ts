import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { maskName } from '#domain/masking';
import { toBizIso } from '#domain/time';
import { queryAll, type Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { allOfType, keys, typeIndex } from '../keys.ts';
import { sealedRecord } from '../contacts/sealed.ts';
import { personName, staffUnits, type ProductInput } from '../catalog/schemas.ts';

/**
 * Suppliers (货源, DESIGN.md §14): wholesale market, origin, brand distributor or central
 * warehouse, with a sealed contact, a lead time and a capacity per product per wave. Products
 * list them primary first (`suppliers`); the purchase list splits by their capacity.
 */
export const SUPPLIER_CHANNELS = ['WHOLESALE', 'ORIGIN', 'BRAND', 'CENTRAL_WAREHOUSE'] as const;

export const SupplierInput = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(40)),
  channel: z.enum(SUPPLIER_CHANNELS),
  contact: z.object({
    name: personName(20),
    phone: z.string().check(z.regex(/^\+?[0-9-]{5,20}$/, 'expected a phone number')),
  }),
  leadDays: z.int().check(z.minimum(0), z.maximum(30)),
  /** Units per product per wave (absent product: unlimited). */
  capacity: z.optional(z.record(id(), staffUnits())),
  status: z._default(z.enum(['active', 'inactive']), 'active'),
});
export type SupplierInput = z.infer<typeof SupplierInput>;

export interface Supplier {
  id: string;
  name: string;
  channel: (typeof SUPPLIER_CHANNELS)[number];
  contactSealed: string;
  contactName: string;
  phoneTail: string;
  leadDays: number;
  capacity?: Record<string, number>;
  status: 'active' | 'inactive';
  updatedAt: string;
}

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);
const fromItem = (it: Item): Supplier => Object.fromEntries(Object.entries(it).filter(([k]) => !META.has(k))) as unknown as Supplier;

/** A supplier as staff see it: the contact masked (name, phone tail), never sealed text. */
export const supplierView = ({ contactSealed, ...rest }: Supplier) => rest;

export async function getSuppliers(deps: Deps, ids: readonly string[]): Promise<Map<string, Supplier>> {
  const unique = [...new Set(ids)];
  const items = unique.length ? await deps.store.getMany(unique.map((s) => keys.supplier(s))) : [];
  return new Map(items.map((it) => [String(it.id), fromItem(it)]));
}

async function saveSupplier(deps: Deps, supplierId: string, input: SupplierInput) {
  const supplier: Supplier = {
    id: supplierId,
    name: input.name,
    channel: input.channel,
    contactSealed: deps.contacts.encrypt(JSON.stringify(input.contact), sealedRecord.supplierContact(supplierId)),
    contactName: maskName(input.contact.name),
    phoneTail: input.contact.phone.slice(-4),
    leadDays: input.leadDays,
    ...(input.capacity ? { capacity: input.capacity } : {}),
    status: input.status,
    updatedAt: toBizIso(deps.clock.now()),
  };
  await deps.store.write({ type: 'put', item: { ...keys.supplier(supplierId), ...typeIndex('supplier', supplierId), ...supplier } });
  return supplierView(supplier);
}

export const listSuppliersCommand = defineCommand({
  name: 'admin.suppliers',
  roles: ['owner', 'operations', 'warehouse'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/suppliers' },
  async run({ deps }) {
    const all = await queryAll(deps.store, allOfType('supplier'));
    return all.map((it) => supplierView(fromItem(it))).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  },
});

export const createSupplierCommand = defineCommand({
  name: 'admin.createSupplier',
  roles: ['owner', 'operations'],
  input: z.extend(SupplierInput, { id: z.optional(id()) }),
  http: { method: 'POST', path: '/admin/suppliers' },
  async run({ deps }, { id: given, ...input }) {
    const supplierId = given ?? deps.ids.newId();
    if (given && (await deps.store.get(keys.supplier(given)))) throw new AppError('INVALID_STATE', `supplier ${given} exists; update it instead`, { supplierId: given });
    return saveSupplier(deps, supplierId, input);
  },
});

export const updateSupplierCommand = defineCommand({
  name: 'admin.updateSupplier',
  roles: ['owner', 'operations'],
  input: z.extend(SupplierInput, { id: id() }),
  http: { method: 'PUT', path: '/admin/suppliers/{id}' },
  async run({ deps }, { id: supplierId, ...input }) {
    if (!(await deps.store.get(keys.supplier(supplierId)))) throw new AppError('NOT_FOUND', `supplier ${supplierId} not found`);
    return saveSupplier(deps, supplierId, input);
  },
});

export const NO_BACKUP_SUPPLIER = 'NO_BACKUP_SUPPLIER';

/**
 * A product's supply fields as saved: `suppliers` primary first (the old `supplierId` alone is
 * the primary), `supplierId` = the primary, and the back office's warnings. A fresh product with
 * fewer than two suppliers warns `NO_BACKUP_SUPPLIER`; with the setting `requireFreshBackups`
 * it cannot be active (INVALID_STATE).
 */
export function productSupplyFields(deps: Deps, input: ProductInput): { supplierId: string; suppliers: string[]; arrivalDays: 1 | 2; warnings: string[] } {
  const suppliers = input.suppliers ?? (input.supplierId ? [input.supplierId] : []);
  if (!suppliers.length)
    throw new AppError('VALIDATION_FAILED', 'a product needs a supplier', { issues: [{ path: 'suppliers', message: 'give suppliers (or supplierId)' }] });
  if (input.suppliers && input.supplierId && input.supplierId !== input.suppliers[0])
    throw new AppError('VALIDATION_FAILED', 'supplierId is the primary supplier', { issues: [{ path: 'supplierId', message: 'must be the first of suppliers' }] });
  const warnings = productWarnings({ fresh: input.fresh, suppliers });
  if (warnings.includes(NO_BACKUP_SUPPLIER) && deps.settings.requireFreshBackups && input.status === 'active')
    throw new AppError('INVALID_STATE', 'a fresh product needs a backup supplier to be active (setting requireFreshBackups)', { reason: NO_BACKUP_SUPPLIER });
  return { supplierId: suppliers[0]!, suppliers, arrivalDays: input.arrivalDays ?? 1, warnings };
}

/** The back office's warnings of a saved product. */
export function productWarnings(p: { fresh: boolean; suppliers?: string[]; supplierId?: string }): string[] {
  const n = p.suppliers?.length ?? (p.supplierId ? 1 : 0);
  return p.fresh && n < 2 ? [NO_BACKUP_SUPPLIER] : [];
}

export const supplierCommands = [listSuppliersCommand, createSupplierCommand, updateSupplierCommand];
