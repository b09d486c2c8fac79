import type { Item, Key } from '#ports/item-store';
import type { Deps } from './deps.ts';

/**
 * A per-instance cache of a few seconds for the reads every placement and quote repeats:
 * products, communities and community waves (DESIGN.md §3; issue 19). It is an optimisation
 * only: correctness stays with the placing transaction's conditions (the wave gate, stock and
 * limits, and a check of each cached product's `rev`, so a changed price is never sold at the
 * old one). Freshness is technical time (the process's monotonic clock), not the business
 * clock, so a fixed or moved dev clock does not freeze it. One cache per store, i.e. per
 * function instance (the store is built once by the instance's wiring; every test world has
 * its own).
 */
export const READ_CACHE_MS = 3000;

interface Entry {
  at: number;
  item: Item | undefined;
}
const caches = new WeakMap<object, Map<string, Entry>>();
const id = (k: Key) => `${k.pk}\u0000${k.sk}`;

function cacheOf(deps: Deps): Map<string, Entry> {
  let cache = caches.get(deps.store);
  if (!cache) caches.set(deps.store, (cache = new Map()));
  return cache;
}

/** The items of `keys` (missing ones left out), those younger than READ_CACHE_MS from the cache, the rest read in one batch. */
export async function cachedGetMany(deps: Deps, keys: Key[]): Promise<Item[]> {
  const cache = cacheOf(deps);
  const now = performance.now();
  const out: (Item | undefined)[] = [];
  const missing: Key[] = [];
  for (const k of keys) {
    const e = cache.get(id(k));
    if (e && now - e.at < READ_CACHE_MS) out.push(e.item);
    else missing.push(k);
  }
  if (missing.length) {
    const read = await deps.store.getMany(missing);
    const byId = new Map(read.map((it) => [id(it as unknown as Key), it]));
    for (const k of missing) {
      const item = byId.get(id(k));
      cache.set(id(k), { at: now, item });
      out.push(item);
    }
    // Keep the cache bounded: entries past their age are dropped when it grows.
    if (cache.size > 10_000) for (const [key, e] of cache) if (now - e.at >= READ_CACHE_MS) cache.delete(key);
  }
  return out.filter((it): it is Item => it !== undefined);
}

export async function cachedGet(deps: Deps, key: Key): Promise<Item | undefined> {
  return (await cachedGetMany(deps, [key]))[0];
}

/** Drops cached items, after a transaction found them changed. */
export function forgetCached(deps: Deps, keys: Key[]): void {
  const cache = cacheOf(deps);
  for (const k of keys) cache.delete(id(k));
}
