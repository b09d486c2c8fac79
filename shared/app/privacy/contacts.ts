import type { WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import type { Order } from '../orders/model.ts';
import { orderKey } from '../orders/model.ts';
import { sealedRecord } from '../contacts/sealed.ts';
import { adminOrderKeys } from '../admin-orders/keys.ts';
import { phoneIndexOf } from '../admin-orders/phone-index.ts';

/** The order's contact opened, or undefined when it is gone or does not open. */
export function openContact(deps: Deps, order: Pick<Order, 'id' | 'contactSealed'>): { name?: string; phone?: string; address?: string } | undefined {
  if (!order.contactSealed) return undefined;
  try {
    return JSON.parse(deps.contacts.decrypt(order.contactSealed, sealedRecord.orderContact(order.id))) as { name?: string; phone?: string };
  } catch {
    return undefined;
  }
}

/**
 * The writes that destroy an order's contact: the sealed blob removed from the order and the
 * phone's blind-index item (staff search by phone, admin-orders) deleted. `masked: false` also
 * removes the masked name and phone tail (erasure); retention keeps them for the reports.
 */
export function destroyContactOps(deps: Deps, order: Order, options: { masked: boolean; set?: Record<string, unknown>; when?: import('#ports/item-store').Condition[] }): WriteOp[] {
  const contact = openContact(deps, order);
  const remove = ['contactSealed', ...(options.masked ? [] : ['contactMasked', 'phoneTail'])];
  const ops: WriteOp[] = [{ type: 'update', key: orderKey(order), update: { remove, ...(options.set ? { set: options.set } : {}) }, ...(options.when ? { when: options.when } : {}) }];
  if (contact?.phone) ops.push({ type: 'delete', key: adminOrderKeys.phoneOrder(phoneIndexOf(deps, contact.phone), order.createdAt, order.id) });
  return ops;
}
