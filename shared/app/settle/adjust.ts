import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { TransactionCancelled, type Key } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { ledgerEntryOps, type LedgerEntry } from '../ledger.ts';

/** A manual adjustment's amount: ± integer fen, at most this in magnitude (¥100,000), never 0. */
export const MAX_ADJUSTMENT_FEN = 10_000_000;

/** The record of an adjustment's requestId (`L#<leaderId>` / `ADJ#<requestId>`): its answer. */
const adjustmentKey = (leaderId: string, requestId: string): Key => ({ pk: `L#${leaderId}`, sk: `ADJ#${requestId}` });

export interface AdjustmentView {
  leaderId: string;
  entryId: string;
  requestId: string;
  amountFen: number;
  reason: string;
  at: string;
  by: string;
}

const viewOf = (item: Record<string, unknown>): AdjustmentView => ({
  leaderId: String(item.leaderId),
  entryId: String(item.entryId),
  requestId: String(item.requestId),
  amountFen: Number(item.amountFen),
  reason: String(item.reason),
  at: String(item.at),
  by: String(item.by),
});

/**
 * Finance posts a manual adjustment to a leader's ledger (API.md `settle.adjust`): an entry of
 * kind `adjustment` stamped now, so it lands in the next statement (settlement-plan.ts shows it
 * as a `manual` adjustment with its reason) and its total goes through the debt rule there like
 * any statement (leader-debt.ts). Until then it counts in `pendingFen`. Idempotent by requestId
 * (per leader): a repeat answers the first result; the same requestId for another amount or
 * reason → INVALID_STATE, nothing written.
 */
export async function postAdjustment(deps: Deps, by: string, input: { leaderId: string; requestId: string; amountFen: number; reason: string }): Promise<AdjustmentView> {
  const replay = await replayAdjustment(deps, input);
  if (replay) return replay;
  if (!(await deps.store.get(keys.leader(input.leaderId)))) throw new AppError('NOT_FOUND', 'no such leader', { leaderId: input.leaderId });

  const at = toBizIso(deps.clock.now());
  const entry: LedgerEntry & { reason: string; requestId: string; by: string } = {
    id: deps.ids.newId(),
    leaderId: input.leaderId,
    kind: 'adjustment',
    orderId: '',
    shortNo: '',
    communityId: '',
    at,
    lines: [],
    amountFen: input.amountFen,
    reason: input.reason,
    requestId: input.requestId,
    by,
  };
  const view: AdjustmentView = { leaderId: input.leaderId, entryId: entry.id, requestId: input.requestId, amountFen: input.amountFen, reason: input.reason, at, by };
  try {
    await deps.store.transact([{ type: 'put', item: { ...adjustmentKey(input.leaderId, input.requestId), ...view }, when: [{ op: 'notExists' }] }, ...ledgerEntryOps(deps, entry)]);
  } catch (e) {
    if (!(e instanceof TransactionCancelled)) throw e;
    const again = await replayAdjustment(deps, input);
    if (again) return again;
    throw e;
  }
  return view;
}

async function replayAdjustment(deps: Deps, input: { leaderId: string; requestId: string; amountFen: number; reason: string }): Promise<AdjustmentView | undefined> {
  const item = await deps.store.get(adjustmentKey(input.leaderId, input.requestId), { consistent: true });
  if (!item) return undefined;
  if (Number(item.amountFen) !== input.amountFen || item.reason !== input.reason) {
    throw new AppError('INVALID_STATE', 'this requestId was used for a different adjustment', { requestId: input.requestId });
  }
  return viewOf(item);
}
