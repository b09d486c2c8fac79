import * as z from 'zod/mini';
import { bizDateSchema } from '#platform/schema';
import { CSV } from '#platform/http';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { toCsv, type CsvCell } from '#domain/csv';
import { addDays, isBizDate } from '#domain/time';
import { queryAll } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { allOfType, keys } from '../keys.ts';
import { orderFromItem, type Order } from '../orders/model.ts';
import { readFinance } from '../settle/finance.ts';
import { withEffectiveStatus } from '../orders/effective.ts';

/**
 * Exports for other systems (API.md "Supply and integrations"): CSV with a BOM (Excel), read
 * from the store a page at a time (never one unbounded read), over a validated date range.
 * Orders carry only the masked name and the phone tail, never the contact.
 */
export const MAX_EXPORT_DAYS = 92;
const PAGE = 200;

function checkRange(from: string, to: string, maxDays: number): void {
  if (!isBizDate(from)) throw new AppError('VALIDATION_FAILED', 'from must be a date', { issues: [{ path: 'from', message: 'expected a date YYYY-MM-DD' }] });
  if (!isBizDate(to)) throw new AppError('VALIDATION_FAILED', 'to must be a date', { issues: [{ path: 'to', message: 'expected a date YYYY-MM-DD' }] });
  if (to < from) throw new AppError('VALIDATION_FAILED', 'to is before from', { issues: [{ path: 'to', message: 'must not be before from' }] });
  if (addDays(from, maxDays - 1) < to) throw new AppError('VALIDATION_FAILED', `at most ${maxDays} days at once`, { issues: [{ path: 'to', message: `at most ${maxDays} days after from` }] });
}

const ORDER_HEADERS = ['orderId', 'shortNo', 'waveDate', 'communityId', 'status', 'createdAt', 'paidAt', 'goodsFen', 'memberDiscountFen', 'couponFen', 'firstOrderFen', 'pointsFen', 'payableFen', 'refundedFen', 'lines', 'contactName', 'phoneTail', 'pickedUpAt', 'cancelReason'] as const;

function orderRow(o: Order): CsvCell[] {
  const a = o.amounts as unknown as Record<string, number>;
  const refunded = (o.refunds ?? []).filter((r) => r.status === 'SUCCESS' || r.status === 'PROCESSING').reduce((s, r) => s + r.amountFen, 0);
  return [
    o.id,
    o.shortNo,
    o.waveDate,
    o.communityId,
    o.status,
    o.createdAt,
    o.paidAt ?? '',
    a.goodsFen ?? '',
    a.memberDiscountFen ?? '',
    a.couponFen ?? '',
    a.firstOrderFen ?? '',
    a.pointsFen ?? '',
    o.amounts.payableFen,
    refunded,
    o.lines.map((l) => `${l.productId}x${l.qty}`).join('|'),
    o.contactMasked ?? '',
    o.phoneTail ?? '',
    o.pickedUpAt ?? '',
    o.cancelReason ?? '',
  ];
}

/** Orders of the waves `from`..`to` (≤ 92 days), every community in id order, each a page at a time. */
export async function exportOrdersCsv(deps: Deps, from: string, to: string): Promise<string> {
  checkRange(from, to, MAX_EXPORT_DAYS);
  const communities = (await queryAll(deps.store, allOfType('community'))).map((c) => String(c.id)).sort();
  const rows: CsvCell[][] = [];
  for (const c of communities) {
    let cursor: string | undefined;
    do {
      const page = await deps.store.query({ ...keys.ordersOfWavesThrough(c, from, to), limit: PAGE, ...(cursor ? { cursor } : {}) });
      for (const o of await withEffectiveStatus(deps, page.items.map(orderFromItem))) rows.push(orderRow(o));
      cursor = page.cursor;
    } while (cursor);
  }
  return toCsv(ORDER_HEADERS, rows);
}

/** The finance report's days (`settle.finance`) as CSV, one row a day plus a total. */
export async function exportFinanceCsv(deps: Deps, from: string, to: string): Promise<string> {
  checkRange(from, to, 366);
  const report = await readFinance(deps, from, to);
  const fields = ['paidFen', 'refundFen', 'accruedFen', 'settledFen', 'requestedFen', 'withdrawnFen', 'returnedFen', 'pendingPayoutFen', 'smsCount', 'smsCostFen'] as const;
  const rows: CsvCell[][] = report.days.map((d) => [d.date, ...fields.map((f) => d[f])]);
  rows.push(['total', ...fields.map((f) => (report.totals as Record<string, number>)[f] ?? 0)]);
  return toCsv(['date', ...fields], rows);
}

const range = z.object({ from: bizDateSchema(), to: bizDateSchema() });

export const exportOrdersCommand = defineCommand({
  name: 'admin.exportOrders',
  roles: ['owner', 'operations', 'finance', 'integration:orders'],
  input: range,
  http: { method: 'GET', path: '/admin/exports/orders' },
  run: async ({ deps }, input) => ({ [CSV]: await exportOrdersCsv(deps, input.from, input.to), filename: `orders-${input.from}-${input.to}.csv` }),
});

export const exportFinanceCommand = defineCommand({
  name: 'admin.exportFinance',
  roles: ['owner', 'finance', 'integration:finance'],
  input: range,
  http: { method: 'GET', path: '/admin/exports/finance' },
  run: async ({ deps }, input) => ({ [CSV]: await exportFinanceCsv(deps, input.from, input.to), filename: `finance-${input.from}-${input.to}.csv` }),
});

export const exportCommands = [exportOrdersCommand, exportFinanceCommand];
