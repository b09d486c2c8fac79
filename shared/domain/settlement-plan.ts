/**
 * The pure part of settlement (DESIGN.md §7): which periods a run settles for a leader, how
 * ledger entries become statement lines and adjustments, and the counts the awards and the
 * review are decided on. Periods and their windows come from settlement-period.ts; the
 * statement itself is commission.ts's `buildStatement`.
 */
import type { StatementAdjustment, StatementLine } from './commission.ts';
import { periodOf, periodWindow, previousPeriod, settleAt, toMillis, type Instant, type PeriodKind } from './settlement-period.ts';

/** A ledger entry as settlement reads it (the leader's ledger item: a pickup's commission or a refund's clawback). */
export interface SettlementEntry {
  id: string;
  kind: 'commission' | 'clawback' | 'adjustment';
  orderId: string;
  shortNo: string;
  /** When it happened (pickup, or refund for a clawback): it decides the period. */
  at: string;
  lines: readonly { productId: string; title: string; qty: number; paidFen: number; rate: number; commissionFen: number }[];
  /** Signed: positive for commission, negative for a clawback. */
  amountFen: number;
  /** A manual adjustment's reason (its statement note). */
  reason?: string;
}

/**
 * The exclusive end of the latest period whose settle time (`settleHour` the day after it
 * ends) has come by `now`: a run settles everything stamped before it.
 */
export function lastDueEnd(kind: PeriodKind, now: Instant, settleHour: number): string {
  const current = periodOf(kind, now);
  const previous = previousPeriod(kind, current);
  const due = toMillis(settleAt(kind, previous, settleHour)) <= toMillis(now) ? previous : previousPeriod(kind, previous);
  return periodWindow(kind, due).end;
}

/** An adjustment as stored on a statement: the clawback entry it comes from, by order. */
export interface StoredAdjustment extends StatementAdjustment {
  orderId: string;
  shortNo: string;
  /** When the refund happened (the clawback entry's `at`). */
  at: string;
}

export interface PeriodParts {
  lines: StatementLine[];
  adjustments: StoredAdjustment[];
  /** Σ amountFen of the entries: what leaves `pendingFen`. */
  entriesNetFen: number;
  /** Σ amountFen of the commission entries (must equal the lines' commission). */
  commissionEntriesFen: number;
}

/**
 * A period's entries as statement parts: each commission entry's lines become statement
 * lines (pickup time = the entry's `at`); each clawback entry becomes a refund adjustment of
 * its own amount (any other kind of entry, a correction). A refund before settlement nets in
 * the same statement; one after settlement lands, by its `at`, in a later one — so every entry
 * is counted in exactly one statement.
 */
export function periodParts(entries: readonly SettlementEntry[]): PeriodParts {
  const lines: StatementLine[] = [];
  const adjustments: StoredAdjustment[] = [];
  let entriesNetFen = 0;
  let commissionEntriesFen = 0;
  const orderIdsHere = new Set(entries.filter((e) => e.kind === 'commission').map((e) => e.orderId));
  for (const e of entries) {
    entriesNetFen += e.amountFen;
    if (e.kind === 'commission') {
      commissionEntriesFen += e.amountFen;
      for (const l of e.lines) {
        // Pickups recorded before whole-line refunds were left out carry empty lines: nothing to bill.
        if (l.qty === 0 && l.paidFen === 0 && l.commissionFen === 0) continue;
        lines.push({
          orderId: e.orderId,
          shortNo: e.shortNo,
          pickedUpAt: e.at,
          productId: l.productId,
          title: l.title,
          qty: l.qty,
          paidFen: l.paidFen,
          rate: l.rate,
          commissionFen: l.commissionFen,
        });
      }
    } else {
      const refund = e.kind === 'clawback';
      const settledBefore = !orderIdsHere.has(e.orderId);
      adjustments.push({
        kind: refund ? 'refund' : 'manual',
        orderId: e.orderId,
        shortNo: e.shortNo,
        at: e.at,
        amountFen: e.amountFen,
        note: !refund ? (e.reason ?? `correction ${e.id}`) : settledBefore ? `refund after settlement of order ${e.shortNo}` : `refund of order ${e.shortNo}`,
      });
    }
  }
  return { lines, adjustments, entriesNetFen, commissionEntriesFen };
}

/**
 * Picked-up sales of a window, net of refunds in the same window of orders picked up in it
 * (never below zero): the base of the tier bonus and of the monthly ranking. A refund of an
 * order picked up earlier does not lower this window's sales.
 */
export function netSalesFen(entries: readonly SettlementEntry[]): number {
  const picked = new Set<string>();
  let sales = 0;
  for (const e of entries) {
    if (e.kind !== 'commission') continue;
    picked.add(e.orderId);
    for (const l of e.lines) sales += l.paidFen;
  }
  for (const e of entries) {
    if (e.kind !== 'clawback' || !picked.has(e.orderId)) continue;
    for (const l of e.lines) sales -= Math.abs(l.paidFen);
  }
  return Math.max(0, sales);
}

/** Picked-up orders of a window: distinct orders with a commission entry. */
export function pickedUpOrders(entries: readonly SettlementEntry[]): number {
  return new Set(entries.filter((e) => e.kind === 'commission').map((e) => e.orderId)).size;
}

/** The entries stamped in [start, end). */
export function entriesIn<E extends Pick<SettlementEntry, 'at'>>(entries: readonly E[], start: Instant, end: Instant): E[] {
  const s = toMillis(start);
  const t = toMillis(end);
  return entries.filter((e) => {
    const at = toMillis(e.at);
    return at >= s && at < t;
  });
}

/**
 * The periods a leader's statements fall in, oldest first, each with its entries: every period
 * holding an entry, plus the periods of `bonusInstants` (when an award falls due, e.g. the end
 * of a first full week), even without entries.
 */
export function periodsToSettle<E extends Pick<SettlementEntry, 'at'>>(
  kind: PeriodKind,
  entries: readonly E[],
  bonusInstants: readonly number[],
): { period: string; entries: E[] }[] {
  const byPeriod = new Map<string, E[]>();
  for (const e of entries) {
    const p = periodOf(kind, e.at);
    let list = byPeriod.get(p);
    if (!list) byPeriod.set(p, (list = []));
    list.push(e);
  }
  for (const t of bonusInstants) {
    const p = periodOf(kind, t);
    if (!byPeriod.has(p)) byPeriod.set(p, []);
  }
  return [...byPeriod.entries()]
    .map(([period, list]) => ({ period, entries: list, start: periodWindow(kind, period).startMs }))
    .sort((a, b) => a.start - b.start)
    .map(({ period, entries: list }) => ({ period, entries: list }));
}

/** The instant just inside the end of a window, so the window's last period holds it. */
export const lastInstantOf = (end: Instant): number => toMillis(end) - 1;
