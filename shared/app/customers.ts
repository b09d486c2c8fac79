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
 * A binding also moves after `bindingMoveWaves` waves ordered with another leader (`bindingFor`).
 */
export const customerKey = (leaderId: string, userId: string): Key => ({ pk: `L#${leaderId}`, sk: `CUST#${userId}` });
export const customersOf = (leaderId: string) => ({ pk: `L#${leaderId}`, prefix: 'CUST#' });

export interface BindingRead {
  /** The leader the customer is (or will be, by this payment) bound to; undefined when neither. */
  leaderId?: string;
  communityId?: string;
  /** The user item's binding as read (undefined when unbound), for the write's condition. */
  readLeaderId?: string;
  /** The user item's count of waves ordered with another leader, as read (for the condition). */
  readAwayWaves?: number;
  /** What the user item's away counter becomes (`remove` when the customer orders at home). */
  away?: { leaderId: string; waves: number; lastWave: string } | 'remove';
  /** The binding moves by this payment: the old leader's customer item (its counters go along). */
  movedFrom?: { leaderId: string; item?: Record<string, unknown> };
}

/**
 * What the payment binds to: the existing binding, else the leader of the share card the order
 * was placed through (`viaLeaderId`, an active leader), else the order's community's leader. A bound
 * customer ordering with another leader counts the distinct waves they do so in a row (the same
 * other leader; an order at home resets it); at `bindingMoveWaves` the binding moves to that
 * leader, with the customer item's counters.
 */
export async function bindingFor(deps: Deps, userId: string, communityId: string, waveDate: string, viaLeaderId?: string): Promise<BindingRead> {
  const user = await deps.store.get(keys.user(userId), { consistent: true });
  const community = await deps.store.get(keys.community(communityId));
  const here = typeof community?.leaderId === 'string' ? community.leaderId : undefined;
  if (typeof user?.boundLeaderId !== 'string') {
    // A first binding through a leader's share card (DESIGN.md §13), while that leader leads.
    const via = viaLeaderId && viaLeaderId !== here ? await deps.store.get(keys.leader(viaLeaderId)) : undefined;
    if (via && via.status !== 'removed' && typeof via.communityId === 'string') return { leaderId: viaLeaderId, communityId: via.communityId };
    return here ? { leaderId: here, communityId } : {};
  }
  const bound = user.boundLeaderId;
  const readAwayWaves = typeof user.awayWaves === 'number' ? user.awayWaves : undefined;
  const base = { leaderId: bound, communityId: String(user.boundCommunityId ?? ''), readLeaderId: bound, readAwayWaves };
  if (!here || here === bound) return readAwayWaves === undefined ? base : { ...base, away: 'remove' };
  const sameAway = user.awayLeaderId === here;
  const waves = sameAway ? (user.awayLastWave === waveDate ? Number(readAwayWaves ?? 1) : Number(readAwayWaves ?? 0) + 1) : 1;
  if (waves < deps.settings.bindingMoveWaves) return { ...base, away: { leaderId: here, waves, lastWave: waveDate } };
  const item = await deps.store.get(customerKey(bound, userId), { consistent: true });
  return { leaderId: here, communityId, readLeaderId: bound, readAwayWaves, away: 'remove', movedFrom: { leaderId: bound, ...(item ? { item } : {}) } };
}

/** The user item's binding update and the condition that it is still as read. */
export function bindingUpdate(binding: BindingRead, at: string) {
  const when: Condition[] = [
    binding.readLeaderId === undefined ? { op: 'attrNotExists', path: 'boundLeaderId' } : { op: 'eq', path: 'boundLeaderId', value: binding.readLeaderId },
    binding.readAwayWaves === undefined ? { op: 'attrNotExists', path: 'awayWaves' } : { op: 'eq', path: 'awayWaves', value: binding.readAwayWaves },
  ];
  const setIfAbsent: Record<string, string> = {};
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  if (binding.leaderId && binding.readLeaderId === undefined) Object.assign(setIfAbsent, { boundLeaderId: binding.leaderId, boundCommunityId: binding.communityId ?? '', boundAt: at });
  if (binding.movedFrom && binding.leaderId) Object.assign(set, { boundLeaderId: binding.leaderId, boundCommunityId: binding.communityId ?? '', boundAt: at, movedFrom: binding.movedFrom.leaderId });
  if (binding.away === 'remove') remove.push('awayLeaderId', 'awayWaves', 'awayLastWave');
  else if (binding.away) Object.assign(set, { awayLeaderId: binding.away.leaderId, awayWaves: binding.away.waves, awayLastWave: binding.away.lastWave });
  return { setIfAbsent, ...(Object.keys(set).length ? { set } : {}), ...(remove.length ? { remove } : {}), when };
}

/** The bound leader's customer item, counted for one paid order (with the old leader's counters when the binding moves). */
export function customerCountOps(binding: BindingRead, order: { userId: string; contactMasked?: string; phoneTail?: string; amounts: { payableFen: number; balanceFen?: number } }, paidAt: string): WriteOp[] {
  if (!binding.leaderId) return [];
  const old = binding.movedFrom?.item;
  const ops: WriteOp[] = [
    {
      type: 'update',
      key: customerKey(binding.leaderId, order.userId),
      update: {
        inc: { orders: 1 + Number(old?.orders ?? 0), spendFen: order.amounts.payableFen + (order.amounts.balanceFen ?? 0) + Number(old?.spendFen ?? 0) },
        set: { lastOrderAt: paidAt, name: order.contactMasked ?? '', phoneTail: order.phoneTail ?? '' },
        setIfAbsent: { customerId: order.userId, leaderId: binding.leaderId, boundAt: paidAt },
      },
    },
  ];
  if (binding.movedFrom && old) ops.push({ type: 'delete', key: customerKey(binding.movedFrom.leaderId, order.userId), when: [{ op: 'eq', path: 'orders', value: old.orders as number }] });
  return ops;
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
        update: { set: { boundLeaderId: input.leaderId, boundCommunityId: binding.communityId, boundAt: at, boundBy: input.by }, remove: ['awayLeaderId', 'awayWaves', 'awayLastWave'] },
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
