import type { SettlementSettings } from '#domain/commission';
import { firstFullWeek, rankingAwards, rankLeaders, type LeaderSales, type RankingAward } from '#domain/leader-awards';
import { reviewLeader, type LeaderStatus } from '#domain/leader-review';
import { monthlyRatings } from './review-ratings.ts';
import { businessDateOf, monthOf, monthRange, periodWindow, previousMonth, recentWeeks, toMillis } from '#domain/settlement-period';
import { entriesIn, netSalesFen, pickedUpOrders } from '#domain/settlement-plan';
import { toBizIso } from '#domain/time';
import { ConditionFailed, queryAll, type Item } from '#ports/item-store';
import { logger } from '#platform/logger';
import { setLeaderStatus } from '../admin/commands.ts';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { entryFromItem, type LeaderRecord } from './leaders.ts';
import { settleKeys } from './keys.ts';
import { forEachLimit } from '../concurrency.ts';

/**
 * The monthly part of the settle job, run on the 1st (or caught up in the first
 * `MONTHLY_CATCH_UP_DAYS` days when the 1st was missed), once per month:
 * 1. per leader, read the past month and the review window (one range query);
 * 2. the elimination review (settings `review.*`): active → warned, warned → suspended, through
 *    `setLeaderStatus` so the role binding changes too; each decision is recorded per leader
 *    and month (`REVIEW#<month>`) and applied once, even when the run is repeated or resumed;
 * 3. the ranking by the month's picked-up sales and its awards (setting `rankingAwards`),
 *    stored in `JOB#settle / MONTH#<month>`; the award is paid in the statement whose window
 *    holds the month's end (run.ts), so it is counted exactly once.
 */
export const MONTHLY_CATCH_UP_DAYS = 7;
/** Ranked leaders kept for `settle.ranking` (an item must stay small). */
export const RANKING_KEPT = 200;
const CHANGES_KEPT = 500;

export interface ReviewChange {
  leaderId: string;
  from: LeaderStatus;
  to: 'warned' | 'suspended';
  reason: string;
}

export interface MonthlyResult {
  month: string;
  /** True when an earlier run had done it. */
  alreadyDone: boolean;
  awards: RankingAward[];
  changes: number;
}

/** The month whose review may be due at `now`: the past one, in the first MONTHLY_CATCH_UP_DAYS days of a month. */
export function reviewMonthAt(now: number): string | undefined {
  return Number(businessDateOf(now).slice(8, 10)) > MONTHLY_CATCH_UP_DAYS ? undefined : previousMonth(monthOf(now));
}

export async function runMonthlyReview(deps: Deps, settings: SettlementSettings, leaders: readonly LeaderRecord[], now: number): Promise<MonthlyResult | undefined> {
  const month = reviewMonthAt(now);
  if (!month) return undefined;
  const done = await deps.store.get(settleKeys.month(month));
  if (done) return { month, alreadyDone: true, awards: (done.awards as RankingAward[]) ?? [], changes: Number(done.changeCount ?? 0) };

  const weeks = recentWeeks(now, settings.review.weeks);
  const monthSpan = monthRange(month);
  const from = earliest(monthSpan.start, periodWindow('weekly', weeks[0]!).start);
  const to = latest(monthSpan.end, periodWindow('weekly', weeks.at(-1)!).end);
  const sales: LeaderSales[] = [];
  const changes: ReviewChange[] = [];
  await forEachLimit(leaders, 16, async (leader) => {
    const items = await queryAll(deps.store, settleKeys.entriesBetween(leader.id, from, to));
    const entries = items.map(entryFromItem);
    sales.push({ leaderId: leader.id, salesFen: netSalesFen(entriesIn(entries, monthSpan.start, monthSpan.end)) });
    const firstWeekStart = leader.createdAt ? periodWindow('weekly', firstFullWeek(leader.createdAt)).startMs : -Infinity;
    // Weeks before the leader's first full week are no history: a new leader cannot fail on orders yet.
    const weeklyOrders = weeks
      .filter((w) => periodWindow('weekly', w).startMs >= firstWeekStart)
      .map((w) => {
        const { start, end } = periodWindow('weekly', w);
        return pickedUpOrders(entriesIn(entries, start, end));
      });
    const complaints = Number((await deps.store.get(settleKeys.complaints(leader.id, month)))?.count ?? 0);
    const ratings = await monthlyRatings(deps, leader.communityId, monthSpan); // low-rating share (issue 17 item 8)
    const decision = reviewLeader(settings, { status: leader.status, weeklyOrders, monthlyComplaints: complaints, monthlyRatings: ratings });
    if (!decision) return;
    try {
      const change = await applyReview(deps, month, { leaderId: leader.id, from: leader.status, to: decision.next, reason: decision.reason });
      if (change) changes.push(change);
    } catch (e) {
      logger.error('review not applied', { leaderId: leader.id, error: e instanceof Error ? e.message : String(e) });
    }
  });

  const awards = rankingAwards(settings, sales);
  const names = new Map(leaders.map((l) => [l.id, l]));
  const ranking = rankLeaders(sales.filter((s) => s.salesFen > 0))
    .slice(0, RANKING_KEPT)
    .map((r) => ({ ...r, name: names.get(r.leaderId)?.name ?? '', communityId: names.get(r.leaderId)?.communityId ?? '', awardFen: awards.find((a) => a.leaderId === r.leaderId)?.amountFen ?? 0 }));
  const record = {
    ...settleKeys.month(month),
    month,
    computedAt: toBizIso(deps.clock.now()),
    leaders: leaders.length,
    ranking,
    awards,
    changes: changes.slice(0, CHANGES_KEPT),
    changeCount: changes.length,
  };
  try {
    await deps.store.write({ type: 'put', item: record, when: [{ op: 'notExists' }] });
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    // A concurrent run stored it first: its awards are the ones paid.
    const stored = (await deps.store.get(settleKeys.month(month)))!;
    return { month, alreadyDone: true, awards: (stored.awards as RankingAward[]) ?? [], changes: Number(stored.changeCount ?? 0) };
  }
  logger.info('monthly review done', { month, awards: awards.length, changes: changes.length });
  return { month, alreadyDone: false, awards, changes: changes.length };
}

const earliest = (a: string, b: string) => (toMillis(a) <= toMillis(b) ? a : b);
const latest = (a: string, b: string) => (toMillis(a) >= toMillis(b) ? a : b);

/**
 * Applies one review decision exactly once: the decision is recorded first (notExists), then
 * the status set, then the record marked applied. A repeated run finds the record; one that
 * stopped halfway finishes it while the leader is still in the status it was judged in (a
 * staff restore meanwhile wins).
 */
async function applyReview(deps: Deps, month: string, change: ReviewChange): Promise<ReviewChange | undefined> {
  const key = settleKeys.review(change.leaderId, month);
  let record: Item | undefined;
  try {
    await deps.store.write({ type: 'put', item: { ...key, ...change, month, applied: false, at: toBizIso(deps.clock.now()) }, when: [{ op: 'notExists' }] });
    record = { ...key, ...change };
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    record = await deps.store.get(key);
    if (!record || record.applied) return undefined;
  }
  const leader = await deps.store.get(keys.leader(change.leaderId));
  if (leader?.status === record.from) {
    await setLeaderStatus(deps, change.leaderId, record.to as ReviewChange['to'], String(record.reason), 'review');
  }
  await deps.store.write({ type: 'update', key, update: { set: { applied: true } } });
  return { leaderId: change.leaderId, from: record.from as LeaderStatus, to: record.to as ReviewChange['to'], reason: String(record.reason) };
}

/** The stored ranking of a month (`settle.ranking`), or undefined before the month is ranked. */
export async function storedRanking(deps: Deps, month: string) {
  const item = await deps.store.get(settleKeys.month(month));
  if (!item) return undefined;
  return {
    month,
    computedAt: item.computedAt as string,
    ranking: item.ranking as { rank: number; leaderId: string; name: string; communityId: string; salesFen: number; awardFen: number }[],
    awards: item.awards as RankingAward[],
    reviewChanges: item.changes as ReviewChange[],
    reviewChangeCount: Number(item.changeCount ?? 0),
  };
}
