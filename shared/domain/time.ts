import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import timezone from 'dayjs/plugin/timezone.js';
import { remembered } from './remember.ts';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The business time zone: every business date and schedule is in Asia/Shanghai, never the process TZ. */
export const BUSINESS_TZ = 'Asia/Shanghai';

/** A dayjs in the business time zone. */
export const bizTime = (t: number | string | Date) => dayjs(t).tz(BUSINESS_TZ);

/**
 * Wall-clock parts in the business zone through one cached Intl formatter: microseconds, where
 * dayjs' zone conversion costs up to a millisecond per call (jobs format thousands of times).
 */
const wallFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: BUSINESS_TZ,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function wall(ms: number): { date: string; time: string; offsetMin: number } {
  const p: Record<string, string> = {};
  for (const part of wallFormat.formatToParts(ms)) p[part.type] = part.value;
  const date = `${p.year}-${p.month}-${p.day}`;
  const time = `${p.hour}:${p.minute}:${p.second}`;
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return { date, time, offsetMin: Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000) };
}

const offsetText = (min: number) => `${min < 0 ? '-' : '+'}${String(Math.floor(Math.abs(min) / 60)).padStart(2, '0')}:${String(Math.abs(min) % 60).padStart(2, '0')}`;

let lastSecond = NaN;
let lastIso = '';

/**
 * ISO 8601 with the +08:00 offset, as the API shows times. dayjs' zone formatting costs up to
 * a millisecond, and jobs format thousands of times within one second: the last second is kept.
 */
export const toBizIso = (t: number | string | Date): string => {
  const ms = typeof t === 'number' ? t : new Date(t).getTime();
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    const w = wall(ms);
    lastIso = `${w.date}T${w.time}${offsetText(w.offsetMin)}`;
    lastSecond = second;
  }
  return lastIso;
};

/** The business date (YYYY-MM-DD) of an instant. */
export const bizDate = (t: number | string | Date): string => wall(typeof t === 'number' ? t : new Date(t).getTime()).date;

// dayjs' zone arithmetic costs up to a millisecond a call, and the hot path (placement, the
// cutoff) asks the same few dates again and again: their answers are remembered (remember.ts).

/** The instant of a business date at a wall-clock time ("22:00") in the business time zone. */
export const atBizTime: (date: string, hhmm: string) => number = remembered((date: string, hhmm: string) => dayjs.tz(`${date} ${hhmm}`, 'YYYY-MM-DD HH:mm', BUSINESS_TZ).valueOf());

/** A calendar date `days` later (earlier when negative): calendar arithmetic, the same in every zone. */
export const addDays: (date: string, days: number) => string = remembered((date: string, days: number) => dayjs.tz(date, BUSINESS_TZ).add(days, 'day').format('YYYY-MM-DD'));

export const isBizDate: (s: string) => boolean = remembered((s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && dayjs(s, 'YYYY-MM-DD').format('YYYY-MM-DD') === s);

export { dayjs };
