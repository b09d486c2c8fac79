/**
 * Runs `work` over `items` with at most `limit` in flight (the settle job's bounded
 * concurrency: fast over 10,000 leaders without flooding the store). Every item is attempted;
 * `work` reports its own failures.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
