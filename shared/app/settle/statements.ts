import type { Statement, StatementLine } from '#domain/commission';
import { toCsv } from '#domain/csv';
import { formatYuan } from '#domain/money';
import { toMillis } from '#domain/settlement-period';
import { queryAll, type Item, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { settleKeys } from './keys.ts';

/**
 * Statements as stored (L#<leaderId> / STMT#<period>): immutable, written once with
 * `notExists` in the settlement transaction. A busy leader's week may hold thousands of
 * lines, more than one item can (400 KB on DynamoDB), so lines beyond `LINES_PER_ITEM` go to
 * part items written in the same transaction.
 */
export const LINES_PER_ITEM = 800;

export interface StatementMeta {
  leaderName?: string;
  communityId?: string;
  /** What the statement covers: [from, to); `from` absent for a leader's first statement. */
  from?: string;
  to: string;
  settledAt: string;
}

/** The statement item and its line parts, for the settlement transaction. */
export function statementWriteOps(statement: Statement, meta: StatementMeta): WriteOp[] {
  const chunks: StatementLine[][] = [];
  for (let i = 0; i < statement.lines.length; i += LINES_PER_ITEM) chunks.push(statement.lines.slice(i, i + LINES_PER_ITEM));
  const [first = [], ...rest] = chunks;
  const ops: WriteOp[] = [
    {
      type: 'put',
      item: {
        ...keys.leaderStatement(statement.leaderId, statement.period),
        ...settleKeys.statementIndex(statement.period, statement.leaderId),
        ...statement,
        ...meta,
        lines: first,
        lineCount: statement.lines.length,
        lineParts: rest.length,
      },
      when: [{ op: 'notExists' }],
    },
  ];
  rest.forEach((lines, i) =>
    ops.push({ type: 'put', item: { ...settleKeys.statementPart(statement.leaderId, statement.period, i + 1), lines }, when: [{ op: 'notExists' }] }),
  );
  return ops;
}

/** A statement item with the lines of its parts put back. */
async function withAllLines(deps: Deps, item: Item): Promise<Item> {
  const parts = Number(item.lineParts ?? 0);
  if (!parts) return item;
  const partKeys = Array.from({ length: parts }, (_, i) => settleKeys.statementPart(String(item.leaderId), String(item.period), i + 1));
  const found = await deps.store.getMany(partKeys);
  found.sort((a, b) => (a.sk < b.sk ? -1 : 1));
  return { ...item, lines: [...(item.lines as StatementLine[]), ...found.flatMap((p) => p.lines as StatementLine[])] };
}

/** The API shape (API.md `settle.statements`): `{ period, lines, bonuses, adjustments, totalFen }` and the sums. */
export function statementView(item: Item) {
  return {
    leaderId: item.leaderId as string,
    period: item.period as string,
    ...(item.from ? { from: item.from as string } : {}),
    to: item.to as string,
    lines: item.lines as StatementLine[],
    lineCount: Number(item.lineCount ?? (item.lines as unknown[]).length),
    bonuses: item.bonuses as Statement['bonuses'],
    adjustments: item.adjustments as Statement['adjustments'],
    salesFen: Number(item.salesFen),
    commissionFen: Number(item.commissionFen),
    bonusFen: Number(item.bonusFen),
    adjustmentFen: Number(item.adjustmentFen),
    totalFen: Number(item.totalFen),
    settledAt: item.settledAt as string,
  };
}

export type StatementView = ReturnType<typeof statementView>;

/** Newest first by what they cover (a merchant who switched weekly ↔ T+1 has both kinds of ids). */
const newestFirst = (a: Item, b: Item) => toMillis(String(b.to)) - toMillis(String(a.to));

/** A leader's statements, newest first; one period's when `period` is given. */
export async function leaderStatements(deps: Deps, leaderId: string, options: { period?: string; limit: number }): Promise<StatementView[]> {
  if (options.period) {
    const item = await deps.store.get(keys.leaderStatement(leaderId, options.period));
    return item ? [statementView(await withAllLines(deps, item))] : [];
  }
  const page = await deps.store.query({ ...settleKeys.statements(leaderId), descending: true, limit: options.limit });
  const items = await Promise.all(page.items.sort(newestFirst).map((i) => withAllLines(deps, i)));
  return items.map(statementView);
}

/** Every leader's statement of a period, a page at a time (by leader id). */
export async function periodStatements(deps: Deps, period: string, options: { cursor?: string; limit: number }) {
  const page = await deps.store.query({ ...settleKeys.statementsOfPeriod(period), cursor: options.cursor, limit: options.limit });
  const items = await Promise.all(page.items.map((i) => withAllLines(deps, i)));
  return {
    items: items.map((i) => ({ ...statementView(i), leaderName: (i.leaderName as string | undefined) ?? '', communityId: (i.communityId as string | undefined) ?? '' })),
    ...(page.cursor ? { nextCursor: page.cursor } : {}),
  };
}

const yuan = (fen: number): number => Number(formatYuan(fen).replace(/[¥,]/g, ''));

/**
 * Every leader's statement of a period as CSV (BOM, for Excel): one row per leader, in yuan
 * (the back office's settlement sheet); the lines stay in the JSON listing, opened per leader.
 */
export async function periodStatementsCsv(deps: Deps, period: string): Promise<string> {
  const items = await queryAll(deps.store, settleKeys.statementsOfPeriod(period));
  return toCsv(
    ['结算周期', '团长ID', '团长', '小区', '订单行数', '提货金额(元)', '佣金(元)', '奖励(元)', '调整(元)', '结算合计(元)', '结算时间'],
    items.map((i) => {
      const s = statementView(i);
      return [
        period,
        s.leaderId,
        String(i.leaderName ?? ''),
        String(i.communityId ?? ''),
        s.lineCount,
        yuan(s.salesFen),
        yuan(s.commissionFen),
        yuan(s.bonusFen),
        yuan(s.adjustmentFen),
        yuan(s.totalFen),
        s.settledAt,
      ];
    }),
  );
}
