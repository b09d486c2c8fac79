import { afterAll, describe, expect, it } from 'vitest';
import { clockWaveDate } from './wave-clock.ts';

/** The default rhythm as a fixture (the defaults themselves live in shared/app/settings.ts). */
const S = { cutoffTime: '22:00', arrivalTime: '16:00' };

// The acceptance line "whatever the process TZ": the same instants under several zones.
describe.each(['UTC', 'Asia/Shanghai', 'America/Los_Angeles'])('the wave clock under TZ=%s', (tz) => {
  const before = process.env.TZ;
  afterAll(() => {
    process.env.TZ = before;
  });
  it('21:59:59 Shanghai is today, 22:00:00 is tomorrow', () => {
    process.env.TZ = tz;
    expect(new Date(0).getTimezoneOffset()).toBe(tz === 'UTC' ? 0 : tz === 'Asia/Shanghai' ? -480 : 480);
    expect(clockWaveDate(S, Date.parse('2026-11-24T21:59:59+08:00'))).toBe('2026-11-24');
    expect(clockWaveDate(S, Date.parse('2026-11-24T22:00:00+08:00'))).toBe('2026-11-25');
  });
});
