import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runLimited } from './pool.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('runLimited', () => {
  it('never has more than `limit` in flight and runs every item once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(3), { maxLength: 40 }), fc.integer({ min: 1, max: 8 }), async (delays, limit) => {
        let inFlight = 0;
        let peak = 0;
        const seen: number[] = [];
        await runLimited(delays.map((d, i) => [i, d] as const), limit, async ([i, d]) => {
          peak = Math.max(peak, ++inFlight);
          for (let k = 0; k < d; k++) await tick();
          seen.push(i);
          inFlight--;
        });
        expect(peak).toBeLessThanOrEqual(limit);
        expect(seen.sort((a, b) => a - b)).toEqual(delays.map((_, i) => i));
      }),
      { numRuns: 30 },
    );
  });

  it('starts nothing after a failure and waits for the work in flight before rethrowing', async () => {
    const finished: number[] = [];
    const started: number[] = [];
    const run = runLimited([0, 1, 2, 3, 4, 5, 6, 7], 3, async (i) => {
      started.push(i);
      if (i === 1) throw new Error('boom');
      for (let k = 0; k < 5; k++) await tick();
      finished.push(i);
    });
    await expect(run).rejects.toThrow('boom');
    // 0 and 2 were in flight with 1: they finished before the rejection; nothing after them began.
    expect(started.sort()).toEqual([0, 1, 2]);
    expect(finished.sort()).toEqual([0, 2]);
  });

  it('stops starting new items when canStart says no', async () => {
    let budget = 4;
    const { started } = await runLimited([1, 2, 3, 4, 5, 6, 7, 8], 2, async () => void budget--, () => budget > 0);
    expect(started).toBeLessThan(8);
    expect(started).toBeGreaterThanOrEqual(4);
  });
});
