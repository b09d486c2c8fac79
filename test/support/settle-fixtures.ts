/**
 * Builders of leaders and ledger entries for the settle tests and the benchmark: the items as
 * onboarding and pickups (verify) would leave them, without running those use cases.
 */
import { lineCommissionFen } from '#domain/commission';
import type { Item } from '#ports/item-store';
import type { Deps } from '#app/deps';
import { keys, typeIndex } from '#app/keys';
import { ledgerEntryOps, type LedgerEntry } from '#app/ledger';
import type { Order } from '#app/orders/model';

export interface LeaderFixture {
  id: string;
  createdAt: string;
  openid?: string;
  name?: string;
  communityId?: string;
  status?: 'active' | 'warned' | 'suspended' | 'removed';
  referredBy?: string;
}

/** The leader record (listed on GSI1 `T#leader`) and its openid's role binding. */
export function leaderItems(l: LeaderFixture): Item[] {
  const openid = l.openid ?? `openid-${l.id}`;
  const status = l.status ?? 'active';
  const communityId = l.communityId ?? `c-${l.id}`;
  return [
    {
      ...keys.leader(l.id),
      ...typeIndex('leader', l.id),
      id: l.id,
      openid,
      name: l.name ?? `团长${l.id.slice(-4)}`,
      communityId,
      status,
      createdAt: l.createdAt,
      updatedAt: l.createdAt,
      ...(l.referredBy ? { referredBy: l.referredBy } : {}),
    },
    { ...keys.leaderRole(openid), leaderId: l.id, communityId, status },
  ];
}

export interface LineFixture {
  productId: string;
  title?: string;
  qty: number;
  paidFen: number;
  rate?: number;
}

let seq = 0;
const nextId = (prefix: string) => `${prefix}${Date.now().toString(36)}${(seq++).toString(36).padStart(5, '0')}`;

/** The commission entry a pickup writes: round-half-up(paidFen × rate) per line. */
export function commissionEntry(input: { leaderId: string; orderId?: string; shortNo?: string; at: string; lines: LineFixture[]; id?: string }): LedgerEntry {
  const orderId = input.orderId ?? nextId('o');
  const lines = input.lines.map((l) => {
    const rate = l.rate ?? 0.1;
    return { productId: l.productId, title: l.title ?? l.productId, qty: l.qty, paidFen: l.paidFen, rate, commissionFen: lineCommissionFen(l.paidFen, rate) };
  });
  return {
    id: input.id ?? nextId('e'),
    leaderId: input.leaderId,
    kind: 'commission',
    orderId,
    shortNo: input.shortNo ?? orderId.slice(-6),
    communityId: `c-${input.leaderId}`,
    at: input.at,
    lines,
    amountFen: lines.reduce((a, l) => a + l.commissionFen, 0),
  };
}

/**
 * The clawback entry of a refund of (some of) a commission entry's lines, as after-sales writes
 * it: the refunded lines with their commission negated, and their sum as a negative amount.
 */
export function clawbackEntry(of: LedgerEntry, at: string, lines: LedgerEntry['lines'] = of.lines): LedgerEntry {
  const refunded = lines.map((l) => ({ ...l, commissionFen: 0 - Math.abs(l.commissionFen) }));
  return {
    id: nextId('e'),
    leaderId: of.leaderId,
    kind: 'clawback',
    orderId: of.orderId,
    shortNo: of.shortNo,
    communityId: of.communityId,
    at,
    lines: refunded,
    amountFen: refunded.reduce((a, l) => a + l.commissionFen, 0),
  };
}

/** Writes an entry as a pickup (or refund) does: entry and pending balance in one transaction. */
export async function writeEntry(deps: Deps, entry: LedgerEntry): Promise<LedgerEntry> {
  await deps.store.transact(ledgerEntryOps(deps, entry));
  return entry;
}

/** The commission entry of an order picked up at `at` (what verify writes): its lines' paid amounts and rates. */
export function pickupEntryOf(order: Pick<Order, 'id' | 'shortNo' | 'communityId' | 'lines'>, leaderId: string, at: string): LedgerEntry {
  const entry = commissionEntry({
    leaderId,
    orderId: order.id,
    shortNo: order.shortNo,
    at,
    lines: order.lines.map((l) => ({ productId: l.productId, title: l.title, qty: l.qty, paidFen: l.paidFen, rate: l.commissionRate })),
  });
  return { ...entry, communityId: order.communityId };
}

/** `orders` picked-up orders of `paidFen` each (one line of `p-x`) for a leader, spread over a day from 10:00. */
export async function pickups(w: { deps: Deps }, leaderId: string, day: string, orders: number, paidFen = 1_000, title?: string): Promise<void> {
  for (let i = 0; i < orders; i++) {
    const at = `${day}T${String(10 + (i % 12)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00+08:00`;
    await writeEntry(w.deps, commissionEntry({ leaderId, at, lines: [{ productId: 'p-x', title, qty: 1, paidFen }] }));
  }
}
