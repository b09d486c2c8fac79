import type { WriteOp } from '#ports/item-store';
import type { Deps } from './deps.ts';
import { keys } from './keys.ts';

/**
 * The leader's ledger (DESIGN.md §7): immutable entries (L#<leaderId> / E#<ts>#<id>) and one
 * balance item (L#<leaderId> / BAL). Pickups accrue `pendingFen`; settlement moves a period's
 * net to `availableFen`; a withdrawal reserves from `availableFen` (never below zero).
 */
export type EntryKind = 'commission' | 'clawback';

export interface LedgerEntry {
  id: string;
  leaderId: string;
  kind: EntryKind;
  orderId: string;
  shortNo: string;
  communityId: string;
  /** When it happened (pickup, or refund for a clawback), ISO +08:00: it decides the period. */
  at: string;
  /** Commission lines: paid, rate and commission per line. */
  lines: { productId: string; title: string; qty: number; paidFen: number; rate: number; commissionFen: number }[];
  /** Signed: positive for commission, negative for a clawback. */
  amountFen: number;
}

export interface Balance {
  pendingFen: number;
  availableFen: number;
  withdrawnFen: number;
  /** Reserved by withdrawals awaiting decision or transfer. */
  reservedFen: number;
}

/** The entry put plus the balance change of an accrual or clawback, for the caller's transaction. */
export function ledgerEntryOps(deps: Deps, entry: LedgerEntry): WriteOp[] {
  return [
    {
      type: 'put',
      item: { ...keys.leaderEntry(entry.leaderId, entry.at, entry.id), ...entry },
      when: [{ op: 'notExists' }],
    },
    {
      type: 'update',
      key: keys.leaderBalance(entry.leaderId),
      update: { inc: { pendingFen: entry.amountFen }, setIfAbsent: { availableFen: 0, withdrawnFen: 0, reservedFen: 0, leaderId: entry.leaderId } },
    },
  ];
}

export async function getBalance(deps: Deps, leaderId: string): Promise<Balance> {
  const b = await deps.store.get(keys.leaderBalance(leaderId));
  return {
    pendingFen: Number(b?.pendingFen ?? 0),
    availableFen: Number(b?.availableFen ?? 0),
    withdrawnFen: Number(b?.withdrawnFen ?? 0),
    reservedFen: Number(b?.reservedFen ?? 0),
  };
}
