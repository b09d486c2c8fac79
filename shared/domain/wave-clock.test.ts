import { describe, expect, it } from 'vitest';
import { clockWaveDate, describeWave, lastDueWaveDate } from './wave-clock.ts';

/** The default rhythm as a fixture (the defaults themselves live in shared/app/settings.ts). */
const S = { cutoffTime: '22:00', arrivalTime: '16:00' };

// These instants are absolute (+08:00), so the results must not depend on the process TZ;
// `npm test` runs this file under TZ=UTC and TZ=Asia/Shanghai (see test/integration/tz.test.ts).
describe('wave clock', () => {
  it('21:59:59 Shanghai belongs to today, 22:00:00 to tomorrow', () => {
    expect(clockWaveDate(S, Date.parse('2026-11-24T21:59:59+08:00'))).toBe('2026-11-24');
    expect(clockWaveDate(S, Date.parse('2026-11-24T21:59:59.999+08:00'))).toBe('2026-11-24');
    expect(clockWaveDate(S, Date.parse('2026-11-24T22:00:00+08:00'))).toBe('2026-11-25');
  });

  it('just after midnight Shanghai (still the previous day in UTC) is the new day', () => {
    expect(clockWaveDate(S, Date.parse('2026-11-25T00:30:00+08:00'))).toBe('2026-11-25');
    expect(clockWaveDate(S, Date.parse('2026-11-24T16:30:00Z'))).toBe('2026-11-25');
  });

  it('crosses months and years', () => {
    expect(clockWaveDate(S, Date.parse('2026-12-31T22:00:00+08:00'))).toBe('2027-01-01');
    expect(lastDueWaveDate(S, Date.parse('2027-01-01T08:00:00+08:00'))).toBe('2026-12-31');
  });

  it('describes a wave with its cutoff and next-day arrival in +08:00', () => {
    expect(describeWave(S, '2026-11-24')).toEqual({
      date: '2026-11-24',
      cutoffAt: '2026-11-24T22:00:00+08:00',
      arrivalAt: '2026-11-25T16:00:00+08:00',
    });
  });

  it('follows a merchant cutoff setting', () => {
    const s = { cutoffTime: '20:30', arrivalTime: '10:00' };
    expect(clockWaveDate(s, Date.parse('2026-11-24T20:29:59+08:00'))).toBe('2026-11-24');
    expect(clockWaveDate(s, Date.parse('2026-11-24T20:30:00+08:00'))).toBe('2026-11-25');
  });
});
