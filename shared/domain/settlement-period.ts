/**
 * Settlement periods (DESIGN.md §7). A merchant settles either weekly — ISO weeks, id
 * `2026-W48`, settled the Monday after at `settleHour` — or T+1 — calendar days, id
 * `2026-11-26`, settled the next day at `settleHour`. Every boundary is Asia/Shanghai
 * midnight, whatever the process time zone; times go in as epoch ms or ISO 8601 with an
 * offset, and come out as ISO 8601 with the +08:00 offset (API.md).
 */
import dayjs from 'dayjs';
import isoWeek from 'dayjs/plugin/isoWeek.js';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import { BUSINESS_TZ, bizDate } from './time.ts';
import { AppError } from './errors.ts';
import { remember } from './remember.ts';

dayjs.extend(utc);
dayjs.extend(timezone);
dayjs.extend(isoWeek);

export type PeriodKind = 'weekly' | 't+1';
export const PERIOD_KINDS: readonly PeriodKind[] = ['weekly', 't+1'];

/** An instant: epoch milliseconds, or an ISO 8601 string that carries `Z` or an offset. */
export type Instant = number | string;


const WEEK_ID = /^(\d{4})-W(\d{2})$/;
const DAY_ID = /^\d{4}-\d{2}-\d{2}$/;
const MONTH_ID = /^(\d{4})-(\d{2})$/;
const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;
const ISO_OUT = 'YYYY-MM-DDTHH:mm:ssZ';

/** Epoch ms of an instant; a string without an explicit offset would depend on the process TZ, so it is refused. */
export function toMillis(t: Instant, what = 'time'): number {
  const ms = typeof t === 'number' ? t : HAS_OFFSET.test(t.trim()) ? Date.parse(t) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new AppError('VALIDATION_FAILED', `${what} must be epoch ms or ISO 8601 with an offset`, { [what]: t });
  }
  return ms;
}

/** The Shanghai calendar date (`YYYY-MM-DD`) of an instant. */
export function businessDateOf(t: Instant): string {
  return bizDate(toMillis(t));
}

/** ISO 8601 with the +08:00 offset for Shanghai wall time `HH:00` on a civil date. */
function shanghaiIso(civilDate: string, hour = 0): string {
  return dayjs.tz(`${civilDate}T${String(hour).padStart(2, '0')}:00:00`, BUSINESS_TZ).format(ISO_OUT);
}

/** ISO week id of a civil date; the calendar maths runs in UTC mode so no zone can shift it. */
function weekIdOfDate(civilDate: string): string {
  const d = dayjs.utc(civilDate);
  return `${d.isoWeekYear()}-W${String(d.isoWeek()).padStart(2, '0')}`;
}

function addDays(civilDate: string, days: number): string {
  return dayjs.utc(civilDate).add(days, 'day').format('YYYY-MM-DD');
}

function badPeriod(periodId: string, expected: string): AppError {
  return new AppError('VALIDATION_FAILED', `period must be ${expected}`, { period: periodId });
}

/** The Monday (civil date) that starts an ISO week id; refuses week numbers the year lacks (W53 of a 52-week year). */
function mondayOfWeek(periodId: string): string {
  const m = WEEK_ID.exec(periodId);
  if (!m) throw badPeriod(periodId, 'an ISO week such as 2026-W48');
  const jan4 = dayjs.utc(`${m[1]}-01-04`); // 4 January always lies in ISO week 1
  const monday = jan4.subtract(jan4.isoWeekday() - 1, 'day').add((Number(m[2]) - 1) * 7, 'day');
  const date = monday.format('YYYY-MM-DD');
  if (weekIdOfDate(date) !== periodId) throw badPeriod(periodId, 'an existing ISO week');
  return date;
}

function checkDay(periodId: string): string {
  if (!DAY_ID.test(periodId) || dayjs.utc(periodId).format('YYYY-MM-DD') !== periodId) {
    throw badPeriod(periodId, 'a date such as 2026-11-26');
  }
  return periodId;
}

/** The first civil date of a period and its length in days, checking the id fits the kind. */
function spanOf(kind: PeriodKind, periodId: string): { first: string; days: number } {
  return kind === 'weekly' ? { first: mondayOfWeek(periodId), days: 7 } : { first: checkDay(periodId), days: 1 };
}

/** Which kind a period id is (`2026-W48` weekly, `2026-11-26` T+1); VALIDATION_FAILED if neither. */
export function kindOfPeriod(periodId: string): PeriodKind {
  if (WEEK_ID.test(periodId)) {
    mondayOfWeek(periodId);
    return 'weekly';
  }
  checkDay(periodId);
  return 't+1';
}

// A settle run looks up the period of every ledger entry. Periods start at Shanghai midnight, a
// whole UTC hour, so every instant of one UTC hour shares its period: the look-ups are memoised
// per hour and per period id (~30 µs a call computed, ~0.5 µs memoised).
const HOUR_MS = 3_600_000;
const MAX_CACHED = 50_000;
const periodCache = new Map<string, string>();
const windowCache = new Map<string, PeriodWindow>();

/** The period a pickup at `t` belongs to (its Shanghai date or ISO week). */
export function periodOf(kind: PeriodKind, t: Instant): string {
  const hour = Math.floor(toMillis(t) / HOUR_MS);
  return remember(periodCache, `${kind}|${hour}`, () => {
    const date = businessDateOf(hour * HOUR_MS);
    return kind === 'weekly' ? weekIdOfDate(date) : date;
  }, MAX_CACHED);
}

/** A period's Shanghai boundaries, `start` inclusive and `end` exclusive, also in epoch ms. */
export interface PeriodWindow {
  readonly start: string;
  readonly end: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** Shanghai boundaries of a period with their epoch ms (memoised; VALIDATION_FAILED for a bad id). */
export function periodWindow(kind: PeriodKind, periodId: string): PeriodWindow {
  return remember(windowCache, `${kind}|${periodId}`, () => {
    const { first, days } = spanOf(kind, periodId);
    const start = shanghaiIso(first);
    const end = shanghaiIso(addDays(first, days));
    return Object.freeze({ start, end, startMs: toMillis(start), endMs: toMillis(end) });
  }, MAX_CACHED);
}

/** Shanghai boundaries of a period: `start` inclusive, `end` exclusive. */
export function periodRange(kind: PeriodKind, periodId: string): { start: string; end: string } {
  const { start, end } = periodWindow(kind, periodId);
  return { start, end };
}

function checkSettleHour(settleHour: number): number {
  if (!Number.isInteger(settleHour) || settleHour < 0 || settleHour > 23) {
    throw new RangeError(`settleHour must be an integer 0–23, got ${String(settleHour)}`);
  }
  return settleHour;
}

/** When a period is settled: `settleHour` o'clock (the setting `settlement.settleHour`) of the day after it ends. */
export function settleAt(kind: PeriodKind, periodId: string, settleHour: number): string {
  const { first, days } = spanOf(kind, periodId);
  return shanghaiIso(addDays(first, days), checkSettleHour(settleHour));
}

/** The period after `periodId`. */
export function nextPeriod(kind: PeriodKind, periodId: string): string {
  const { first, days } = spanOf(kind, periodId);
  const date = addDays(first, days);
  return kind === 'weekly' ? weekIdOfDate(date) : date;
}

/** The period before `periodId`. */
export function previousPeriod(kind: PeriodKind, periodId: string): string {
  const { first, days } = spanOf(kind, periodId);
  const date = addDays(first, -days);
  return kind === 'weekly' ? weekIdOfDate(date) : date;
}

/**
 * Every period from `fromPeriodId` on whose settle time has come by `now`, oldest first: what
 * a settle run must (still) settle, so a missed trigger is caught up on the next run.
 */
export function duePeriods(kind: PeriodKind, now: Instant, fromPeriodId: string, settleHour: number): string[] {
  const nowMs = toMillis(now, 'now');
  const due: string[] = [];
  for (let p = fromPeriodId; toMillis(settleAt(kind, p, settleHour)) <= nowMs; p = nextPeriod(kind, p)) {
    due.push(p);
  }
  return due;
}

/**
 * The `count` ISO weeks that ended last before `now` (the week in progress excluded), oldest
 * first: the window of the monthly leader review.
 */
export function recentWeeks(now: Instant, count: number): string[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${String(count)}`);
  const weeks: string[] = [];
  let week = periodOf('weekly', now);
  for (let i = 0; i < count; i += 1) {
    week = previousPeriod('weekly', week);
    weeks.unshift(week);
  }
  return weeks;
}

/** The Shanghai month (`YYYY-MM`) of an instant. */
export function monthOf(t: Instant): string {
  return businessDateOf(t).slice(0, 7);
}

function firstDayOfMonth(month: string): string {
  const m = MONTH_ID.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) {
    throw new AppError('VALIDATION_FAILED', 'month must be YYYY-MM', { month });
  }
  return `${month}-01`;
}

/** The month before `month` (`2027-01` → `2026-12`). */
export function previousMonth(month: string): string {
  return dayjs.utc(firstDayOfMonth(month)).subtract(1, 'month').format('YYYY-MM');
}

/** Shanghai boundaries of a month: `start` inclusive, `end` exclusive (the ranking window). */
export function monthRange(month: string): { start: string; end: string } {
  const first = firstDayOfMonth(month);
  return { start: shanghaiIso(first), end: shanghaiIso(dayjs.utc(first).add(1, 'month').format('YYYY-MM-DD')) };
}
