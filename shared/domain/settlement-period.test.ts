import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  duePeriods,
  kindOfPeriod,
  monthOf,
  monthRange,
  nextPeriod,
  periodOf,
  periodRange,
  previousMonth,
  previousPeriod,
  recentWeeks,
  settleAt,
  toMillis,
  type PeriodKind,
} from './settlement-period.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

const ms = (iso: string) => Date.parse(iso);

// The same expectations must hold whatever the process time zone: each block below runs with
// TZ switched (Node applies a new process.env.TZ at once), including zones with DST and with
// a date line far from Shanghai.
const originalTz = process.env.TZ;
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe.each(['UTC', 'Asia/Shanghai', 'America/New_York', 'Pacific/Kiritimati'])('with process TZ=%s', (tz) => {
  const useTz = () => {
    process.env.TZ = tz;
  };

  it('really runs in that zone (guard for the tests below)', () => {
    useTz();
    const expected = { UTC: 0, 'Asia/Shanghai': -480, 'America/New_York': 300, 'Pacific/Kiritimati': -840 }[tz];
    expect(new Date(ms('2026-01-15T00:00:00Z')).getTimezoneOffset()).toBe(expected);
  });

  it('puts Sunday 23:59:59 and Monday 00:00:00 Shanghai in different weeks', () => {
    useTz();
    expect(periodOf('weekly', '2026-11-29T23:59:59+08:00')).toBe('2026-W48');
    expect(periodOf('weekly', '2026-11-29T23:59:59.999+08:00')).toBe('2026-W48');
    expect(periodOf('weekly', '2026-11-30T00:00:00+08:00')).toBe('2026-W49');
    // the same instants in UTC and as epoch ms
    expect(periodOf('weekly', '2026-11-29T15:59:59Z')).toBe('2026-W48');
    expect(periodOf('weekly', ms('2026-11-29T16:00:00Z'))).toBe('2026-W49');
  });

  it('puts 23:59:59 and 00:00:00 Shanghai on different T+1 days', () => {
    useTz();
    expect(periodOf('t+1', '2026-11-26T23:59:59+08:00')).toBe('2026-11-26');
    expect(periodOf('t+1', '2026-11-27T00:00:00+08:00')).toBe('2026-11-27');
    expect(periodOf('t+1', '2026-11-26T16:00:00Z')).toBe('2026-11-27');
  });

  it('gives Shanghai boundaries, end exclusive', () => {
    useTz();
    expect(periodRange('weekly', '2026-W48')).toEqual({ start: '2026-11-23T00:00:00+08:00', end: '2026-11-30T00:00:00+08:00' });
    expect(periodRange('t+1', '2026-11-26')).toEqual({ start: '2026-11-26T00:00:00+08:00', end: '2026-11-27T00:00:00+08:00' });
  });

  it('settles weekly on the Monday after at 02:00, T+1 the next day at 02:00', () => {
    useTz();
    expect(settleAt('weekly', '2026-W48', 2)).toBe('2026-11-30T02:00:00+08:00');
    expect(settleAt('t+1', '2026-11-26', 2)).toBe('2026-11-27T02:00:00+08:00');
    expect(settleAt('t+1', '2026-12-31', 5)).toBe('2027-01-01T05:00:00+08:00');
  });

  it('reckons months in Shanghai', () => {
    useTz();
    expect(monthOf('2026-11-30T15:59:59Z')).toBe('2026-11');
    expect(monthOf('2026-11-30T16:00:00Z')).toBe('2026-12');
    expect(monthRange('2026-12')).toEqual({ start: '2026-12-01T00:00:00+08:00', end: '2027-01-01T00:00:00+08:00' });
  });
});

describe('ISO week-year around the new year', () => {
  it.each([
    ['2020-12-31T12:00:00+08:00', '2020-W53'],
    ['2021-01-03T23:59:59+08:00', '2020-W53'],
    ['2021-01-04T00:00:00+08:00', '2021-W01'],
    ['2024-12-30T00:00:00+08:00', '2025-W01'], // a Monday in December that opens the next ISO year
    ['2026-12-31T12:00:00+08:00', '2026-W53'],
    ['2027-01-01T00:00:00+08:00', '2026-W53'],
    ['2027-01-03T23:59:59+08:00', '2026-W53'],
    ['2027-01-04T00:00:00+08:00', '2027-W01'],
    ['2026-12-31T16:30:00Z', '2026-W53'], // already 1 January in Shanghai, still W53
  ])('%s is in %s', (t, week) => {
    expect(periodOf('weekly', t)).toBe(week);
  });

  it('walks over year ends both ways', () => {
    expect(nextPeriod('weekly', '2026-W52')).toBe('2026-W53');
    expect(nextPeriod('weekly', '2026-W53')).toBe('2027-W01');
    expect(previousPeriod('weekly', '2027-W01')).toBe('2026-W53');
    expect(nextPeriod('weekly', '2025-W52')).toBe('2026-W01');
    expect(nextPeriod('t+1', '2026-12-31')).toBe('2027-01-01');
    expect(nextPeriod('t+1', '2028-02-28')).toBe('2028-02-29');
    expect(previousPeriod('t+1', '2027-03-01')).toBe('2027-02-28');
    expect(periodRange('weekly', '2020-W53')).toEqual({ start: '2020-12-28T00:00:00+08:00', end: '2021-01-04T00:00:00+08:00' });
  });
});

describe('period ids', () => {
  it('knows the kind of an id', () => {
    expect(kindOfPeriod('2026-W48')).toBe('weekly');
    expect(kindOfPeriod('2026-11-26')).toBe('t+1');
  });

  it.each([
    ['weekly', '2021-W53'], // 2021 has 52 ISO weeks
    ['weekly', '2026-W00'],
    ['weekly', '2026-W5'],
    ['weekly', '2026-11-26'], // a day id where a week is expected
    ['t+1', '2026-W48'],
    ['t+1', '2026-02-30'],
    ['t+1', '2026-13-01'],
    ['t+1', '20261126'],
  ] as const)('refuses %s period %s with VALIDATION_FAILED', (kind, id) => {
    expect(() => periodRange(kind, id)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('refuses times without an offset (they would depend on the process TZ)', () => {
    expect(() => periodOf('weekly', '2026-11-26T10:00:00')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => toMillis('yesterday')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => toMillis(Number.NaN)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('refuses a settle hour outside 0–23', () => {
    expect(() => settleAt('weekly', '2026-W48', 24)).toThrow(RangeError);
    expect(() => settleAt('weekly', '2026-W48', 1.5)).toThrow(RangeError);
  });
});

describe('duePeriods (catch-up)', () => {
  it('makes a week due exactly at Monday 02:00', () => {
    expect(duePeriods('weekly', '2026-11-30T01:59:59+08:00', '2026-W48', 2)).toEqual([]);
    expect(duePeriods('weekly', '2026-11-30T02:00:00+08:00', '2026-W48', 2)).toEqual(['2026-W48']);
  });

  it('catches up every missed week in order, over the year end', () => {
    expect(duePeriods('weekly', ms('2027-01-11T03:00:00+08:00'), '2026-W51', 2)).toEqual([
      '2026-W51',
      '2026-W52',
      '2026-W53',
      '2027-W01',
    ]);
  });

  it('catches up T+1 days and honours settleHour', () => {
    expect(duePeriods('t+1', '2026-12-02T02:00:00+08:00', '2026-11-29', 2)).toEqual(['2026-11-29', '2026-11-30', '2026-12-01']);
    expect(duePeriods('t+1', '2026-12-02T02:00:00+08:00', '2026-11-29', 3)).toEqual(['2026-11-29', '2026-11-30']);
  });

  it('returns nothing when the first period is not due yet', () => {
    expect(duePeriods('weekly', '2026-11-30T02:00:00+08:00', '2026-W49', 2)).toEqual([]);
  });
});

describe('months and review weeks', () => {
  it('steps back a month over the year end', () => {
    expect(previousMonth('2027-01')).toBe('2026-12');
    expect(previousMonth('2026-03')).toBe('2026-02');
    expect(() => previousMonth('2026-13')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('lists the last complete weeks before now, oldest first', () => {
    // Tuesday 1 December 2026: week 49 is in progress
    expect(recentWeeks('2026-12-01T02:00:00+08:00', 4)).toEqual(['2026-W45', '2026-W46', '2026-W47', '2026-W48']);
    expect(recentWeeks('2026-11-30T00:00:00+08:00', 1)).toEqual(['2026-W48']);
    expect(recentWeeks('2026-11-29T23:59:59+08:00', 1)).toEqual(['2026-W47']);
  });
});

describe('properties', () => {
  // 2000-01-01 .. 2100-01-01
  const instant = fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 });
  const kind = fc.constantFrom<PeriodKind>('weekly', 't+1');

  it('every instant lies in the range of its period, and the range ends where the next begins', () => {
    fc.assert(
      fc.property(kind, instant, (k, t) => {
        const p = periodOf(k, t);
        const { start, end } = periodRange(k, p);
        expect(ms(start)).toBeLessThanOrEqual(t);
        expect(t).toBeLessThan(ms(end));
        expect(periodOf(k, start)).toBe(p);
        expect(periodOf(k, ms(end) - 1)).toBe(p);
        expect(periodOf(k, end)).toBe(nextPeriod(k, p));
        expect(periodRange(k, nextPeriod(k, p)).start).toBe(end);
        expect(previousPeriod(k, nextPeriod(k, p))).toBe(p);
        expect(ms(end) - ms(start)).toBe((k === 'weekly' ? 7 : 1) * 86_400_000);
        expect(ms(settleAt(k, p, 2))).toBe(ms(end) + 2 * 3_600_000);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);
});
