import type { Condition, Item, WriteOp } from '#ports/item-store';
import { afterStatement } from '#domain/leader-debt';
import type { Deps } from './deps.ts';
import { keys } from './keys.ts';

/**
 * The leader's ledger (DESIGN.md §7): immutable entries (L#<leaderId> / E#<ts>#<id>) and one
 * balance item (L#<leaderId> / BAL). Pickups accrue `pendingFen` (clawbacks take from it, so
 * it is negative while only refunds await settlement); settlement moves a period's net to
 * `availableFen`; a withdrawal reserves from `availableFen` (never below zero). A negative
 * statement (refunds after settlement) never takes `availableFen` below zero: what it cannot
 * take becomes `debtFen`, repaid first from the next credits (`afterStatement`).
 */
/** `adjustment`: a manual entry posted by finance (settle/adjust.ts), with its `reason`. */
export type EntryKind = 'commission' | 'clawback' | 'adjustment';

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
  /** A manual adjustment's reason, shown on the statement. */
  reason?: string;
}

export interface Balance {
  pendingFen: number;
  availableFen: number;
  withdrawnFen: number;
  /** Reserved by withdrawals awaiting decision or transfer. */
  reservedFen: number;
  /** Clawed-back commission the available balance could not cover; repaid before anything becomes available. */
  debtFen: number;
}

/** What a balance item holds now: available and debt, as read (settlement conditions its write on them). */
export interface Held {
  availableFen: number;
  debtFen: number;
  /** The stored values as read (undefined when absent), for the write's conditions. */
  read: { availableFen?: number; debtFen?: number };
}

export function heldOf(balance: Item | undefined): Held {
  const num = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
  const read = { availableFen: num(balance?.availableFen), debtFen: num(balance?.debtFen) };
  return { availableFen: read.availableFen ?? 0, debtFen: read.debtFen ?? 0, read };
}

/** The debt rule (pure): shared/domain/leader-debt.ts. */
export { afterStatement };

/** Conditions that the balance still holds what was read (`heldOf`). */
export function stillHeld(held: Held): Condition[] {
  return (['availableFen', 'debtFen'] as const).map((path) => {
    const v = held.read[path];
    return v === undefined ? { op: 'attrNotExists', path } : { op: 'eq', path, value: v };
  });
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
    debtFen: Number(b?.debtFen ?? 0),
  };
}
