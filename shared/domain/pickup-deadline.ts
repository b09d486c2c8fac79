import { addDays, atBizTime, bizDate, toBizIso } from '#domain/time';

/**
 * Pickup deadlines (DESIGN.md §6). The deadline is the setting `pickupClosesAt` (when pickup
 * points close for the evening, default 22:00 Asia/Shanghai) on the N-th business day after the
 * arrival day, N being the merchant's `pickupDays`, or `freshPickupDays` when any line of the
 * order is fresh (生鲜 are not kept longer). Goods that arrive on the 25th with N = 1 must be
 * picked up by the closing time on the 26th. A pickup point with its own opening hours (DESIGN.md
 * §13) closes at its own time and its closed days are not counted.
 */

/** Pickup reminders queued by the nightly overdue run go out from this time, never at night. */
export const REMINDER_SENDS_FROM = '09:00';

export interface PickupSettings {
  pickupDays: number;
  freshPickupDays: number;
}

/** Days an order's goods are kept: the fresh allowance when any line is fresh (never longer than the regular one). */
export function pickupDaysFor(settings: PickupSettings, lines: readonly { fresh: boolean }[]): number {
  return lines.some((l) => l.fresh) ? Math.min(settings.freshPickupDays, settings.pickupDays) : settings.pickupDays;
}

/** A pickup point's opening hours (HH:mm Shanghai) and the weekdays it is closed (0 = Sunday … 6 = Saturday). */
export interface PickupHours {
  opens: string;
  closes: string;
  closedDays?: readonly number[];
}

/** The weekday (0 = Sunday) of a business date YYYY-MM-DD. */
export const weekdayOf = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();

/**
 * The deadline (ISO +08:00) for goods that arrived at `arrivedAt` and are kept `days` days.
 * Without the point's `hours` it is the setting `pickupClosesAt` (`closesAt`) on the `days`-th
 * day after the arrival day; with them, only the days the point is open count and the deadline
 * is its closing time on the last of them. A point closed every day (refused when hours are
 * saved) counts every day.
 */
export function pickupDeadline(arrivedAt: number, days: number, closesAt: string, hours?: PickupHours): string {
  const closed = new Set(hours?.closedDays ?? []);
  const skip = closed.size < 7 ? closed : new Set<number>();
  let day = bizDate(arrivedAt);
  for (let open = 0; open < days; ) {
    day = addDays(day, 1);
    if (!skip.has(weekdayOf(day))) open++;
  }
  return toBizIso(atBizTime(day, hours?.closes ?? closesAt));
}

/**
 * Whether the pickup reminder is due at `now`: from the business day before the deadline's day
 * until the deadline. A job that missed that day still reminds on the deadline's day (a
 * one-day fresh order that arrived in the afternoon is first seen by the overdue run of its
 * deadline's day).
 */
export function reminderDue(deadline: string, now: number): boolean {
  return now < Date.parse(deadline) && bizDate(now) >= addDays(bizDate(deadline), -1);
}

/** When a reminder queued at `now` may be sent: not before REMINDER_SENDS_FROM that day. */
export function reminderSendAt(now: number): number {
  return Math.max(now, atBizTime(bizDate(now), REMINDER_SENDS_FROM));
}

/** The first instant after which every order with a deadline before it has its reminder due at `now`. */
export function reminderHorizon(now: number): string {
  return toBizIso(atBizTime(addDays(bizDate(now), 2), '00:00'));
}
