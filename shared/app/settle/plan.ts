/**
 * Pure parts of settlement (no store): which periods a run settles for a leader, how ledger
 * entries become statement lines and adjustments, and the counts the awards and the review
 * are decided on. Kept apart so they are unit tested in milliseconds.
 */
import { buildStatement, lineCommissionFen, type Statement, type StatementAdjustment, type StatementInput, type StatementLine } from '#domain/commission';
import { assertFen } from '#domain/money';
import {
  nextPeriod,
  periodOf,
  periodRange,
  previousPeriod,
  settleAt,
  toMillis,
  type Instant,
  type PeriodKind,
} from '#domain/settlement-period';
import type { LedgerEntry } from '../ledger.ts';

// ---- fast period look-ups ---------------------------------------------------------------
// A settle run looks up the period of hundreds of thousands of entries, and the domain's
// time-zone conversion (dayjs tz) costs ~0.7 ms a call. Periods start at Shanghai midnight,
// a whole UTC hour, so every instant of one UTC hour shares its period: the look-ups below are
// memoized per hour (and per period id), giving the domain's answers at a map's cost.

const HOUR_MS = 3_600_000;
const MAX_CACHED = 50_000;
const periodCache = new Map<string, string>();
const rangeCache = new Map<string, PeriodWindow>();

export interface PeriodWindow {
  start: string;
  end: string;
  startMs: number;
  endMs: number;
}

function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
}

/** `periodOf` of the domain, memoized per UTC hour. */
export function periodAt(kind: PeriodKind, t: Instant): string {
  const hour = Math.floor(toMillis(t) / HOUR_MS);
  return remember(periodCache, `${kind}|${hour}`, () => periodOf(kind, hour * HOUR_MS));
}

/** `periodRange` of the domain with the bounds in ms, memoized. */
export function windowOf(kind: PeriodKind, period: string): PeriodWindow {
  return remember(rangeCache, `${kind}|${period}`, () => {
    const { start, end } = periodRange(kind, period);
    return { start, end, startMs: toMillis(start), endMs: toMillis(end) };
  });
}

/** The domain's `firstFullWeek` (the week of createdAt when created exactly at its Monday 00:00, else the next) on the memoized look-ups. */
export function firstFullWeekOf(createdAt: Instant): string {
  const week = periodAt('weekly', createdAt);
  return windowOf('weekly', week).startMs === toMillis(createdAt) ? week : nextPeriod('weekly', week);
}

/**
 * The domain's `buildStatement` with the per-line period check done on the period's window in
 * ms (the domain's check converts each line's time zone): the period, bonuses and adjustments
 * are checked by the domain itself, the lines here with the same rules — inside the period,
 * commission exactly round-half-up(paidFen × rate), positive qty — and sorted by pickup time.
 */
export function composeStatement(kind: PeriodKind, input: StatementInput): Statement {
  const base = buildStatement({ ...input, lines: [] });
  const { startMs, endMs } = windowOf(kind, input.period);
  let salesFen = 0;
  let commissionFen = 0;
  const timed = input.lines.map((line, i) => {
    assertFen(line.paidFen, `lines[${i}].paidFen`);
    if (!Number.isSafeInteger(line.qty) || line.qty < 1) throw new RangeError(`lines[${i}].qty must be a positive integer`);
    const at = toMillis(line.pickedUpAt);
    if (at < startMs || at >= endMs) throw new RangeError(`lines[${i}] was picked up at ${line.pickedUpAt}, outside period ${input.period}`);
    if (line.commissionFen !== lineCommissionFen(line.paidFen, line.rate)) {
      throw new RangeError(`lines[${i}].commissionFen ${String(line.commissionFen)} is not ${String(line.rate)} × ${line.paidFen} fen`);
    }
    salesFen += line.paidFen;
    commissionFen += line.commissionFen;
    return { at, line };
  });
  const cmp = (x: string | number, y: string | number) => (x < y ? -1 : x > y ? 1 : 0);
  timed.sort((a, b) => a.at - b.at || cmp(a.line.orderId, b.line.orderId) || cmp(a.line.productId, b.line.productId) || cmp(a.line.paidFen, b.line.paidFen));
  const totalFen = commissionFen + base.totalFen;
  if (!Number.isSafeInteger(salesFen) || !Number.isSafeInteger(totalFen)) throw new RangeError('a statement sum is not a safe integer of fen');
  return { ...base, lines: timed.map((t) => t.line), salesFen, commissionFen, totalFen };
}

/**
 * The exclusive end of the latest period whose settle time (`settleHour` the day after it
 * ends) has come by `now`: a run settles everything stamped before it.
 */
export function lastDueEnd(kind: PeriodKind, now: Instant, settleHour: number): string {
  const current = periodOf(kind, now);
  const previous = previousPeriod(kind, current);
  const due = toMillis(settleAt(kind, previous, settleHour)) <= toMillis(now) ? previous : previousPeriod(kind, previous);
  return windowOf(kind, due).end;
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
 * its own amount (any other kind of entry, a correction). A refund before settlement nets in the same statement; one after settlement
 * lands, by its `at`, in a later one — so every entry is counted in exactly one statement.
 */
export function periodParts(entries: readonly LedgerEntry[]): PeriodParts {
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
        note: !refund ? `correction ${e.id}` : settledBefore ? `refund after settlement of order ${e.shortNo}` : `refund of order ${e.shortNo}`,
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
export function netSalesFen(entries: readonly LedgerEntry[]): number {
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
export function pickedUpOrders(entries: readonly LedgerEntry[]): number {
  return new Set(entries.filter((e) => e.kind === 'commission').map((e) => e.orderId)).size;
}

/** The entries stamped in [start, end). */
export function entriesIn(entries: readonly LedgerEntry[], start: Instant, end: Instant): LedgerEntry[] {
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
export function periodsToSettle(kind: PeriodKind, entries: readonly LedgerEntry[], bonusInstants: readonly number[]): { period: string; entries: LedgerEntry[] }[] {
  const byPeriod = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    const p = periodAt(kind, e.at);
    let list = byPeriod.get(p);
    if (!list) byPeriod.set(p, (list = []));
    list.push(e);
  }
  for (const t of bonusInstants) {
    const p = periodAt(kind, t);
    if (!byPeriod.has(p)) byPeriod.set(p, []);
  }
  return [...byPeriod.entries()]
    .map(([period, list]) => ({ period, entries: list, start: windowOf(kind, period).startMs }))
    .sort((a, b) => a.start - b.start)
    .map(({ period, entries: list }) => ({ period, entries: list }));
}

/** The instant just inside the end of a window, so the window's last period holds it. */
export const lastInstantOf = (end: Instant): number => toMillis(end) - 1;
