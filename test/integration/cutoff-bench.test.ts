import { describe, expect, it } from 'vitest';
import { benchCutoff } from '../../bench/cutoff.ts';
import { createTestStore } from '../support/dynamo.ts';

// Keeps the benchmark working (`npm run bench` runs it at 1,000 × 100); a small size here.
describe('cutoff benchmark', () => {
  it('runs the job over seeded communities and reports its time against a read-only baseline', async () => {
    const { store } = await createTestStore();
    const size = Number(process.env.CUTOFF_BENCH_SIZE ?? 0);
    const rows = await benchCutoff({ store, communities: size || 20, ordersPerCommunity: size ? 100 : 10 });
    if (size) console.log(JSON.stringify(rows));
    expect(rows[0]).toMatchObject({ name: expect.stringContaining('cutoff'), ms: expect.any(Number), baselineMs: expect.any(Number), ratio: expect.any(Number) });
    expect(rows[0]!.peakRssMb).toBeGreaterThan(0);
  }, 900_000);
});
