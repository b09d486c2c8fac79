/**
 * Monthly elimination review of leaders (DESIGN.md §7), run on the 1st. A leader fails when
 * the last `review.weeks` complete weeks all had fewer than `review.minWeeklyOrders`
 * picked-up orders, when the past month had more than `review.maxMonthlyComplaints`
 * approved after-sales complaints, or when more than `review.maxLowRatingShare` of the month's
 * ratings (at least `review.minRatings` of them) were low (1–2 stars). Failing moves active → warned and warned → suspended; nothing moves
 * a leader back automatically (a warned leader who passes stays warned until staff restore).
 */
import type { SettlementSettings } from './commission.ts';

export type LeaderStatus = 'active' | 'warned' | 'suspended' | 'removed';
export type ReviewRule = 'lowOrders' | 'complaints' | 'lowRatings';

export interface ReviewInput {
  status: LeaderStatus;
  /** Picked-up orders per complete ISO week, most recent last. */
  weeklyOrders: readonly number[];
  /** Approved after-sales complaints in the month under review (one per order at most). */
  monthlyComplaints: number;
  /** Ratings of the leader's community in the month: how many, and how many low (1–2 stars). */
  monthlyRatings?: { total: number; low: number };
}

export interface ReviewDecision {
  next: 'warned' | 'suspended';
  /** Why, for staff and the leader (shown by `admin.leaders`). */
  reason: string;
  failed: ReviewRule[];
}

function assertCount(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${String(n)}`);
  return n;
}

/**
 * The status change the review calls for, or null for none. A leader with fewer than
 * `review.weeks` weeks of history cannot fail on orders yet; suspended and removed leaders
 * are left to staff.
 */
export function reviewLeader(settings: Pick<SettlementSettings, 'review'>, input: ReviewInput): ReviewDecision | null {
  const { minWeeklyOrders, weeks, maxMonthlyComplaints, maxLowRatingShare, minRatings } = settings.review;
  input.weeklyOrders.forEach((n, i) => assertCount(n, `weeklyOrders[${i}]`));
  assertCount(input.monthlyComplaints, 'monthlyComplaints');
  if (input.status !== 'active' && input.status !== 'warned') return null;

  const failed: ReviewRule[] = [];
  const reasons: string[] = [];
  const window = input.weeklyOrders.slice(-weeks);
  if (window.length === weeks && window.every((n) => n < minWeeklyOrders)) {
    failed.push('lowOrders');
    reasons.push(`fewer than ${minWeeklyOrders} picked-up orders a week for ${weeks} weeks in a row (${window.join(', ')})`);
  }
  if (input.monthlyComplaints > maxMonthlyComplaints) {
    failed.push('complaints');
    reasons.push(`${input.monthlyComplaints} after-sales complaints in the month (more than ${maxMonthlyComplaints})`);
  }
  const ratings = input.monthlyRatings;
  if (ratings) {
    assertCount(ratings.total, 'monthlyRatings.total');
    assertCount(ratings.low, 'monthlyRatings.low');
    if (ratings.low > ratings.total) throw new RangeError('monthlyRatings.low must not exceed monthlyRatings.total');
  }
  if (ratings && ratings.total >= minRatings && ratings.low / ratings.total > maxLowRatingShare) {
    failed.push('lowRatings');
    reasons.push(`${ratings.low} of ${ratings.total} ratings in the month were 1–2 stars (more than ${Math.round(maxLowRatingShare * 100)}%)`);
  }
  if (failed.length === 0) return null;

  const next = input.status === 'active' ? 'warned' : 'suspended';
  const prefix = next === 'suspended' ? 'still failing after a warning: ' : '';
  return { next, reason: prefix + reasons.join('; '), failed };
}
