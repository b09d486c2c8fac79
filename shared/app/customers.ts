import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { TransactionCancelled, type Condition, type Key, type WriteOp } from '#ports/item-store';
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
 * full phone. Erasure deletes the customer item (`forgetBoundCustomer`); staff move a binding (`moveBinding`).
 * Not yet built: moving a binding after orders elsewhere for `bindingMoveWaves` waves.
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

/**
 * Staff move a customer's binding to another leader (`verify.moveCustomer`): the profile's
 * binding, and the customer item with its counters from the old leader's list to the new one's,
 * in one transaction conditioned on what was read (a payment counted meanwhile means read again).
 */
export async function moveBinding(deps: Deps, input: { userId: string; leaderId: string; by: string }) {
  const leader = await deps.store.get(keys.leader(input.leaderId));
  if (!leader?.communityId) throw new AppError('NOT_FOUND', 'no such leader', { leaderId: input.leaderId });
  for (let attempt = 1; attempt <= 5; attempt++) {
    const user = await deps.store.get(keys.user(input.userId), { consistent: true });
    if (!user) throw new AppError('NOT_FOUND', 'no such customer', { customerId: input.userId });
    const from = typeof user.boundLeaderId === 'string' ? user.boundLeaderId : undefined;
    const binding = { customerId: input.userId, leaderId: input.leaderId, communityId: String(leader.communityId), movedFrom: from ?? null };
    if (from === input.leaderId) return binding;
    const old = from ? await deps.store.get(customerKey(from, input.userId), { consistent: true }) : undefined;
    const at = toBizIso(deps.clock.now());
    const counters = old
      ? { orders: Number(old.orders ?? 0), spendFen: Number(old.spendFen ?? 0), lastOrderAt: String(old.lastOrderAt ?? ''), name: String(old.name ?? ''), phoneTail: String(old.phoneTail ?? '') }
      : { orders: 0, spendFen: 0, lastOrderAt: '', name: '', phoneTail: '' };
    const ops: WriteOp[] = [
      {
        type: 'update',
        key: keys.user(input.userId),
        update: { set: { boundLeaderId: input.leaderId, boundCommunityId: binding.communityId, boundAt: at, boundBy: input.by } },
        when: [from === undefined ? { op: 'attrNotExists', path: 'boundLeaderId' } : { op: 'eq', path: 'boundLeaderId', value: from }],
      },
      { type: 'put', item: { ...customerKey(input.leaderId, input.userId), customerId: input.userId, leaderId: input.leaderId, boundAt: at, ...counters } },
    ];
    if (from && old) ops.push({ type: 'delete', key: customerKey(from, input.userId), when: [{ op: 'eq', path: 'orders', value: old.orders as number }] });
    try {
      await deps.store.transact(ops);
      return binding;
    } catch (e) {
      if (!(e instanceof TransactionCancelled)) throw e;
    }
  }
  throw new AppError('INVALID_STATE', 'the customer’s binding kept changing; retry', { customerId: input.userId });
}
