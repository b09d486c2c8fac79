import { effectiveOrder, LOCKED_STORED_STATUSES } from '#domain/order-status';
import type { Condition, Item, ItemStore } from '#ports/item-store';
import { keys } from '../keys.ts';

/**
 * The one loader of the effective-status rule (shared/domain/order-status.ts): a stored PAID
 * order reads CONFIRMED once its community wave is CLOSED. Every order read path passes its
 * orders through `withEffectiveStatus` (or `effectiveOne`), so the API, leader views, admin
 * lists, reports and writers see the same status.
 *
 * The distinct waves of the PAID orders are read in one batch (strongly consistent). CLOSED is
 * terminal, so a wave seen CLOSED is kept for the life of the instance (one map per store, i.e.
 * per function instance, bounded); a wave not yet closed is read again next time.
 */
const closedWaves = new WeakMap<object, Map<string, Item>>();
const MAX_CACHED = 20_000;
/** What the loader needs of the deps: the store (a test may pass a bare one). */
type Reader = { store: ItemStore };
const waveId = (communityId: string, date: string) => `${communityId}\u0000${date}`;

type Placed = { status: string; communityId: string; waveDate: string; confirmedAt?: string };

function cacheOf(deps: Reader): Map<string, Item> {
  let cache = closedWaves.get(deps.store);
  if (!cache) closedWaves.set(deps.store, (cache = new Map()));
  return cache;
}

/** Remembers a wave record seen CLOSED (the cutoff's own close; any read of one). */
export function rememberClosedWave(deps: Reader, communityId: string, date: string, wave: Item | undefined): void {
  if (wave?.status !== 'CLOSED') return;
  const cache = cacheOf(deps);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(waveId(communityId, date), wave);
}

/** The orders as they effectively stand (same order, same objects where nothing changes). */
export async function withEffectiveStatus<O extends Placed>(deps: Reader, orders: readonly O[]): Promise<O[]> {
  const cache = cacheOf(deps);
  const missing = new Map<string, { communityId: string; date: string }>();
  for (const o of orders) {
    if (o.status !== 'PAID') continue;
    const id = waveId(o.communityId, o.waveDate);
    if (!cache.has(id)) missing.set(id, { communityId: o.communityId, date: o.waveDate });
  }
  if (missing.size) {
    const read = await deps.store.getMany([...missing.values()].map((w) => keys.communityWave(w.communityId, w.date)));
    for (const wave of read) rememberClosedWave(deps, wave.pk.slice('C#'.length), wave.sk.slice('WAVE#'.length), wave);
  }
  return orders.map((o) => (o.status === 'PAID' ? effectiveOrder(o, cache.get(waveId(o.communityId, o.waveDate))) : o));
}

export async function effectiveOne<O extends Placed>(deps: Reader, order: O): Promise<O>;
export async function effectiveOne<O extends Placed>(deps: Reader, order: O | undefined): Promise<O | undefined>;
export async function effectiveOne<O extends Placed>(deps: Reader, order: O | undefined): Promise<O | undefined> {
  return order ? (await withEffectiveStatus(deps, [order]))[0] : undefined;
}

/** Matches stored statuses that read `status` (a status filter over stored items: CONFIRMED also matches PAID, judged per order afterwards). */
export const storedStatusesFor = (status: string): string[] => (status === 'CONFIRMED' ? [...LOCKED_STORED_STATUSES] : [status]);

/**
 * The condition that an order is still in the status a writer read it in: for an order read
 * CONFIRMED, its stored status is PAID (its wave was seen CLOSED, which never reopens) or a
 * legacy CONFIRMED.
 */
export const statusAsRead = (status: string): Condition => (status === 'CONFIRMED' ? { op: 'in', path: 'status', values: [...LOCKED_STORED_STATUSES] } : { op: 'eq', path: 'status', value: status });

/**
 * For a writer moving an order on from CONFIRMED (arrival, a cancel of a locked order): the
 * close time it was confirmed at, kept on the order from then on (its wave no longer says so
 * once the stored status is not PAID), for the timeline. Nothing for a legacy order that has it.
 */
export const keepConfirmedAt = (order: { status: string; confirmedAt?: string }): { confirmedAt?: string } =>
  order.status === 'CONFIRMED' && order.confirmedAt ? { confirmedAt: order.confirmedAt } : {};
