/**
 * Stored statements are identical before and after the settlement plan moved to the domain
 * (issue 13): a small fixed ledger is planned into statements the way the settle job does
 * (periods, parts, tier bonus, new-leader award, statement, statement item) and compared with
 * the items the job wrote before the move, written out here.
 */
import { describe, expect, it } from 'vitest';
import { buildStatement, parseSettlementSettings, tierBonus, type StatementBonus } from '#domain/commission';
import { firstFullWeek, newLeaderAward } from '#domain/leader-awards';
import { periodOf, periodWindow, type PeriodKind } from '#domain/settlement-period';
import { entriesIn, lastInstantOf, netSalesFen, periodParts, periodsToSettle, pickedUpOrders } from '#domain/settlement-plan';
import type { Item } from '#ports/item-store';
import { clawbackEntry, commissionEntry } from '#test/settle-fixtures';
import { statementWriteOps } from './statements.ts';

const settings = parseSettlementSettings({ newLeaderAward: { amountFen: 10_000, minOrders: 2 } });
const leader = { id: 'l-1', name: '团长0001', communityId: 'c-1', createdAt: '2026-11-18T09:00:00+08:00' };
const SETTLED_AT = '2026-12-08T02:00:05+08:00';

function ledger() {
  const e1 = commissionEntry({
    leaderId: 'l-1',
    id: 'e1',
    orderId: 'o-1',
    shortNo: 'A00001',
    at: '2026-11-19T10:00:00+08:00',
    lines: [
      { productId: 'p-rice', title: '大米', qty: 2, paidFen: 5990, rate: 0.1 },
      { productId: 'p-egg', title: '鸡蛋', qty: 1, paidFen: 1290, rate: 0.08 },
    ],
  });
  const e2 = commissionEntry({
    leaderId: 'l-1',
    id: 'e2',
    orderId: 'o-2',
    shortNo: 'A00002',
    at: '2026-11-24T18:30:00+08:00',
    lines: [
      { productId: 'p-oil', title: '食用油', qty: 100, paidFen: 1_150_000, rate: 0.05 },
      { productId: 'p-egg', title: '鸡蛋', qty: 3, paidFen: 3875, rate: 0.08 },
    ],
  });
  const c2 = clawbackEntry(e2, '2026-11-25T09:00:00+08:00', [e2.lines[1]!]);
  const c1 = clawbackEntry(e1, '2026-11-26T12:00:00+08:00');
  const e3 = commissionEntry({
    leaderId: 'l-1',
    id: 'e3',
    orderId: 'o-3',
    shortNo: 'A00003',
    at: '2026-11-29T23:59:59+08:00',
    lines: [{ productId: 'p-veg', title: '青菜', qty: 1, paidFen: 455, rate: 0.1 }],
  });
  const e4 = commissionEntry({
    leaderId: 'l-1',
    id: 'e4',
    orderId: 'o-4',
    shortNo: 'A00004',
    at: '2026-11-30T00:00:00+08:00',
    lines: [
      { productId: 'p-veg', title: '青菜', qty: 2, paidFen: 910, rate: 0.1 },
      { productId: 'p-veg', title: '青菜', qty: 1, paidFen: 300, rate: 0.1 },
    ],
  });
  const e5 = commissionEntry({
    leaderId: 'l-1',
    id: 'e5',
    orderId: 'o-5',
    shortNo: 'A00005',
    at: '2026-11-30T00:00:00+08:00',
    lines: [{ productId: 'p-apple', title: '苹果', qty: 4, paidFen: 2385, rate: 0.125 }],
  });
  return [e5, e1, e2, c2, c1, e3, e4];
}

/** What the settle job writes for this leader from nothing up to `readTo` (settleLeader's plan, without the store). */
function storedStatements(kind: PeriodKind, readTo: string): Item[] {
  const entries = ledger();
  const week = firstFullWeek(leader.createdAt);
  const awardAt = lastInstantOf(periodWindow('weekly', week).end);
  const { start, end } = periodWindow('weekly', week);
  const periods = periodsToSettle(kind, entries.filter((e) => Date.parse(e.at) < Date.parse(readTo)), [awardAt]);
  const items: Item[] = [];
  let covered: string | undefined;
  for (const { period, entries: own } of periods) {
    const parts = periodParts(own);
    const award = periodOf(kind, awardAt) === period ? newLeaderAward(settings, { firstFullWeekOrders: pickedUpOrders(entriesIn(entries, start, end)), week }) : null;
    const bonuses = [tierBonus(settings, netSalesFen(own)), award].filter((b): b is StatementBonus => b !== null);
    if (own.length === 0 && bonuses.length === 0) continue;
    const statement = buildStatement({ leaderId: leader.id, period, lines: parts.lines, adjustments: parts.adjustments, bonuses });
    expect(statement.commissionFen).toBe(parts.commissionEntriesFen);
    const to = periodWindow(kind, period).end;
    const [put] = statementWriteOps(statement, { leaderName: leader.name, communityId: leader.communityId, ...(covered ? { from: covered } : {}), to, settledAt: SETTLED_AT });
    items.push((put as { item: Item }).item);
    covered = to;
  }
  return items;
}

// ---- the items as written before the move ----------------------------------------------------

type L = [orderId: string, shortNo: string, pickedUpAt: string, productId: string, title: string, qty: number, paidFen: number, rate: number, commissionFen: number];
const line = ([orderId, shortNo, pickedUpAt, productId, title, qty, paidFen, rate, commissionFen]: L) => ({
  orderId,
  shortNo,
  pickedUpAt,
  productId,
  title,
  qty,
  paidFen,
  rate,
  commissionFen,
});
const refund = (orderId: string, shortNo: string, at: string, amountFen: number, note: string) => ({ kind: 'refund', orderId, shortNo, at, amountFen, note });

interface Expected {
  period: string;
  from?: string;
  to: string;
  lines: L[];
  bonuses: object[];
  adjustments: object[];
  salesFen: number;
  commissionFen: number;
  bonusFen: number;
  adjustmentFen: number;
  totalFen: number;
}
const item = (e: Expected) => ({
  pk: 'L#l-1',
  sk: `STMT#${e.period}`,
  gsi1pk: `STMT#${e.period}`,
  gsi1sk: 'l-1',
  leaderId: 'l-1',
  period: e.period,
  lines: e.lines.map(line),
  bonuses: e.bonuses,
  adjustments: e.adjustments,
  salesFen: e.salesFen,
  commissionFen: e.commissionFen,
  bonusFen: e.bonusFen,
  adjustmentFen: e.adjustmentFen,
  totalFen: e.totalFen,
  leaderName: '团长0001',
  communityId: 'c-1',
  ...(e.from ? { from: e.from } : {}),
  to: e.to,
  settledAt: SETTLED_AT,
  lineCount: e.lines.length,
  lineParts: 0,
});

const WEEKLY = [
  item({
    period: '2026-W47',
    to: '2026-11-23T00:00:00+08:00',
    lines: [
      ['o-1', 'A00001', '2026-11-19T10:00:00+08:00', 'p-egg', '鸡蛋', 1, 1290, 0.08, 103],
      ['o-1', 'A00001', '2026-11-19T10:00:00+08:00', 'p-rice', '大米', 2, 5990, 0.1, 599],
    ],
    bonuses: [],
    adjustments: [],
    salesFen: 7280,
    commissionFen: 702,
    bonusFen: 0,
    adjustmentFen: 0,
    totalFen: 702,
  }),
  item({
    period: '2026-W48',
    from: '2026-11-23T00:00:00+08:00',
    to: '2026-11-30T00:00:00+08:00',
    lines: [
      ['o-2', 'A00002', '2026-11-24T18:30:00+08:00', 'p-egg', '鸡蛋', 3, 3875, 0.08, 310],
      ['o-2', 'A00002', '2026-11-24T18:30:00+08:00', 'p-oil', '食用油', 100, 1150000, 0.05, 57500],
      ['o-3', 'A00003', '2026-11-29T23:59:59+08:00', 'p-veg', '青菜', 1, 455, 0.1, 46],
    ],
    bonuses: [{ kind: 'tier', amountFen: 11505, note: '+1 rate point(s) on ¥11,504.55 picked-up sales (tier from ¥10,000.00)' }, { kind: 'newLeader', amountFen: 10000, note: 'new leader award: 2 picked-up orders in the first full week 2026-W48 (from 2)' }],
    adjustments: [refund('o-2', 'A00002', '2026-11-25T09:00:00+08:00', -310, 'refund of order A00002'), refund('o-1', 'A00001', '2026-11-26T12:00:00+08:00', -702, 'refund after settlement of order A00001')],
    salesFen: 1154330,
    commissionFen: 57856,
    bonusFen: 21505,
    adjustmentFen: -1012,
    totalFen: 78349,
  }),
  item({
    period: '2026-W49',
    from: '2026-11-30T00:00:00+08:00',
    to: '2026-12-07T00:00:00+08:00',
    lines: [
      ['o-4', 'A00004', '2026-11-30T00:00:00+08:00', 'p-veg', '青菜', 1, 300, 0.1, 30],
      ['o-4', 'A00004', '2026-11-30T00:00:00+08:00', 'p-veg', '青菜', 2, 910, 0.1, 91],
      ['o-5', 'A00005', '2026-11-30T00:00:00+08:00', 'p-apple', '苹果', 4, 2385, 0.125, 298],
    ],
    bonuses: [],
    adjustments: [],
    salesFen: 3595,
    commissionFen: 419,
    bonusFen: 0,
    adjustmentFen: 0,
    totalFen: 419,
  }),
];

const DAILY = [
  item({
    period: '2026-11-19',
    to: '2026-11-20T00:00:00+08:00',
    lines: [
      ['o-1', 'A00001', '2026-11-19T10:00:00+08:00', 'p-egg', '鸡蛋', 1, 1290, 0.08, 103],
      ['o-1', 'A00001', '2026-11-19T10:00:00+08:00', 'p-rice', '大米', 2, 5990, 0.1, 599],
    ],
    bonuses: [],
    adjustments: [],
    salesFen: 7280,
    commissionFen: 702,
    bonusFen: 0,
    adjustmentFen: 0,
    totalFen: 702,
  }),
  item({
    period: '2026-11-24',
    from: '2026-11-20T00:00:00+08:00',
    to: '2026-11-25T00:00:00+08:00',
    lines: [
      ['o-2', 'A00002', '2026-11-24T18:30:00+08:00', 'p-egg', '鸡蛋', 3, 3875, 0.08, 310],
      ['o-2', 'A00002', '2026-11-24T18:30:00+08:00', 'p-oil', '食用油', 100, 1150000, 0.05, 57500],
    ],
    bonuses: [{ kind: 'tier', amountFen: 11539, note: '+1 rate point(s) on ¥11,538.75 picked-up sales (tier from ¥10,000.00)' }],
    adjustments: [],
    salesFen: 1153875,
    commissionFen: 57810,
    bonusFen: 11539,
    adjustmentFen: 0,
    totalFen: 69349,
  }),
  item({
    period: '2026-11-25',
    from: '2026-11-25T00:00:00+08:00',
    to: '2026-11-26T00:00:00+08:00',
    lines: [

    ],
    bonuses: [],
    adjustments: [refund('o-2', 'A00002', '2026-11-25T09:00:00+08:00', -310, 'refund after settlement of order A00002')],
    salesFen: 0,
    commissionFen: 0,
    bonusFen: 0,
    adjustmentFen: -310,
    totalFen: -310,
  }),
  item({
    period: '2026-11-26',
    from: '2026-11-26T00:00:00+08:00',
    to: '2026-11-27T00:00:00+08:00',
    lines: [

    ],
    bonuses: [],
    adjustments: [refund('o-1', 'A00001', '2026-11-26T12:00:00+08:00', -702, 'refund after settlement of order A00001')],
    salesFen: 0,
    commissionFen: 0,
    bonusFen: 0,
    adjustmentFen: -702,
    totalFen: -702,
  }),
  item({
    period: '2026-11-29',
    from: '2026-11-27T00:00:00+08:00',
    to: '2026-11-30T00:00:00+08:00',
    lines: [
      ['o-3', 'A00003', '2026-11-29T23:59:59+08:00', 'p-veg', '青菜', 1, 455, 0.1, 46],
    ],
    bonuses: [{ kind: 'newLeader', amountFen: 10000, note: 'new leader award: 2 picked-up orders in the first full week 2026-W48 (from 2)' }],
    adjustments: [],
    salesFen: 455,
    commissionFen: 46,
    bonusFen: 10000,
    adjustmentFen: 0,
    totalFen: 10046,
  }),
  item({
    period: '2026-11-30',
    from: '2026-11-30T00:00:00+08:00',
    to: '2026-12-01T00:00:00+08:00',
    lines: [
      ['o-4', 'A00004', '2026-11-30T00:00:00+08:00', 'p-veg', '青菜', 1, 300, 0.1, 30],
      ['o-4', 'A00004', '2026-11-30T00:00:00+08:00', 'p-veg', '青菜', 2, 910, 0.1, 91],
      ['o-5', 'A00005', '2026-11-30T00:00:00+08:00', 'p-apple', '苹果', 4, 2385, 0.125, 298],
    ],
    bonuses: [],
    adjustments: [],
    salesFen: 3595,
    commissionFen: 419,
    bonusFen: 0,
    adjustmentFen: 0,
    totalFen: 419,
  }),
];

describe('stored statements', () => {
  it('weekly: the same items as before the plan moved to the domain', () => {
    expect(storedStatements('weekly', '2026-12-07T00:00:00+08:00')).toEqual(WEEKLY);
  });

  it('T+1: the same items as before the plan moved to the domain', () => {
    expect(storedStatements('t+1', '2026-12-01T00:00:00+08:00')).toEqual(DAILY);
  });
});

