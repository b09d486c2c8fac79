/**
 * Leader awards (DESIGN.md §7): the new-leader award and the referral award, both decided on
 * the leader's first full ISO week, and the monthly ranking award. Amounts and thresholds are
 * the merchant settings `newLeaderAward`, `referralAward` and `rankingAwards`.
 */
import type { SettlementSettings, StatementBonus } from './commission.ts';
import { assertFen } from './money.ts';
import { nextPeriod, periodOf, periodWindow, toMillis, type Instant } from './settlement-period.ts';

function assertCount(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${String(n)}`);
  return n;
}

/**
 * The ISO week (`2026-W49`) that is a leader's first full week: the week of `createdAt` when
 * the leader was created exactly at its Monday 00:00 Shanghai, otherwise the week after.
 */
export function firstFullWeek(createdAt: Instant): string {
  const week = periodOf('weekly', createdAt);
  return periodWindow('weekly', week).startMs === toMillis(createdAt) ? week : nextPeriod('weekly', week);
}

/**
 * New-leader award (setting `newLeaderAward`, default ¥100 from 20 orders): due when the
 * leader's first full week has at least `minOrders` picked-up orders; null otherwise.
 */
export function newLeaderAward(
  settings: Pick<SettlementSettings, 'newLeaderAward'>,
  input: { firstFullWeekOrders: number; week?: string },
): StatementBonus | null {
  const { amountFen, minOrders } = settings.newLeaderAward;
  if (assertCount(input.firstFullWeekOrders, 'firstFullWeekOrders') < minOrders || amountFen === 0) return null;
  return {
    kind: 'newLeader',
    amountFen,
    note: `new leader award: ${input.firstFullWeekOrders} picked-up orders in the first full week${input.week ? ` ${input.week}` : ''} (from ${minOrders})`,
  };
}

/**
 * Referral award (setting `referralAward`, default ¥50 from 20 orders), for the referring
 * leader's statement: due when the referred leader's first full week has at least `minOrders`
 * picked-up orders; null otherwise.
 */
export function referralAward(
  settings: Pick<SettlementSettings, 'referralAward'>,
  input: { referredLeaderId: string; firstFullWeekOrders: number; week?: string },
): StatementBonus | null {
  const { amountFen, minOrders } = settings.referralAward;
  if (assertCount(input.firstFullWeekOrders, 'firstFullWeekOrders') < minOrders || amountFen === 0) return null;
  return {
    kind: 'referral',
    amountFen,
    note: `referral award: leader ${input.referredLeaderId} completed a first full week${input.week ? ` ${input.week}` : ''} with ${input.firstFullWeekOrders} picked-up orders`,
  };
}

export interface LeaderSales {
  leaderId: string;
  salesFen: number;
}

export interface RankedLeader extends LeaderSales {
  rank: number;
}

export interface RankingAward extends RankedLeader {
  amountFen: number;
}

/**
 * Every leader ranked by picked-up sales, highest first; ties broken by leaderId (ascending,
 * by code unit) so the ranking is the same on every run. Ranks are 1, 2, 3, ... without gaps.
 */
export function rankLeaders(sales: readonly LeaderSales[]): RankedLeader[] {
  const seen = new Set<string>();
  sales.forEach((s, i) => {
    assertFen(s.salesFen, `sales[${i}].salesFen`);
    if (seen.has(s.leaderId)) throw new RangeError(`leader ${s.leaderId} appears twice in the ranking input`);
    seen.add(s.leaderId);
  });
  return [...sales]
    .sort((a, b) => b.salesFen - a.salesFen || (a.leaderId < b.leaderId ? -1 : a.leaderId > b.leaderId ? 1 : 0))
    .map((s, i) => ({ leaderId: s.leaderId, salesFen: s.salesFen, rank: i + 1 }));
}

/**
 * Monthly ranking awards (setting `rankingAwards`, default ¥300 / ¥200 / ¥100 for ranks 1–3)
 * by the past month's picked-up sales. A leader without sales wins nothing, and a rank whose
 * award is 0 is left out.
 */
export function rankingAwards(settings: Pick<SettlementSettings, 'rankingAwards'>, sales: readonly LeaderSales[]): RankingAward[] {
  return rankLeaders(sales)
    .filter((r) => r.salesFen > 0 && r.rank <= settings.rankingAwards.length)
    .map((r) => ({ ...r, amountFen: settings.rankingAwards[r.rank - 1]! }))
    .filter((r) => r.amountFen > 0);
}

/** A ranking award as a statement bonus, e.g. for the statement settled on the 1st. */
export function rankingBonus(award: RankingAward, month: string): StatementBonus {
  return { kind: 'ranking', amountFen: award.amountFen, note: `ranking award: No. ${award.rank} of ${month} by picked-up sales` };
}
