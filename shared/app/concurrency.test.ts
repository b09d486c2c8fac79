import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachLimit } from './concurrency.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('forEachLimit', () => {
  it('never has more than `limit` in flight and runs every item once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(3), { maxLength: 40 }), fc.integer({ min: 1, max: 8 }), async (delays, limit) => {
        let inFlight = 0;
        let peak = 0;
        const seen: number[] = [];
        const { started } = await forEachLimit(delays, limit, async (d, i) => {
          peak = Math.max(peak, ++inFlight);
          for (let k = 0; k < d; k++) await tick();
          seen.push(i);
          inFlight--;
        });
        expect(peak).toBeLessThanOrEqual(limit);
        expect(started).toBe(delays.length);
        expect(seen.sort((a, b) => a - b)).toEqual(delays.map((_, i) => i));
      }),
      { numRuns: 30 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('attempts every item, then throws the first failure', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    const run = forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (n === 2) throw new Error('two');
      done.push(n);
    });
    await expect(run).rejects.toThrow('two');
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 3, 4, 5, 6, 7]);
  });

  it('with stopOnError starts nothing after a failure and waits for the work in flight before rethrowing', async () => {
    const finished: number[] = [];
    const started: number[] = [];
    const run = forEachLimit(
      [0, 1, 2, 3, 4, 5, 6, 7],
      3,
      async (i) => {
        started.push(i);
        if (i === 1) throw new Error('boom');
        for (let k = 0; k < 5; k++) await tick();
        finished.push(i);
      },
      { stopOnError: true },
    );
    await expect(run).rejects.toThrow('boom');
    // 0 and 2 were in flight with 1: they finished before the rejection; nothing after them began.
    expect(started.sort()).toEqual([0, 1, 2]);
    expect(finished.sort()).toEqual([0, 2]);
  });

  it('stops starting new items when canStart says no', async () => {
    let budget = 4;
    const { started } = await forEachLimit([1, 2, 3, 4, 5, 6, 7, 8], 2, async () => void budget--, { canStart: () => budget > 0 });
    expect(started).toBeLessThan(8);
    expect(started).toBeGreaterThanOrEqual(4);
  });

  it('does nothing for no items', async () => {
    expect(await forEachLimit([], 4, async () => {})).toEqual({ started: 0 });
  });
});
