import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import timezone from 'dayjs/plugin/timezone.js';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The business time zone: every business date and schedule is in Asia/Shanghai, never the process TZ. */
export const BUSINESS_TZ = 'Asia/Shanghai';

/** A dayjs in the business time zone. */
export const bizTime = (t: number | string | Date) => dayjs(t).tz(BUSINESS_TZ);

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
    lastIso = bizTime(ms).format('YYYY-MM-DDTHH:mm:ssZ');
    lastSecond = second;
  }
  return lastIso;
};

/** The business date (YYYY-MM-DD) of an instant. */
export const bizDate = (t: number | string | Date): string => bizTime(t).format('YYYY-MM-DD');

/** The instant of a business date at a wall-clock time ("22:00") in the business time zone. */
export const atBizTime = (date: string, hhmm: string): number => dayjs.tz(`${date} ${hhmm}`, 'YYYY-MM-DD HH:mm', BUSINESS_TZ).valueOf();

export const addDays = (date: string, days: number): string => dayjs.tz(date, BUSINESS_TZ).add(days, 'day').format('YYYY-MM-DD');

export const isBizDate = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && dayjs(s, 'YYYY-MM-DD').format('YYYY-MM-DD') === s;

export { dayjs };
