import { createHash } from 'node:crypto';
import { AppError } from '#domain/errors';
import { addDays, bizDate, isBizDate, toBizIso } from '#domain/time';
import { queryAll, type Key } from '#ports/item-store';
import type { BillLine } from '#ports/payment';
import type { Deps } from '../deps.ts';
import { allOfType, keys } from '../keys.ts';
import { findOrder, orderFromItem, type Order } from '../orders/model.ts';
import { staffAlertOps } from '../staff-alerts.ts';

/**
 * Payment reconciliation (对账, DESIGN.md §14): the platform's trade bill of a business day
 * (payments and refunds) against our orders and refunds of that day.
 *
 * Steps: 1. download the bill (payment port); 2. collect our payments (orders paid that day,
 * and payments refunded on arrival: the `-PAY-` refunds) and our refunds submitted that day,
 * from the orders of the waves that can hold them (the day's waves and the 14 before: pickup
 * and after-sales windows), plus the orders the bill names; 3. compare by out_trade_no (payments)
 * and out_refund_no (refunds): missing here, missing there, amount differs; 4. store the result
 * (`RECON` / `<date>`) and push every mismatch count to finance (once per distinct result).
 */
export interface Mismatch {
  kind: 'MISSING_HERE' | 'MISSING_THERE' | 'AMOUNT';
  outTradeNo: string;
  outRefundNo?: string;
  ours?: number;
  theirs?: number;
}

export interface Reconciliation {
  date: string;
  matched: number;
  mismatches: Mismatch[];
  ranAt: string;
  /** Why no bill could be compared (the platform offers no download, e.g. cloudPay). */
  unavailable?: string;
  /** The platform had no bill for the day (no trades): our records are compared with an empty bill. */
  noBill?: true;
}

/** How many wave days before the reconciled day may still see refunds (pickup window + after-sales). */
const LOOKBACK_DAYS = 14;
/** Mismatches kept in the stored result (the push and the count say how many there were). */
const MAX_STORED = 1000;

export const reconcileKey = (date: string): Key => ({ pk: 'RECON', sk: date });

const isPaymentRefund = (refundId: string) => refundId.includes('-PAY-');

interface Ours {
  payments: Map<string, number>;
  refunds: Map<string, { outTradeNo: string; amountFen: number }>;
}

function collect(o: Order, date: string, ours: Ours): void {
  if (o.transactionId && o.paidAt && bizDate(o.paidAt) === date) ours.payments.set(o.id, o.amounts.payableFen);
  for (const r of o.refunds ?? []) {
    if (bizDate(r.at) !== date) continue;
    // A payment that came after the order closed (or with another amount) is refunded at once: the bill has both.
    if (isPaymentRefund(r.id)) ours.payments.set(o.id, r.totalFen ?? r.amountFen);
    if (r.status === 'FAILED') continue;
    ours.refunds.set(r.id, { outTradeNo: o.id, amountFen: r.amountFen });
  }
}

async function ourRecords(deps: Deps, date: string, bill: BillLine[]): Promise<Ours> {
  const ours: Ours = { payments: new Map(), refunds: new Map() };
  const seen = new Set<string>();
  const communities = (await queryAll(deps.store, allOfType('community'))).map((c) => String(c.id)).sort();
  for (const c of communities) {
    let cursor: string | undefined;
    do {
      const page = await deps.store.query({ ...keys.ordersOfWavesThrough(c, addDays(date, -LOOKBACK_DAYS), addDays(date, 2)), limit: 200, ...(cursor ? { cursor } : {}) });
      for (const it of page.items) {
        const o = orderFromItem(it);
        seen.add(o.id);
        collect(o, date, ours);
      }
      cursor = page.cursor;
    } while (cursor);
  }
  // Orders the bill names outside those waves (an old order's late after-sales refund).
  for (const id of new Set(bill.map((l) => l.outTradeNo))) {
    if (seen.has(id)) continue;
    const o = await findOrder(deps, id).catch(() => undefined);
    if (o) collect(o, date, ours);
  }
  return ours;
}

export function compare(bill: BillLine[], ours: Ours): { matched: number; mismatches: Mismatch[] } {
  const mismatches: Mismatch[] = [];
  let matched = 0;
  const theirPayments = new Map<string, number>();
  const theirRefunds = new Map<string, { outTradeNo: string; amountFen: number }>();
  for (const l of bill) {
    if (l.kind === 'PAYMENT') theirPayments.set(l.outTradeNo, (theirPayments.get(l.outTradeNo) ?? 0) + l.amountFen);
    else theirRefunds.set(l.outRefundNo ?? '', { outTradeNo: l.outTradeNo, amountFen: l.amountFen });
  }
  for (const [no, theirs] of theirPayments) {
    const mine = ours.payments.get(no);
    if (mine === undefined) mismatches.push({ kind: 'MISSING_HERE', outTradeNo: no, theirs });
    else if (mine !== theirs) mismatches.push({ kind: 'AMOUNT', outTradeNo: no, ours: mine, theirs });
    else matched++;
  }
  for (const [no, mine] of ours.payments) if (!theirPayments.has(no)) mismatches.push({ kind: 'MISSING_THERE', outTradeNo: no, ours: mine });
  for (const [refundNo, theirs] of theirRefunds) {
    const mine = ours.refunds.get(refundNo);
    if (!mine) mismatches.push({ kind: 'MISSING_HERE', outTradeNo: theirs.outTradeNo, outRefundNo: refundNo, theirs: theirs.amountFen });
    else if (mine.amountFen !== theirs.amountFen) mismatches.push({ kind: 'AMOUNT', outTradeNo: theirs.outTradeNo, outRefundNo: refundNo, ours: mine.amountFen, theirs: theirs.amountFen });
    else matched++;
  }
  for (const [refundNo, mine] of ours.refunds) if (!theirRefunds.has(refundNo)) mismatches.push({ kind: 'MISSING_THERE', outTradeNo: mine.outTradeNo, outRefundNo: refundNo, ours: mine.amountFen });
  return { matched, mismatches };
}

/** Reconciles one business day and stores the result; a mismatch pushes finance (owner, finance) once per distinct result. */
export async function reconcileDay(deps: Deps, date: string): Promise<Reconciliation & { mismatchCount: number }> {
  if (!isBizDate(date)) throw new AppError('VALIDATION_FAILED', 'date must be YYYY-MM-DD', { issues: [{ path: 'date', message: 'expected a date YYYY-MM-DD' }] });
  const ranAt = toBizIso(deps.clock.now());
  if (!deps.payment.downloadBill) {
    const result: Reconciliation = { date, matched: 0, mismatches: [], ranAt, unavailable: 'the payment platform offers no bill download here (cloudPay): reconcile in the WeChat Pay merchant platform' };
    await deps.store.write({ type: 'put', item: { ...reconcileKey(date), kind: 'reconciliation', ...result, mismatchCount: 0 } });
    return { ...result, mismatchCount: 0 };
  }
  const downloaded = await deps.payment.downloadBill(date);
  const bill = downloaded ?? [];
  const { matched, mismatches } = compare(bill, await ourRecords(deps, date, bill));
  const result: Reconciliation = { date, matched, mismatches: mismatches.slice(0, MAX_STORED), ranAt, ...(downloaded ? {} : { noBill: true as const }) };
  const digest = createHash('sha256').update(JSON.stringify(mismatches)).digest('hex').slice(0, 16);
  const pushes = mismatches.length
    ? await staffAlertOps(deps, { key: 'reconcileAlert', payload: { date, mismatches: mismatches.length, at: ranAt }, dedupe: `reconcile#${date}#${digest}` })
    : [];
  const put = { type: 'put' as const, item: { ...reconcileKey(date), kind: 'reconciliation', ...result, mismatchCount: mismatches.length } };
  try {
    await deps.store.transact([put, ...pushes]);
  } catch {
    // The same result was reported before (its pushes exist): store the result alone.
    await deps.store.write(put);
  }
  return { ...result, mismatchCount: mismatches.length };
}

/** The stored result of a day, reconciling it first when there is none. */
export async function readReconciliation(deps: Deps, date: string) {
  const stored = await deps.store.get(reconcileKey(date), { consistent: true });
  const r = stored ? (stored as unknown as Reconciliation & { mismatchCount?: number }) : await reconcileDay(deps, date);
  return {
    date: r.date,
    matched: r.matched,
    mismatches: r.mismatches,
    ranAt: r.ranAt,
    mismatchCount: r.mismatchCount ?? r.mismatches.length,
    ...(r.unavailable ? { unavailable: r.unavailable } : {}),
    ...(r.noBill ? { noBill: true } : {}),
  };
}

/** WeChat Pay's bill of a day is ready from 10:00 the next day. */
export const BILL_READY_HOUR = 10;

/**
 * The daily job, a heartbeat: without a date it reconciles the previous business day once, from
 * 10:00 (a beat before then, or after that day's result exists, does nothing); with a date
 * (`POST /admin/jobs/reconcile/run {"date"}`) it reconciles that day again.
 */
export const reconcileJob = {
  name: 'reconcile',
  async run(deps: Deps, input: { date?: string }) {
    if (input.date) return reconcileDay(deps, input.date);
    const now = deps.clock.now();
    const yesterday = addDays(bizDate(now), -1);
    if (Number(toBizIso(now).slice(11, 13)) < BILL_READY_HOUR) return { skipped: 'the bill is ready from 10:00', date: yesterday };
    if (await deps.store.get(reconcileKey(yesterday), { consistent: true })) return { skipped: 'reconciled already', date: yesterday };
    return reconcileDay(deps, yesterday);
  },
};
