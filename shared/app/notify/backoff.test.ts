import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_ATTEMPTS, RETRY_BASE_MS, RETRY_MAX_MS, outOfAttempts, retryDelayMs } from './backoff.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

describe('retry backoff', () => {
  it('stays within the upper half of the capped exponential', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
        const d = retryDelayMs(attempt, r);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThan(ceiling);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('never waits less after a later attempt (the lowest delay doubles until the cap)', () => {
    for (let a = 1; a < 12; a++) expect(retryDelayMs(a + 1, 0)).toBeGreaterThanOrEqual(retryDelayMs(a, 0));
    expect(retryDelayMs(1, 0)).toBe(RETRY_BASE_MS / 2);
    expect(retryDelayMs(2, 0)).toBe(RETRY_BASE_MS);
    expect(retryDelayMs(40, 0.999)).toBeLessThan(RETRY_MAX_MS);
  });

  it('spreads retries of the same attempt apart (jitter)', () => {
    expect(retryDelayMs(3, 0.1)).not.toBe(retryDelayMs(3, 0.9));
  });

  it('gives up after MAX_ATTEMPTS', () => {
    expect(outOfAttempts(MAX_ATTEMPTS - 1)).toBe(false);
    expect(outOfAttempts(MAX_ATTEMPTS)).toBe(true);
  });
});
