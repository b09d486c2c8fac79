import { describe, expect, it } from 'vitest';
import type { Deps } from '../deps.ts';
import { WAITING_READS, waitingRead } from './sold-out.ts';

describe('waitingRead: a flash sale’s waiting buyers’ reads', () => {
  it('at most WAITING_READS at once; a queued one is sent at once when hurried, or never when dropped', async () => {
    const deps = { store: {} } as unknown as Deps;
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const read = (i: number) => () => {
      started.push(i);
      return new Promise<number>((resolve) => finish.push(() => resolve(i)));
    };
    const reads = Array.from({ length: WAITING_READS + 3 }, (_, i) => waitingRead(deps, read(i)));
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toHaveLength(WAITING_READS);
    // Hurried: goes now, beyond the limit; dropped: resolves undefined without reading.
    reads[WAITING_READS]!.hurry();
    reads[WAITING_READS + 1]!.drop();
    expect(await reads[WAITING_READS + 1]!.result).toBeUndefined();
    await Promise.resolve();
    expect(started).toEqual([...Array(WAITING_READS + 1).keys()]);
    // One done: the last queued read takes its place.
    finish[0]!();
    expect(await reads[0]!.result).toBe(0);
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toContain(WAITING_READS + 2);
    expect(started).not.toContain(WAITING_READS + 1);
  });
});
