import { describe, expect, it } from 'vitest';
import { defaultSettlementSettings, parseSettlementSettings } from './commission.ts';
import { reviewLeader } from './leader-review.ts';

// defaults: under 10 orders a week for 4 weeks in a row, or more than 5 complaints a month
const settings = defaultSettlementSettings();

describe('reviewLeader', () => {
  it('warns an active leader with 4 weak weeks in a row, giving the reason', () => {
    const decision = reviewLeader(settings, { status: 'active', weeklyOrders: [30, 9, 3, 0, 9], monthlyComplaints: 0 });
    expect(decision).toEqual({ next: 'warned', reason: expect.stringContaining('9, 3, 0, 9'), failed: ['lowOrders'] });
  });

  it('passes when any of the last 4 weeks reached the minimum', () => {
    expect(reviewLeader(settings, { status: 'active', weeklyOrders: [9, 9, 10, 9], monthlyComplaints: 0 })).toBeNull();
    expect(reviewLeader(settings, { status: 'active', weeklyOrders: [9, 9, 9, 10], monthlyComplaints: 0 })).toBeNull();
    expect(reviewLeader(settings, { status: 'active', weeklyOrders: [10, 9, 9, 9], monthlyComplaints: 0 })).toBeNull();
  });

  it('does not judge orders on fewer weeks than the window (a new leader)', () => {
    expect(reviewLeader(settings, { status: 'active', weeklyOrders: [0, 0, 0], monthlyComplaints: 0 })).toBeNull();
  });

  it('fails on more than the allowed complaints, not on exactly that many', () => {
    expect(reviewLeader(settings, { status: 'active', weeklyOrders: [50, 50, 50, 50], monthlyComplaints: 5 })).toBeNull();
    expect(reviewLeader(settings, { status: 'active', weeklyOrders: [50, 50, 50, 50], monthlyComplaints: 6 })).toEqual({
      next: 'warned',
      reason: expect.stringContaining('6 after-sales complaints'),
      failed: ['complaints'],
    });
  });

  it('fails on a share of low ratings above maxLowRatingShare once there are minRatings ratings', () => {
    const ok = { status: 'active' as const, weeklyOrders: [50, 50, 50, 50], monthlyComplaints: 0 };
    // 3 of 10 low is exactly 30%: passes; 4 of 10 fails.
    expect(reviewLeader(settings, { ...ok, monthlyRatings: { total: 10, low: 3 } })).toBeNull();
    expect(reviewLeader(settings, { ...ok, monthlyRatings: { total: 10, low: 4 } })).toEqual({
      next: 'warned',
      reason: expect.stringContaining('4 of 10 ratings'),
      failed: ['lowRatings'],
    });
    // Fewer than minRatings (5) ratings say too little, even all low.
    expect(reviewLeader(settings, { ...ok, monthlyRatings: { total: 4, low: 4 } })).toBeNull();
    expect(reviewLeader(settings, { ...ok, monthlyRatings: { total: 0, low: 0 } })).toBeNull();
    expect(() => reviewLeader(settings, { ...ok, monthlyRatings: { total: 2, low: 3 } })).toThrow(RangeError);
    const strict = parseSettlementSettings({ review: { maxLowRatingShare: 0.1, minRatings: 2 } });
    expect(reviewLeader(strict, { ...ok, monthlyRatings: { total: 2, low: 1 } })?.failed).toEqual(['lowRatings']);
  });

  it('names both rules when both fail', () => {
    const decision = reviewLeader(settings, { status: 'active', weeklyOrders: [1, 1, 1, 1], monthlyComplaints: 9 });
    expect(decision?.failed).toEqual(['lowOrders', 'complaints']);
    expect(decision?.reason).toMatch(/orders.*; .*complaints/);
  });

  it('suspends a warned leader who still fails, and keeps a warned leader who passes warned', () => {
    expect(reviewLeader(settings, { status: 'warned', weeklyOrders: [1, 2, 3, 4], monthlyComplaints: 0 })).toMatchObject({
      next: 'suspended',
      reason: expect.stringContaining('still failing after a warning'),
    });
    expect(reviewLeader(settings, { status: 'warned', weeklyOrders: [20, 20, 20, 20], monthlyComplaints: 0 })).toBeNull();
  });

  it('leaves suspended and removed leaders to staff', () => {
    expect(reviewLeader(settings, { status: 'suspended', weeklyOrders: [0, 0, 0, 0], monthlyComplaints: 99 })).toBeNull();
    expect(reviewLeader(settings, { status: 'removed', weeklyOrders: [0, 0, 0, 0], monthlyComplaints: 99 })).toBeNull();
  });

  it('follows the merchant review settings', () => {
    const custom = parseSettlementSettings({ review: { minWeeklyOrders: 5, weeks: 2, maxMonthlyComplaints: 0 } });
    expect(reviewLeader(custom, { status: 'active', weeklyOrders: [0, 0, 4, 4], monthlyComplaints: 0 })?.next).toBe('warned');
    expect(reviewLeader(custom, { status: 'active', weeklyOrders: [0, 0, 5, 4], monthlyComplaints: 0 })).toBeNull();
    expect(reviewLeader(custom, { status: 'active', weeklyOrders: [9, 9], monthlyComplaints: 1 })?.failed).toEqual(['complaints']);
  });

  it('refuses bad counts', () => {
    expect(() => reviewLeader(settings, { status: 'active', weeklyOrders: [1, -1], monthlyComplaints: 0 })).toThrow(RangeError);
    expect(() => reviewLeader(settings, { status: 'active', weeklyOrders: [], monthlyComplaints: 0.5 })).toThrow(RangeError);
  });
});
