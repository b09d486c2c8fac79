/**
 * Runs `work` over `items` with at most `limit` in flight. After the first failure (or once
 * `canStart` says no, e.g. the run's time budget is spent) nothing new starts; the call waits
 * for what is in flight, so a failed job leaves no write running behind it, then rethrows the
 * first error. Returns how many items were started.
 */
export async function runLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  canStart: () => boolean = () => true,
): Promise<{ started: number }> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length && canStart()) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return { started: next };
}
