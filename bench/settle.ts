/**
 * Settlement at scale: seeds `leaders` leaders with `entriesPerLeader` picked-up commission
 * entries each in ISO week 2026-W48 (directly, with putMany), times one settle run at Monday
 * 2026-11-30 02:00 (one statement per leader, each its own transaction), and compares it with a
 * bare parallel Query reading the same entries at the same concurrency — so the ratio is what
 * settling costs beyond reading the ledger once.
 */
import { fixedClock } from '#ports/clock';
import { queryAll, type Item, type ItemStore } from '#ports/item-store';
import { keys } from '#app/keys';
import { commissionEntry, leaderItems } from '#test/settle-fixtures';
import { settleKeys } from '#app/settle/keys';
import { forEachLimit } from '#app/concurrency';
import { runSettlement, SETTLE_CONCURRENCY } from '#app/settle/run';
import { benchDeps, peakRssMb } from './support.ts';

export interface SettleBenchResult {
  name: string;
  /** One settle run over every leader. */
  ms: number;
  /** A bare parallel Query of the same entries. */
  baselineMs: number;
  ratio: number;
  peakRssMb: number;
  leaders: number;
  entries: number;
  statements: number;
}

const WEEK_START = Date.parse('2026-11-23T00:00:00+08:00');
const WEEK_END = '2026-11-30T00:00:00+08:00';
const SEED_CONCURRENCY = 16;

export async function benchSettle(opts: { store: ItemStore; leaders: number; entriesPerLeader: number }): Promise<SettleBenchResult> {
  const { store, leaders, entriesPerLeader } = opts;
  const clock = fixedClock('2026-11-30T02:00:00+08:00');
  const deps = await benchDeps(store, clock, false);

  // Prepare (not timed): leaders, their W48 entries and pending balances.
  const ids = Array.from({ length: leaders }, (_, i) => `bl-${String(i).padStart(6, '0')}`);
  const items: Item[] = [];
  for (const id of ids) {
    items.push(...leaderItems({ id, createdAt: '2026-10-01T09:00:00+08:00' }));
    let pending = 0;
    for (let j = 0; j < entriesPerLeader; j++) {
      const at = shanghaiIso(WEEK_START + Math.floor(((j + 0.5) / entriesPerLeader) * 7 * 86_400_000));
      const entry = commissionEntry({
        leaderId: id,
        id: `e${String(j).padStart(4, '0')}`,
        at,
        lines: [
          { productId: 'p-pork', title: '土猪五花肉 500g', qty: 1, paidFen: 2_990 + j, rate: 0.1 },
          { productId: 'p-rice', title: '五常大米 5kg', qty: 1, paidFen: 6_990, rate: 0.08 },
        ],
      });
      pending += entry.amountFen;
      items.push({ ...keys.leaderEntry(id, entry.at, entry.id), ...entry });
    }
    items.push({ ...keys.leaderBalance(id), leaderId: id, pendingFen: pending, availableFen: 0, withdrawnFen: 0, reservedFen: 0 });
  }
  const chunk = Math.ceil(items.length / SEED_CONCURRENCY);
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, (_, i) => store.putMany(items.slice(i * chunk, (i + 1) * chunk))));

  const started = performance.now();
  const result = await runSettlement(deps);
  const ms = performance.now() - started;
  if (result.statements !== leaders || result.failed.length) {
    throw new Error(`settle bench: ${result.statements} statements for ${leaders} leaders, ${result.failed.length} failed`);
  }

  const baseStarted = performance.now();
  let read = 0;
  await forEachLimit(ids, SETTLE_CONCURRENCY, async (id) => {
    const entries = await queryAll(store, { ...settleKeys.entriesBetween(id, undefined, WEEK_END), consistent: true });
    read += entries.length;
  });
  const baselineMs = performance.now() - baseStarted;
  if (read !== leaders * entriesPerLeader) throw new Error(`settle bench: the baseline read ${read} entries`);

  return {
    name: `settle ${leaders}×${entriesPerLeader}`,
    ms: Math.round(ms),
    baselineMs: Math.round(baselineMs),
    ratio: Math.round((ms / baselineMs) * 100) / 100,
    peakRssMb: peakRssMb(),
    leaders,
    entries: leaders * entriesPerLeader,
    statements: result.statements,
  };
}

/** An instant as ISO with the +08:00 offset, as the ledger stamps entries (seconds precision). */
function shanghaiIso(ms: number): string {
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}
