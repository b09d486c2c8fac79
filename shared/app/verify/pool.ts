/**
 * Runs `work` over `items` with at most `limit` in flight (a job's per-order writes). Every item
 * is attempted even when some fail; the first failure is thrown once all are done, so a rerun
 * (jobs and arrival are idempotent) picks up only what is left.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (e) {
        failures.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length) throw failures[0];
}
