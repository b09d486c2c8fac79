import type { Condition, Key, WriteOp } from '#ports/item-store';
import type { Deps } from './deps.ts';
import { keys } from './keys.ts';

/**
 * Bound customers (DESIGN.md §13, issue 17 item 3, anti-poaching). A customer is bound to the
 * leader of their first paid order's community: the binding (`boundLeaderId`,
 * `boundCommunityId`, `boundAt` on the user item `U#<userId>` / `PROFILE`) is written in the
 * payment's transaction, set only when absent, so the first payment wins; the write is
 * conditioned on the binding read before it, so two first payments at once cannot bind to one
 * leader and count for another (the loser's transaction is retried and reads the winner).
 * Each payment adds to the bound leader's customer item (`L#<leaderId>` / `CUST#<userId>`):
 * order count, paid spend, last order, and only the masked name and phone tail — never the
 * full phone. Erasure deletes the customer item (`forgetBoundCustomer`). Not yet built: moving
 * a binding after orders elsewhere, and by staff.
 */
export const customerKey = (leaderId: string, userId: string): Key => ({ pk: `L#${leaderId}`, sk: `CUST#${userId}` });
export const customersOf = (leaderId: string) => ({ pk: `L#${leaderId}`, prefix: 'CUST#' });

export interface BindingRead {
  /** The leader the customer is (or will be, by this payment) bound to; undefined when neither. */
  leaderId?: string;
  communityId?: string;
  /** The user item's binding as read (undefined when unbound), for the write's condition. */
  readLeaderId?: string;
}

/** What the payment binds to: the existing binding, else the order's community's leader. */
export async function bindingFor(deps: Deps, userId: string, communityId: string): Promise<BindingRead> {
  const user = await deps.store.get(keys.user(userId), { consistent: true });
  if (typeof user?.boundLeaderId === 'string') return { leaderId: user.boundLeaderId, communityId: String(user.boundCommunityId ?? ''), readLeaderId: user.boundLeaderId };
  const community = await deps.store.get(keys.community(communityId));
  return typeof community?.leaderId === 'string' ? { leaderId: community.leaderId, communityId } : {};
}

/** The user item's binding fields (set only when absent) and the condition that it is still as read. */
export function bindingUpdate(binding: BindingRead, at: string): { setIfAbsent: Record<string, string>; when: Condition[] } {
  const when: Condition[] = [binding.readLeaderId === undefined ? { op: 'attrNotExists', path: 'boundLeaderId' } : { op: 'eq', path: 'boundLeaderId', value: binding.readLeaderId }];
  if (!binding.leaderId) return { setIfAbsent: {}, when };
  return { setIfAbsent: { boundLeaderId: binding.leaderId, boundCommunityId: binding.communityId ?? '', boundAt: at }, when };
}

/** The bound leader's customer item, counted for one paid order. */
export function customerCountOps(binding: BindingRead, order: { userId: string; contactMasked?: string; phoneTail?: string; amounts: { payableFen: number } }, paidAt: string): WriteOp[] {
  if (!binding.leaderId) return [];
  return [
    {
      type: 'update',
      key: customerKey(binding.leaderId, order.userId),
      update: {
        inc: { orders: 1, spendFen: order.amounts.payableFen },
        set: { lastOrderAt: paidAt, name: order.contactMasked ?? '', phoneTail: order.phoneTail ?? '' },
        setIfAbsent: { customerId: order.userId, leaderId: binding.leaderId, boundAt: paidAt },
      },
    },
  ];
}

/** A leader's bound customers, a page at a time (by customer id): masked, never the full phone. */
export async function leaderCustomers(deps: Deps, leaderId: string, options: { cursor?: string; limit: number }) {
  const page = await deps.store.query({ ...customersOf(leaderId), cursor: options.cursor, limit: options.limit });
  return {
    items: page.items.map((i) => ({
      customerId: String(i.customerId),
      name: String(i.name ?? ''),
      phoneTail: String(i.phoneTail ?? ''),
      orders: Number(i.orders ?? 0),
      lastOrderAt: String(i.lastOrderAt ?? ''),
      spendFen: Number(i.spendFen ?? 0),
    })),
    ...(page.cursor ? { nextCursor: page.cursor } : {}),
  };
}

/** Erasure (auth.deleteAccount): the bound leader's customer item goes, before the profile that names the leader. */
export async function forgetBoundCustomer(deps: Deps, userId: string): Promise<void> {
  const user = await deps.store.get(keys.user(userId), { consistent: true });
  if (typeof user?.boundLeaderId === 'string') await deps.store.write({ type: 'delete', key: customerKey(user.boundLeaderId, userId) });
}
