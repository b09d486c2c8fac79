import * as z from 'zod/mini';
import { coordinate, id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { maskedAddress, type AddressFields } from '#domain/delivery';
import { queryAll, TransactionCancelled, type Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { sealedRecord } from '../contacts/sealed.ts';
import { personName } from '../catalog/schemas.ts';
import { addressIndex, deliveryKeys } from './keys.ts';

/**
 * The customer's address book (DESIGN.md §13): at most MAX_ADDRESSES entries, each sealed
 * (AES-256-GCM, bound to the entry: `sealedRecord.address`) in the customer's own partition, so
 * the account's erasure deletes them with the rest of the partition. The count is a conditional
 * counter written with the entry, so racing adds never pass the limit. Views are masked; the full
 * address leaves only through the export and, copied into a delivery order's sealed contact, the
 * warehouse's delivery list.
 */
export const MAX_ADDRESSES = 10;

export const AddressInput = z.object({
  name: personName(20),
  phone: z.string().check(z.regex(/^1[3-9]\d{9}$/, 'expected an 11-digit mainland mobile number')),
  district: personName(40),
  detail: personName(120),
  location: z.optional(z.object({ lat: coordinate(90), lng: coordinate(180) })),
});

export interface StoredAddress {
  id: string;
  createdAt: string;
  fields: AddressFields;
}

const open = (deps: Deps, userId: string, item: Item): StoredAddress => ({
  id: String(item.id),
  createdAt: String(item.createdAt),
  fields: JSON.parse(deps.contacts.decrypt(String(item.sealed), sealedRecord.address(userId, String(item.id)))) as AddressFields,
});

/** The masked view of an entry. */
export const addressView = (a: StoredAddress) => ({ id: a.id, ...maskedAddress(a.fields), ...(a.fields.location ? { location: a.fields.location } : {}), createdAt: a.createdAt });

/** Every entry of the customer's book, opened (oldest first); an entry that does not open is left out. */
export async function listAddresses(deps: Deps, userId: string): Promise<StoredAddress[]> {
  const items = await queryAll(deps.store, { ...deliveryKeys.addresses(userId), consistent: true });
  const out: StoredAddress[] = [];
  for (const it of items) {
    try {
      out.push(open(deps, userId, it));
    } catch {
      // Sealed under a key no longer configured: not shown.
    }
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** One entry of the caller's book, opened; NOT_FOUND otherwise. */
export async function requireAddress(deps: Deps, userId: string, addressId: string): Promise<StoredAddress> {
  const item = await deps.store.get(deliveryKeys.address(userId, addressId), { consistent: true });
  if (!item) throw new AppError('NOT_FOUND', `address ${addressId} not found`, { addressId });
  try {
    return open(deps, userId, item);
  } catch {
    throw new AppError('NOT_FOUND', `address ${addressId} not found`, { addressId });
  }
}

/** GET /me/addresses: the caller's address book, masked. */
export const addressesCommand = defineCommand({
  name: 'order.addresses',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'GET', path: '/me/addresses' },
  async run(ctx) {
    return (await listAddresses(ctx.deps, userOf(ctx).userId)).map(addressView);
  },
});

/** POST /me/addresses: adds an entry (sealed); the 11th → LIMIT_EXCEEDED. */
export const addAddressCommand = defineCommand({
  name: 'order.addAddress',
  roles: ['customer'],
  input: AddressInput,
  http: { method: 'POST', path: '/me/addresses' },
  async run(ctx, input) {
    const { deps } = ctx;
    const { userId } = userOf(ctx);
    const addressId = deps.ids.newId();
    const createdAt = toBizIso(deps.clock.now());
    const fields: AddressFields = { name: input.name, phone: input.phone, district: input.district, detail: input.detail, ...(input.location ? { location: input.location } : {}) };
    try {
      await deps.store.transact([
        {
          type: 'update',
          key: deliveryKeys.addressCount(userId),
          update: { inc: { count: 1 } },
          when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'count' }, { op: 'lt', path: 'count', value: MAX_ADDRESSES }] }],
        },
        {
          type: 'put',
          item: { ...deliveryKeys.address(userId, addressId), ...addressIndex(userId, addressId), id: addressId, userId, createdAt, sealed: deps.contacts.encrypt(JSON.stringify(fields), sealedRecord.address(userId, addressId)) },
          when: [{ op: 'notExists' }],
        },
      ]);
    } catch (e) {
      if (e instanceof TransactionCancelled && e.failedAt() === 0)
        throw new AppError('LIMIT_EXCEEDED', `at most ${MAX_ADDRESSES} addresses`, { limit: MAX_ADDRESSES });
      throw e;
    }
    return addressView({ id: addressId, createdAt, fields });
  },
});

/** DELETE /me/addresses/{id}: removes an entry (destroyed, the count given back once). */
export const removeAddressCommand = defineCommand({
  name: 'order.removeAddress',
  roles: ['customer'],
  input: z.object({ id: id() }),
  http: { method: 'DELETE', path: '/me/addresses/{id}' },
  async run(ctx, input) {
    const { deps } = ctx;
    const { userId } = userOf(ctx);
    try {
      await deps.store.transact([
        { type: 'delete', key: deliveryKeys.address(userId, input.id), when: [{ op: 'exists' }] },
        { type: 'update', key: deliveryKeys.addressCount(userId), update: { inc: { count: -1 } }, when: [{ op: 'gte', path: 'count', value: 1 }] },
      ]);
    } catch (e) {
      if (e instanceof TransactionCancelled && e.failedAt() === 0) throw new AppError('NOT_FOUND', `address ${input.id} not found`, { addressId: input.id });
      throw e;
    }
    return { id: input.id, deleted: true };
  },
});

export const addressCommands = [addressesCommand, addAddressCommand, removeAddressCommand];
