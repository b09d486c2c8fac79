import { describe, expect, it } from 'vitest';
import { forEachLimit } from './pool.ts';

describe('forEachLimit', () => {
  it('keeps at most `limit` in flight, attempts every item, then throws the first failure', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    const run = forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (n === 2) throw new Error('two');
      done.push(n);
    });
    await expect(run).rejects.toThrow('two');
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 3, 4, 5, 6, 7]);
  });
});
