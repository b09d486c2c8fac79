import { describe, expect, it } from 'vitest';
import { pickupDaysFor, pickupDeadline, reminderDue, reminderHorizon, reminderSendAt } from './pickup-deadline.ts';

const at = (iso: string) => Date.parse(iso);
const settings = { pickupDays: 3, freshPickupDays: 1 };

describe('pickup deadline', () => {
  it('is 22:00 Shanghai on the N-th day after the arrival day', () => {
    expect(pickupDeadline(at('2026-11-25T16:00:00+08:00'), 1, '22:00')).toBe('2026-11-26T22:00:00+08:00');
    expect(pickupDeadline(at('2026-11-25T16:00:00+08:00'), 3, '22:00')).toBe('2026-11-28T22:00:00+08:00');
  });

  it('counts business days in Shanghai, whatever the UTC date (arrival 00:30 Shanghai is still the 25th)', () => {
    expect(pickupDeadline(at('2026-11-24T16:30:00Z'), 1, '22:00')).toBe('2026-11-26T22:00:00+08:00');
  });

  it("ends at the point's closing time and skips its closed days (Friday arrival, Sunday closed, 3 days → Tuesday)", () => {
    const friday = at('2026-11-27T16:00:00+08:00');
    const hours = { opens: '08:00', closes: '21:00', closedDays: [0] };
    expect(pickupDeadline(friday, 3, '22:00', hours)).toBe('2026-12-01T21:00:00+08:00');
    expect(pickupDeadline(friday, 1, '22:00', hours)).toBe('2026-11-28T21:00:00+08:00');
    expect(pickupDeadline(friday, 2, '22:00', { ...hours, closedDays: [0, 1] })).toBe('2026-12-01T21:00:00+08:00');
    // Open every day: only the closing time changes.
    expect(pickupDeadline(friday, 3, '22:00', { opens: '08:00', closes: '20:30' })).toBe('2026-11-30T20:30:00+08:00');
    // Without hours: the setting, no closed days.
    expect(pickupDeadline(friday, 3, '22:00')).toBe('2026-11-30T22:00:00+08:00');
    // Closed every day cannot be saved; it would count every day rather than never end.
    expect(pickupDeadline(friday, 1, '22:00', { ...hours, closedDays: [0, 1, 2, 3, 4, 5, 6] })).toBe('2026-11-28T21:00:00+08:00');
  });

  it('keeps fresh orders the fresh allowance, others the regular one, and never longer for fresh', () => {
    expect(pickupDaysFor(settings, [{ fresh: false }, { fresh: true }])).toBe(1);
    expect(pickupDaysFor(settings, [{ fresh: false }])).toBe(3);
    expect(pickupDaysFor({ pickupDays: 2, freshPickupDays: 5 }, [{ fresh: true }])).toBe(2);
  });
});

describe('pickup reminder', () => {
  const deadline = '2026-11-28T22:00:00+08:00';

  it('is due from the day before the deadline until the deadline', () => {
    expect(reminderDue(deadline, at('2026-11-26T23:59:59+08:00'))).toBe(false);
    expect(reminderDue(deadline, at('2026-11-27T03:00:00+08:00'))).toBe(true);
    expect(reminderDue(deadline, at('2026-11-28T03:00:00+08:00'))).toBe(true);
    expect(reminderDue(deadline, at('2026-11-28T22:00:00+08:00'))).toBe(false);
  });

  it('covers every deadline before the horizon and none after', () => {
    const now = at('2026-11-27T03:00:00+08:00');
    expect(reminderHorizon(now)).toBe('2026-11-29T00:00:00+08:00');
    expect(reminderDue('2026-11-28T23:59:59+08:00', now)).toBe(true);
    expect(reminderDue('2026-11-29T00:00:00+08:00', now)).toBe(false);
  });

  it('is not sent at night', () => {
    expect(reminderSendAt(at('2026-11-27T03:00:00+08:00'))).toBe(at('2026-11-27T09:00:00+08:00'));
    expect(reminderSendAt(at('2026-11-27T11:00:00+08:00'))).toBe(at('2026-11-27T11:00:00+08:00'));
  });
});
