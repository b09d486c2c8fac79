import type { Deps } from '../deps.ts';
import type { Item, Key } from '#ports/item-store';

/**
 * The sold-out fast path (issue 19): once a flash sale, or a product's stock in a wave, is
 * found sold out by a placing transaction, buyers on this instance are answered OUT_OF_STOCK
 * for SOLD_OUT_MS without a transaction. A give-back of stock (cancel, expiry, cutoff, refund)
 * clears the marker on the instance that makes it, and every marker ages out, so units given
 * back elsewhere are on sale again within SOLD_OUT_MS. Only an optimisation: the stock
 * conditions of the transaction still decide every sale (no oversell is possible through it).
 * Technical time (the monotonic clock), not the business clock.
 */
export const SOLD_OUT_MS = 2000;

/** One set of markers per store, i.e. per function instance (every test world has its own). */
const byStore = new WeakMap<object, Map<string, number>>();
function markersOf(deps: Deps): Map<string, number> {
  let m = byStore.get(deps.store);
  if (!m) byStore.set(deps.store, (m = new Map()));
  return m;
}

export const flashMarker = (productId: string, saleId: string) => `F#${productId}#${saleId}`;
export const stockMarker = (productId: string, waveDate: string) => `S#${productId}#${waveDate}`;

export function isSoldOut(deps: Deps, marker: string): boolean {
  const markers = markersOf(deps);
  const at = markers.get(marker);
  if (at === undefined) return false;
  if (performance.now() - at < SOLD_OUT_MS) return true;
  markers.delete(marker);
  return false;
}

export function markSoldOut(deps: Deps, marker: string): void {
  const markers = markersOf(deps);
  markers.set(marker, performance.now());
}

/** Units of a product were given back: its markers (any sale, any wave) are cleared. */
export function clearSoldOut(deps: Deps, productId: string): void {
  const markers = markersOf(deps);
  for (const m of markers.keys()) if (m.startsWith(`F#${productId}#`) || m.startsWith(`S#${productId}#`)) markers.delete(m);
}

/**
 * Flash placements of one sale admitted at once on an instance, per stock shard: they price in
 * parallel, and each commits on a shard no other placement of the instance is committing on
 * (place.ts allocateFlash); the other buyers wait their turn.
 */
export const FLASH_ADMITTED_PER_SHARD = 3;

interface Gate {
  inFlight: number;
  waiters: (() => void)[];
}
const gatesByStore = new WeakMap<object, Map<string, Gate>>();

/**
 * Admission to a flash sale's placing transactions on this instance: at most
 * FLASH_ADMITTED_PER_SHARD per shard at once, so a thousand simultaneous buyers do not send a thousand transactions that contend for
 * the same stock shards; the waiters are answered OUT_OF_STOCK the moment the sale is found
 * sold out. Resolves with the `leave` to call when the placement ended (whatever its result);
 * throws OUT_OF_STOCK when the sale is (or becomes, while waiting) sold out here. `onWait` is called once when the buyer must wait (a turn is not free).
 */
export async function enterFlashGate(deps: Deps, marker: string, soldOut: () => Error, onWait?: () => void): Promise<() => void> {
  let gates = gatesByStore.get(deps.store);
  if (!gates) gatesByStore.set(deps.store, (gates = new Map()));
  let gate = gates.get(marker);
  if (!gate) gates.set(marker, (gate = { inFlight: 0, waiters: [] }));
  const g = gate;
  const width = FLASH_ADMITTED_PER_SHARD * deps.settings.flashShards;
  if (g.inFlight >= width) onWait?.();
  while (g.inFlight >= width) {
    if (isSoldOut(deps, marker)) throw soldOut();
    await new Promise<void>((resolve) => g.waiters.push(resolve));
  }
  if (isSoldOut(deps, marker)) throw soldOut();
  g.inFlight++;
  let left = false;
  return () => {
    if (left) return;
    left = true;
    g.inFlight--;
    // Sold out: every waiter hears it now; otherwise the next one goes.
    if (isSoldOut(deps, marker)) for (const wake of g.waiters.splice(0)) wake();
    else g.waiters.shift()?.();
    if (g.inFlight === 0 && g.waiters.length === 0) gates!.delete(marker);
  };
}

/**
 * What this instance knows of a flash sale's stock shards, to spread its buyers over them: the
 * units sold per shard as last read (one read shared by every buyer of the instance for
 * FLASH_VIEW_MS) plus its own commits since, and the units its placements are committing now.
 * Only a guide, as any read: each shard's condition decides every sale. It may count a unit
 * twice (a commit and a read racing), never miss one of its own, so a sale is declared sold out
 * only by a failed condition or a fresh read.
 */
export interface FlashView {
  caps: number[];
  sold: number[];
  inFlight: number[];
  /** When the last read was asked (monotonic ms), and that read while it is under way. */
  at: number;
  reading?: Promise<void>;
  /** Rotates the first shard tried, so buyers with equal choices land on different shards. */
  turn: number;
  /** Buyers waiting for a shard no placement of this instance is committing on. */
  waiters: (() => void)[];
}
export const FLASH_VIEW_MS = 500;
const viewsByStore = new WeakMap<object, Map<string, FlashView>>();

/** The instance's view of a sale's shards, read again (once for all callers) when older than FLASH_VIEW_MS or when `fresh`. */
export async function flashView(deps: Deps, marker: string, caps: number[], read: () => Promise<number[]>, fresh = false): Promise<FlashView> {
  let views = viewsByStore.get(deps.store);
  if (!views) viewsByStore.set(deps.store, (views = new Map()));
  let view = views.get(marker);
  if (!view || view.caps.length !== caps.length) views.set(marker, (view = { caps, sold: caps.map(() => 0), inFlight: caps.map(() => 0), at: -Infinity, turn: Math.floor(Math.random() * caps.length), waiters: [] }));
  const v = view;
  const now = performance.now();
  if (!v.reading && (fresh || now - v.at >= FLASH_VIEW_MS)) {
    v.at = now;
    const reading = read().then(
      (sold) => {
        v.sold = sold;
      },
      (e) => {
        v.at = -Infinity;
        throw e;
      },
    );
    v.reading = reading;
    void reading.finally(() => v.reading === reading && (v.reading = undefined)).catch(() => {});
  }
  if (v.reading) await v.reading;
  return v;
}

/** Units of `shards` taken for a placement being committed; `settle` once it committed or failed (`full`: the shard whose condition failed). */
export function claimFlash(view: FlashView, shards: Record<string, number>): (outcome: { committed: boolean; full?: number }) => void {
  for (const [i, q] of Object.entries(shards)) view.inFlight[Number(i)]! += q;
  let settled = false;
  return ({ committed, full }) => {
    if (settled) return;
    settled = true;
    for (const [i, q] of Object.entries(shards)) {
      const k = Number(i);
      view.inFlight[k]! -= q;
      if (committed) view.sold[k]! += q;
    }
    if (full !== undefined) view.sold[full] = view.caps[full]!;
    for (const wake of view.waiters.splice(0)) wake();
  };
}

/**
 * The records a flash sale's waiting buyers read meanwhile (their replay checks: is this a retry
 * of a request already placed?), read together: the keys asked while a read is under way go in
 * the next one, at most WAITING_BATCH keys to a BatchGet, one BatchGet at a time per instance.
 * A thousand waiters cost the database about ten requests instead of a thousand, and those fill
 * the time between the admitted buyers' transactions instead of queueing ahead of them. `drop`
 * gives up a key not yet sent (the buyer was admitted: placing tells a replay itself); its
 * result is then undefined, as for a key with no record.
 */
export const WAITING_BATCH = 100;
interface Waiting {
  key: Key;
  done: (item: Item | undefined) => void;
  fail: (e: unknown) => void;
}
interface ReadBatch {
  running: boolean;
  pending: Set<Waiting>;
}
const readBatches = new WeakMap<object, ReadBatch>();
const keyText = (k: Key) => `${k.pk}\u0000${k.sk}`;

export function waitingRead(deps: Deps, key: Key): { result: Promise<Item | undefined>; drop: () => void } {
  let b = readBatches.get(deps.store);
  if (!b) readBatches.set(deps.store, (b = { running: false, pending: new Set() }));
  const batch = b;
  let entry!: Waiting;
  const result = new Promise<Item | undefined>((done, fail) => batch.pending.add((entry = { key, done, fail })));
  // Sent once the current microtasks have asked theirs (one BatchGet for every buyer that came at once).
  if (!batch.running) queueMicrotask(() => void sendBatch(deps, batch));
  return {
    result,
    drop: () => {
      if (batch.pending.delete(entry)) entry.done(undefined);
    },
  };
}

async function sendBatch(deps: Deps, batch: ReadBatch): Promise<void> {
  if (batch.running || batch.pending.size === 0) return;
  batch.running = true;
  const taken = [...batch.pending].slice(0, WAITING_BATCH);
  for (const e of taken) batch.pending.delete(e);
  try {
    const found = new Map((await deps.store.getMany([...new Map(taken.map((e) => [keyText(e.key), e.key])).values()])).map((item) => [keyText(item), item]));
    for (const e of taken) e.done(found.get(keyText(e.key)));
  } catch (err) {
    for (const e of taken) e.fail(err);
  } finally {
    batch.running = false;
    if (batch.pending.size) void sendBatch(deps, batch);
  }
}
