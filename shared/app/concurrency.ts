import pMap from 'p-map';

export interface EachOptions {
  /** After the first failure start nothing new (what is in flight still finishes). Default: attempt every item. */
  stopOnError?: boolean;
  /** Asked before each start; once it says no, nothing new starts (e.g. a job's time budget is spent). */
  canStart?: () => boolean;
}

/**
 * The one bounded-concurrency helper of the use cases (p-map underneath): runs `work` over
 * `items` with at most `limit` in flight, waits for everything it started, then throws the
 * first failure if any — so a failed job leaves no write running behind it, and a rerun (every
 * job is idempotent) picks up only what is left. Returns how many items were started.
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  options: EachOptions = {},
): Promise<{ started: number }> {
  const { stopOnError = false, canStart = () => true } = options;
  const failures: unknown[] = [];
  let started = 0;
  // p-map pulls from the iterator only when a slot is free, so these checks happen at each start.
  function* starts(): Generator<number> {
    for (let i = 0; i < items.length; i++) {
      if ((stopOnError && failures.length > 0) || !canStart()) return;
      started++;
      yield i;
    }
  }
  await pMap(
    starts(),
    async (i) => {
      try {
        await work(items[i]!, i);
      } catch (error) {
        failures.push(error);
      }
    },
    { concurrency: Math.max(1, limit) },
  );
  if (failures.length > 0) throw failures[0];
  return { started };
}
