/**
 * A pure computation's answers kept in a bounded table: `remember` asks `cache` for `key` and
 * computes it once with `make`; the table is emptied when it reaches `max` entries (its keys are
 * few in practice: dates, hours, periods). Never for a `make` that can answer undefined.
 */
export function remember<V>(cache: Map<string, V>, key: string, make: () => V, max: number): V {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= max) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
}

/** `f` with its answers remembered per argument list (`remember`, a table of its own). */
export function remembered<A extends (string | number)[], R>(f: (...a: A) => R, max = 2_000): (...a: A) => R {
  const cache = new Map<string, R>();
  return (...a: A) => remember(cache, a.join('\u0000'), () => f(...a), max);
}
