import { toMillis } from '#domain/settlement-period';
import { queryAll } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { entryFromItem } from './leaders.ts';
import { settleKeys } from './keys.ts';

export interface PendingCommission {
  orderId: string;
  shortNo: string;
  pickedUpAt: string;
  commissionFen: number;
}

/**
 * A leader's commission not yet settled (API.md `settle.pending`): every commission entry
 * stamped at or after the balance's watermark (`settledUntil`, the end of the last settled
 * period), oldest first, each net of the refunds of the same order awaiting settlement (the
 * clawbacks the next statement nets against it). A clawback of an order settled earlier and a
 * manual adjustment are not per-order commission: they show in `pendingFen` and on the statement.
 */
export async function pendingCommission(deps: Deps, leaderId: string): Promise<PendingCommission[]> {
  const balance = await deps.store.get(keys.leaderBalance(leaderId), { consistent: true });
  const watermark = balance?.settledUntil ? String(balance.settledUntil) : undefined;
  const fromMs = watermark ? toMillis(watermark) : -Infinity;
  const items = await queryAll(deps.store, { ...settleKeys.entriesFrom(leaderId, watermark), consistent: true });
  const entries = items.map(entryFromItem).filter((e) => toMillis(e.at) >= fromMs);
  const rows = new Map<string, PendingCommission>();
  for (const e of entries) {
    if (e.kind !== 'commission') continue;
    const row = rows.get(e.orderId);
    if (row) row.commissionFen += e.amountFen;
    else rows.set(e.orderId, { orderId: e.orderId, shortNo: e.shortNo, pickedUpAt: e.at, commissionFen: e.amountFen });
  }
  for (const e of entries) {
    const row = e.kind === 'clawback' ? rows.get(e.orderId) : undefined;
    if (row) row.commissionFen += e.amountFen;
  }
  return [...rows.values()].sort((a, b) => toMillis(a.pickedUpAt) - toMillis(b.pickedUpAt));
}
