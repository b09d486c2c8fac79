import { describe, expect, it } from 'vitest';
import { cronMatchesMinute, finestCron } from './cron.ts';

// 2026-11-24T14:30:00Z is 22:30 in UTC+8, a Tuesday.
const at = (iso: string) => Date.parse(iso);

describe('CloudBase timer crons', () => {
  it('match the minute in UTC+8', () => {
    expect(cronMatchesMinute('0 30 * * * * *', at('2026-11-24T14:30:05Z'))).toBe(true);
    expect(cronMatchesMinute('0 31 * * * * *', at('2026-11-24T14:30:05Z'))).toBe(false);
    expect(cronMatchesMinute('0 */10 * * * * *', at('2026-11-24T14:30:00Z'))).toBe(true);
    expect(cronMatchesMinute('0 */10 * * * * *', at('2026-11-24T14:35:00Z'))).toBe(false);
    expect(cronMatchesMinute('0 0 22 * * * *', at('2026-11-24T14:00:00Z'))).toBe(true);
    expect(cronMatchesMinute('0 0 22 * * * *', at('2026-11-24T22:00:00Z'))).toBe(false);
    expect(cronMatchesMinute('0 * * * * * *', at('2026-11-24T03:17:00Z'))).toBe(true);
    expect(cronMatchesMinute('0 0 2 * * 1 *', at('2026-11-23T18:00:00Z'))).toBe(false); // Tue 02:00 in UTC+8
    expect(cronMatchesMinute('0 0 2 * * 2 *', at('2026-11-23T18:00:00Z'))).toBe(true);
    expect(cronMatchesMinute('not a cron', at('2026-11-24T14:30:00Z'))).toBe(false);
  });

  it('give one timer fine enough for every job of a function', () => {
    expect(finestCron(['0 */5 * * * * *'])).toBe('0 */5 * * * * *');
    expect(finestCron(['0 */5 * * * * *', '0 */10 * * * * *'])).toBe('0 */5 * * * * *');
    expect(finestCron(['0 * * * * * *', '0 30 * * * * *'])).toBe('0 * * * * * *');
    expect(finestCron(['0 */6 * * * * *', '0 */4 * * * * *'])).toBe('0 */2 * * * * *');
    // Jobs sharing one hourly heartbeat keep it hourly (settle and reconcile).
    expect(finestCron(['0 0 * * * * *', '0 0 * * * * *'])).toBe('0 0 * * * * *');
    // Every job named by the finest timer's ticks is woken on one of them.
    const crons = ['0 */5 * * * * *', '0 */10 * * * * *'];
    const finest = finestCron(crons);
    for (let m = 0; m < 60; m++) {
      const t = Date.parse('2026-11-24T14:00:00Z') + m * 60_000;
      for (const c of crons) if (cronMatchesMinute(c, t)) expect(cronMatchesMinute(finest, t)).toBe(true);
    }
  });
});
