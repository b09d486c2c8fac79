import { AppError } from '#domain/errors';
import { addDays, isBizDate } from '#domain/time';
import { queryAll, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { shardOf } from '../keys.ts';
import { settleKeys } from './keys.ts';

/**
 * Back-office finance (API.md `settle.finance`): per-day counters kept with `inc` inside the
 * transactions that move the money, so the report is read from a few small items, never from
 * a scan, and never disagrees with the ledger.
 *
 * - `FIN` / `<date>#<shard>`: paid GMV, refunds, commission accrued (written by the order,
 *   after-sales and verify code through `financeDayOp`) and commission settled (settlement).
 *   Sharded because every payment of the day adds to it: one hot item would make concurrent
 *   transactions conflict.
 * - `FIN#PAYOUT` / `<date>`: withdrawals requested, returned (rejected or failed) and paid out;
 *   what is pending payout at the end of a day is the running sum of the three up to that day.
 */
export const FINANCE_SHARDS = 16;

/** Per-day flows in fen, signed (a clawback is a negative accrual). */
export interface FinanceFlows {
  /** Paid GMV: what customers paid (order payment). */
  paidFen?: number;
  /** Refunds sent to customers. */
  refundFen?: number;
  /** Leader commission accrued at pickup (negative for a clawback). */
  accruedFen?: number;
  /** Statement totals settled (the settle job). */
  settledFen?: number;
  /** SMS texts sent (the SMS fallback of a notice, shared/app/sms) and what they cost. */
  smsCount?: number;
  smsCostFen?: number;
}

export interface PayoutFlows {
  requestedFen?: number;
  returnedFen?: number;
  withdrawnFen?: number;
}

function increments(flows: object): Record<string, number> {
  const inc: Record<string, number> = {};
  for (const [k, v] of Object.entries(flows)) {
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v)) throw new RangeError(`${k} must be an integer of fen, got ${String(v)}`);
    inc[k] = v;
  }
  return inc;
}

function checkDate(date: string): string {
  if (!isBizDate(date)) throw new RangeError(`finance date must be YYYY-MM-DD, got ${date}`);
  return date;
}

/**
 * The counter update of a business day (YYYY-MM-DD, Asia/Shanghai) for the caller's own
 * transaction: add it beside the write that moves the money (payment, refund, pickup), once
 * per transaction (combine amounts of the same day). `shardKey` (e.g. the order id) picks the
 * shard; without it a random one.
 */
export function financeDayOp(deps: Pick<Deps, 'ids'>, date: string, flows: FinanceFlows, shardKey?: string): WriteOp {
  const shard = shardKey !== undefined ? shardOf(shardKey, FINANCE_SHARDS) : Number(deps.ids.digits(2)) % FINANCE_SHARDS;
  return {
    type: 'update',
    key: settleKeys.financeDay(checkDate(date), shard),
    update: { inc: increments(flows), set: { date } },
  };
}

/** The withdrawal counters of a day, for the withdrawal use cases' transactions. */
export function payoutDayOp(date: string, flows: PayoutFlows): WriteOp {
  return { type: 'update', key: settleKeys.payoutDay(checkDate(date)), update: { inc: increments(flows), set: { date } } };
}

export interface FinanceDay {
  date: string;
  paidFen: number;
  refundFen: number;
  accruedFen: number;
  settledFen: number;
  /** Withdrawals asked for that day. */
  requestedFen: number;
  /** Paid out to leaders that day. */
  withdrawnFen: number;
  /** Given back to available balances (rejected or failed transfers). */
  returnedFen: number;
  /** Asked for and neither paid nor given back, at the end of the day. */
  pendingPayoutFen: number;
  /** SMS texts sent that day and their cost (`smsUnitCostFen` each, when sent). */
  smsCount: number;
  smsCostFen: number;
}

const FLOW_FIELDS = ['paidFen', 'refundFen', 'accruedFen', 'settledFen', 'smsCount', 'smsCostFen'] as const;
const PAYOUT_FIELDS = ['requestedFen', 'withdrawnFen', 'returnedFen'] as const;
export const MAX_FINANCE_DAYS = 366;

/** Per-day finance from `from` to `to` inclusive (at most 366 days), plus the range's totals. */
export async function readFinance(deps: Deps, from: string, to: string) {
  if (!isBizDate(from) || !isBizDate(to) || to < from) {
    throw new AppError('VALIDATION_FAILED', 'from and to must be dates with from ≤ to', { issues: [{ path: 'to', message: 'must not be before from' }] });
  }
  const dates: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    dates.push(d);
    if (dates.length > MAX_FINANCE_DAYS) {
      throw new AppError('VALIDATION_FAILED', `at most ${MAX_FINANCE_DAYS} days at once`, { issues: [{ path: 'to', message: `at most ${MAX_FINANCE_DAYS} days after from` }] });
    }
  }
  const [flows, payouts] = await Promise.all([
    queryAll(deps.store, settleKeys.financeDays(from, to)),
    // From the beginning: what is pending at a day's end depends on every earlier day.
    queryAll(deps.store, settleKeys.payoutDaysTo(to)),
  ]);
  const byDate = new Map<string, FinanceDay>(dates.map((date) => [date, emptyDay(date)]));
  for (const item of flows) {
    const day = byDate.get(String(item.sk).slice(0, 10));
    if (day) for (const f of FLOW_FIELDS) day[f] += Number(item[f] ?? 0);
  }
  let pending = 0;
  const pendingAt = new Map<string, number>();
  for (const item of payouts) {
    pending += Number(item.requestedFen ?? 0) - Number(item.withdrawnFen ?? 0) - Number(item.returnedFen ?? 0);
    pendingAt.set(String(item.sk), pending);
    const day = byDate.get(String(item.sk));
    if (day) for (const f of PAYOUT_FIELDS) day[f] += Number(item[f] ?? 0);
  }
  // Days without payout activity carry the pending amount of the last day before them.
  let carried = 0;
  for (const item of payouts) if (String(item.sk) < from) carried = pendingAt.get(String(item.sk))!;
  const days = dates.map((date) => {
    const day = byDate.get(date)!;
    if (pendingAt.has(date)) carried = pendingAt.get(date)!;
    day.pendingPayoutFen = carried;
    return day;
  });
  const totals = emptyDay('');
  for (const d of days) for (const f of [...FLOW_FIELDS, ...PAYOUT_FIELDS]) totals[f] += d[f];
  const { date: _d, pendingPayoutFen: _p, ...sums } = totals;
  return { from, to, days, totals: { ...sums, pendingPayoutFen: days.at(-1)!.pendingPayoutFen } };
}

function emptyDay(date: string): FinanceDay {
  return { date, paidFen: 0, refundFen: 0, accruedFen: 0, settledFen: 0, requestedFen: 0, withdrawnFen: 0, returnedFen: 0, pendingPayoutFen: 0, smsCount: 0, smsCostFen: 0 };
}
