import dayjs from 'dayjs';
import isoWeek from 'dayjs/plugin/isoWeek.js';
import utc from 'dayjs/plugin/utc.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clawbackEntry, commissionEntry } from '#test/settle-fixtures';
import { buildStatement, lineCommissionFen } from './commission.ts';
import { businessDateOf, periodOf, periodRange, periodWindow, toMillis, type PeriodKind } from './settlement-period.ts';
import { entriesIn, lastDueEnd, netSalesFen, periodParts, periodsToSettle, pickedUpOrders } from './settlement-plan.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

dayjs.extend(utc);
dayjs.extend(isoWeek);

const entry = (at: string, paidFen = 1000, orderId?: string) =>
  commissionEntry({ leaderId: 'l-1', orderId, at, lines: [{ productId: 'p-1', qty: 1, paidFen, rate: 0.1 }] });

describe('lastDueEnd', () => {
  it('weekly: the past week is due from Monday 02:00, not a second before', () => {
    expect(lastDueEnd('weekly', '2026-11-30T01:59:59+08:00', 2)).toBe('2026-11-23T00:00:00+08:00');
    expect(lastDueEnd('weekly', '2026-11-30T02:00:00+08:00', 2)).toBe('2026-11-30T00:00:00+08:00');
    expect(lastDueEnd('weekly', '2026-12-06T23:00:00+08:00', 2)).toBe('2026-11-30T00:00:00+08:00');
  });

  it('T+1: day D is due at D+1 02:00', () => {
    expect(lastDueEnd('t+1', '2026-11-27T01:59:59+08:00', 2)).toBe('2026-11-26T00:00:00+08:00');
    expect(lastDueEnd('t+1', '2026-11-27T02:00:00+08:00', 2)).toBe('2026-11-27T00:00:00+08:00');
  });

  it('follows settleHour', () => {
    expect(lastDueEnd('t+1', '2026-11-27T05:00:00+08:00', 6)).toBe('2026-11-26T00:00:00+08:00');
  });
});

describe('periodParts', () => {
  it('makes one statement line per entry line and a refund adjustment per clawback', () => {
    const e = commissionEntry({
      leaderId: 'l-1',
      orderId: 'o-1',
      shortNo: 'A00001',
      at: '2026-11-24T10:00:00+08:00',
      lines: [
        { productId: 'p-1', qty: 2, paidFen: 1005, rate: 0.1 },
        { productId: 'p-2', qty: 1, paidFen: 145, rate: 0.1 },
      ],
    });
    const c = clawbackEntry(e, '2026-11-25T10:00:00+08:00', [e.lines[1]!]);
    const parts = periodParts([e, c]);
    expect(parts.lines.map((l) => [l.shortNo, l.pickedUpAt, l.productId, l.commissionFen])).toEqual([
      ['A00001', '2026-11-24T10:00:00+08:00', 'p-1', 101],
      ['A00001', '2026-11-24T10:00:00+08:00', 'p-2', 15],
    ]);
    expect(parts.adjustments).toEqual([expect.objectContaining({ kind: 'refund', orderId: 'o-1', amountFen: -15, note: 'refund of order A00001' })]);
    expect(parts.entriesNetFen).toBe(101);
    expect(parts.commissionEntriesFen).toBe(116);
  });

  it('says a refund of an order settled earlier is a refund after settlement', () => {
    const old = entry('2026-11-20T10:00:00+08:00');
    const parts = periodParts([clawbackEntry(old, '2026-11-24T10:00:00+08:00')]);
    expect(parts.lines).toEqual([]);
    expect(parts.adjustments[0]!.note).toMatch(/after settlement/);
    expect(parts.entriesNetFen).toBe(-100);
  });
});

describe('sales and orders', () => {
  it('nets refunds of orders picked up in the window, not of earlier ones', () => {
    const a = entry('2026-11-24T10:00:00+08:00', 5000, 'o-a');
    const b = entry('2026-11-24T11:00:00+08:00', 3000, 'o-b');
    const earlier = entry('2026-11-10T11:00:00+08:00', 9000, 'o-old');
    expect(netSalesFen([a, b, clawbackEntry(a, '2026-11-25T10:00:00+08:00'), clawbackEntry(earlier, '2026-11-25T10:00:00+08:00')])).toBe(3000);
    expect(pickedUpOrders([a, b, entry('2026-11-24T12:00:00+08:00', 1, 'o-a')])).toBe(2);
    expect(entriesIn([a, b], '2026-11-24T10:00:00+08:00', '2026-11-24T11:00:00+08:00')).toEqual([a]);
  });
});

const instant = fc.integer({ min: toMillis('2025-12-20T00:00:00+08:00'), max: toMillis('2027-01-10T00:00:00+08:00') });
const kinds = fc.constantFrom('weekly' as const, 't+1' as const);

/** The period of an instant computed afresh, without the memo: its Shanghai date, or that date's ISO week. */
function periodAfresh(kind: PeriodKind, t: number | string): string {
  const date = businessDateOf(t);
  if (kind === 't+1') return date;
  const d = dayjs.utc(date);
  return `${d.isoWeekYear()}-W${String(d.isoWeek()).padStart(2, '0')}`;
}

describe('memoized period look-ups', () => {
  it('answer as the period computed afresh, at hour and period edges too', () => {
    // Shanghai midnights (16:00 UTC) and a millisecond either side.
    const midnight = fc.tuple(instant, fc.constantFrom(-1, 0, 1)).map(([t, d]) => Math.floor(t / 86_400_000) * 86_400_000 + 16 * 3_600_000 + d);
    fc.assert(
      fc.property(fc.oneof(instant, midnight), kinds, (t, kind) => {
        expect(periodOf(kind, t)).toBe(periodAfresh(kind, t));
      }),
      { numRuns: 300 },
    );
    expect(periodOf('weekly', '2026-11-29T23:59:59.999+08:00')).toBe('2026-W48');
    expect(periodOf('weekly', '2026-11-30T00:00:00+08:00')).toBe('2026-W49');
  }, PROPERTY_TIMEOUT_MS);

  it('give the window of a period in ISO and epoch ms', () => {
    expect(periodWindow('weekly', '2026-W48')).toEqual({
      start: '2026-11-23T00:00:00+08:00',
      end: '2026-11-30T00:00:00+08:00',
      startMs: toMillis('2026-11-23T00:00:00+08:00'),
      endMs: toMillis('2026-11-30T00:00:00+08:00'),
    });
    expect(() => periodWindow('weekly', '2021-W53')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('buildStatement on the plan\'s parts', () => {
  const line = (pickedUpAt: string, paidFen: number, rate: number, orderId = 'o-1') => ({
    orderId,
    shortNo: orderId,
    pickedUpAt,
    productId: 'p-1',
    title: 'p',
    qty: 1,
    paidFen,
    rate,
    commissionFen: lineCommissionFen(paidFen, rate),
  });

  it('refuses a line outside the period or with a wrong commission', () => {
    const base = { leaderId: 'l-1', period: '2026-W48', bonuses: [], adjustments: [] };
    expect(() => buildStatement({ ...base, lines: [line('2026-11-30T00:00:00+08:00', 100, 0.1)] })).toThrow(/outside period/);
    expect(() => buildStatement({ ...base, lines: [{ ...line('2026-11-29T23:59:59+08:00', 145, 0.1), commissionFen: 14 }] })).toThrow(/commissionFen/);
    expect(buildStatement({ ...base, lines: [line('2026-11-23T00:00:00+08:00', 145, 0.1)] }).totalFen).toBe(15);
  });
});

describe('periodsToSettle', () => {
  const instants = fc.array(instant, { maxLength: 40 });

  it('puts every entry in exactly the period of its time, periods oldest first', () => {
    fc.assert(
      fc.property(instants, instants, kinds, (entryTimes, bonusTimes, kind) => {
        const entries = entryTimes.map((t) => entry(new Date(t).toISOString()));
        const periods = periodsToSettle(kind, entries, bonusTimes);
        expect(periods.flatMap((p) => p.entries).length).toBe(entries.length);
        for (const p of periods) for (const e of p.entries) expect(periodOf(kind, e.at)).toBe(p.period);
        for (const t of bonusTimes) expect(periods.some((p) => p.period === periodOf(kind, t))).toBe(true);
        expect(new Set(periods.map((p) => p.period)).size).toBe(periods.length);
        const starts = periods.map((p) => toMillis(periodRange(kind, p.period).start));
        expect(starts).toEqual([...starts].sort((x, y) => x - y));
      }),
      { numRuns: 50 },
    );
  }, PROPERTY_TIMEOUT_MS);
});

describe('a pickup whose line was refunded whole before pickup', () => {
  it('bills only the lines picked up: the empty line is no statement line and the statement builds', () => {
    const at = '2026-11-25T10:00:00+08:00';
    const entry = commissionEntry({ leaderId: 'l-1', at, lines: [{ productId: 'p-rice', qty: 1, paidFen: 0 }, { productId: 'p-milk', qty: 2, paidFen: 1000 }] });
    // As stored before redeem left empty lines out: qty 0, nothing paid, nothing earned.
    const stored = { ...entry, lines: [{ ...entry.lines[0]!, qty: 0 }, entry.lines[1]!] };
    const parts = periodParts([stored]);
    expect(parts.lines.map((l) => l.productId)).toEqual(['p-milk']);
    const period = periodOf('weekly', at);
    const statement = buildStatement({ leaderId: 'l-1', period, lines: parts.lines, bonuses: [], adjustments: [] });
    expect(statement.commissionFen).toBe(lineCommissionFen(1000, 0.1));
  });
});
