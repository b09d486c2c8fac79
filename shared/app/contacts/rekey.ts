import { ConditionFailed, queryAll, type Item, type ItemStore, type Key } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { allOfType, keys } from '../keys.ts';
import { sealedRecord } from './sealed.ts';
import { deliveryKeys } from '../delivery/keys.ts';

/** What a rekey pass did with one kind of sealed field. Counts only: never a value. */
export interface RekeyCounts {
  /** Sealed values found. */
  seen: number;
  /** Re-sealed under the current key and format. */
  rewritten: number;
  /** Already current: left as they are (a second pass rewrites nothing). */
  current: number;
  /** Did not open (unknown key, tampered, or bound to another record): left as they are. */
  unreadable: number;
  /** Changed by someone else between read and write: left for the next pass. */
  raced: number;
}

export interface RekeyReport {
  orderContacts: RekeyCounts;
  leaderPhones: RekeyCounts;
  supplierContacts: RekeyCounts;
  /** Address-book entries (shared/app/delivery/addresses.ts). */
  addresses: RekeyCounts;
}

const zero = (): RekeyCounts => ({ seen: 0, rewritten: 0, current: 0, unreadable: 0, raced: 0 });

/**
 * Re-seals every sealed contact value under the current key in the current format (record-bound,
 * `v2`), so a retired key can be removed from configuration afterwards. Walks the fields listed
 * in sealed.ts through the store port (orders per community partition, leaders by type), so it
 * runs on either cloud. Each rewrite is conditioned on the value read, so a concurrent change
 * is never overwritten; a repeated pass finds everything current and writes nothing.
 */
export async function rekeyContacts(deps: Pick<Deps, 'store' | 'contacts'>, options: { dryRun?: boolean } = {}): Promise<RekeyReport> {
  const report: RekeyReport = { orderContacts: zero(), leaderPhones: zero(), supplierContacts: zero(), addresses: zero() };
  const reseal = (item: Item, field: string, recordId: string, counts: RekeyCounts) =>
    resealOne(deps, { pk: item.pk, sk: item.sk }, field, item[field], recordId, counts, options.dryRun ?? false);

  const communities = await queryAll(deps.store, allOfType('community'));
  for (const community of communities) {
    const id = String(community.id ?? community.gsi1sk);
    await forEachPage(deps.store, keys.ordersOfCommunity(id), async (order) => {
      if (typeof order.contactSealed === 'string' && order.id) await reseal(order, 'contactSealed', sealedRecord.orderContact(String(order.id)), report.orderContacts);
    });
  }
  const leaders = await queryAll(deps.store, allOfType('leader'));
  for (const leader of leaders) {
    if (typeof leader.phoneSealed === 'string' && leader.id) await reseal(leader, 'phoneSealed', sealedRecord.leaderPhone(String(leader.id)), report.leaderPhones);
  }
  for (const supplier of await queryAll(deps.store, allOfType('supplier'))) {
    if (typeof supplier.contactSealed === 'string' && supplier.id) await reseal(supplier, 'contactSealed', sealedRecord.supplierContact(String(supplier.id)), report.supplierContacts);
  }
  for (const address of await queryAll(deps.store, deliveryKeys.allAddresses())) {
    if (typeof address.sealed === 'string' && address.userId && address.id) await reseal(address, 'sealed', sealedRecord.address(String(address.userId), String(address.id)), report.addresses);
  }
  return report;
}

async function forEachPage(store: ItemStore, query: { pk: string; prefix: string }, each: (item: Item) => Promise<void>): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...query, limit: 200, cursor });
    for (const item of page.items) await each(item);
    cursor = page.cursor;
  } while (cursor);
}

async function resealOne(deps: Pick<Deps, 'store' | 'contacts'>, key: Key, field: string, sealed: unknown, recordId: string, counts: RekeyCounts, dryRun: boolean): Promise<void> {
  if (typeof sealed !== 'string') return;
  counts.seen++;
  if (deps.contacts.isCurrent(sealed)) {
    counts.current++;
    return;
  }
  let plain: string;
  try {
    plain = deps.contacts.decrypt(sealed, recordId);
  } catch {
    counts.unreadable++;
    return;
  }
  if (dryRun) {
    counts.rewritten++;
    return;
  }
  try {
    await deps.store.write({
      type: 'update',
      key,
      update: { set: { [field]: deps.contacts.encrypt(plain, recordId) } },
      when: [{ op: 'eq', path: field, value: sealed }],
    });
    counts.rewritten++;
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    counts.raced++;
  }
}
