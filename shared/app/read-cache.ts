import type { Item, Key, WriteOp } from '#ports/item-store';
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
  /** The read in flight (one per key, however many callers miss at once), then its result. */
  item: Promise<Item | undefined>;
}
const caches = new WeakMap<object, Map<string, Entry>>();
const id = (k: Key) => `${k.pk}\u0000${k.sk}`;

function cacheOf(deps: Deps): Map<string, Entry> {
  let cache = caches.get(deps.store);
  if (!cache) caches.set(deps.store, (cache = new Map()));
  return cache;
}

/** A cached item without reading (undefined when absent or aged out): for checks that must not wait. */
export function peekCached(deps: Deps, key: Key): Item | undefined {
  const e = cacheOf(deps).get(id(key));
  return e && performance.now() - e.at < READ_CACHE_MS ? settled.get(e.item) : undefined;
}
const settled = new WeakMap<Promise<Item | undefined>, Item | undefined>();

/** The items of `keys` (missing ones left out), those younger than READ_CACHE_MS from the cache, the rest read in one batch. */
export async function cachedGetMany(deps: Deps, keys: Key[]): Promise<Item[]> {
  const cache = cacheOf(deps);
  const now = performance.now();
  const missing = keys.filter((k) => {
    const e = cache.get(id(k));
    return !(e && now - e.at < READ_CACHE_MS);
  });
  if (missing.length) {
    // One batch read for every key missing; concurrent callers share it (a flash sale's first second).
    const batch = deps.store.getMany(missing).then((read) => new Map(read.map((it) => [id(it as unknown as Key), it])));
    for (const k of missing) {
      const item = batch.then((byId) => byId.get(id(k)));
      item.then((it) => settled.set(item, it), () => {});
      cache.set(id(k), { at: now, item });
    }
    // A failed read is not kept.
    batch.catch(() => {
      for (const k of missing) cache.delete(id(k));
    });
    // Keep the cache bounded: entries past their age are dropped when it grows.
    if (cache.size > 10_000) for (const [key, e] of cache) if (now - e.at >= READ_CACHE_MS) cache.delete(key);
  }
  const items = await Promise.all(keys.map((k) => cache.get(id(k))!.item));
  return items.filter((it): it is Item => it !== undefined);
}

export async function cachedGet(deps: Deps, key: Key): Promise<Item | undefined> {
  return (await cachedGetMany(deps, [key]))[0];
}

/** Drops cached items, after a transaction found them changed. */
export function forgetCached(deps: Deps, keys: Key[]): void {
  const cache = cacheOf(deps);
  for (const k of keys) cache.delete(id(k));
}

/**
 * A value computed from reads (e.g. a query of settings-like records), kept per instance for
 * READ_CACHE_MS under `name`; simultaneous callers share one computation, a failed one is not kept.
 * Only for reads whose staleness the caller's transaction conditions (or its contract) allow.
 */
export function cachedValue<T>(deps: Deps, name: string, read: () => Promise<T>): Promise<T> {
  let values = valuesByStore.get(deps.store);
  if (!values) valuesByStore.set(deps.store, (values = new Map()));
  const now = performance.now();
  const hit = values.get(name);
  if (hit && now - hit.at < READ_CACHE_MS) return hit.value as Promise<T>;
  const value = read();
  const entry = { at: now, value };
  values.set(name, entry);
  value.catch(() => values!.get(name) === entry && values!.delete(name));
  return value;
}

/**
 * Whether a versioned record (a product, a 满赠 gift: a fresh `rev` on every write) may be read
 * from this cache for placing: only where the placing transaction can check the copy unchanged.
 * On a store whose checks write (CloudBase), a check would be a write of the record, so there it
 * is read fresh and not checked. The one place this is decided: `versionedRead` and `revCheck`.
 */
const checksRead = (deps: Deps) => !deps.store.checksWrite;

/** A versioned read for placing or quoting: `cached` where the transaction checks the copy (`revCheck`), `fresh` otherwise. */
export const versionedRead = <T>(deps: Deps, cached: () => Promise<T>, fresh: () => Promise<T>): Promise<T> => (checksRead(deps) ? cached() : fresh());

/** The check that a versioned record read through `versionedRead` is unchanged at commit (none where it was read fresh). */
export function revCheck(deps: Deps, key: Key, rev: string | undefined): WriteOp | undefined {
  if (!checksRead(deps)) return undefined;
  return { type: 'check', key, when: [rev ? { op: 'eq', path: 'rev', value: rev } : { op: 'attrNotExists', path: 'rev' }] };
}

/** Drops a value kept by cachedValue. */
export function forgetCachedValue(deps: Deps, name: string): void {
  valuesByStore.get(deps.store)?.delete(name);
}
const valuesByStore = new WeakMap<object, Map<string, { at: number; value: Promise<unknown> }>>();
