import { performance } from 'node:perf_hooks';
import { logger } from '#platform/logger';
import type { Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { listCommunities, type Community } from '../catalog/communities.ts';
import { forEachLimit } from '../concurrency.ts';
import { fanOutOf, parsePart, partCount, partOf, rssSampler, runParts } from '../jobs/parts.ts';
import { closeCommunityWave } from './close-community.ts';

/**
 * The cutoff fanned out over function instances (issue 19, the mechanism in ../jobs/parts.ts):
 * when a wave has more open communities than one batch (FanOutSizing.cutoffBatch), the run that
 * found them (the coordinator: the heartbeat or a staff start) starts one part per batch as runs
 * of the cutoff job in other instances and waits for them. Part `<index>/<count>` holds the
 * communities whose id hashes to `index` modulo `count`. Each community's close is conditioned
 * on its wave, so parts, a coordinator closing what is left, and the next heartbeat never close
 * a community twice; the reports are written from the saved parts once every community is
 * closed (close-waves.ts), exactly as without fan-out.
 */
export { parsePart, partOf };

/** A part stops starting communities after this (the coordinator waits up to its own 4 minutes, so it sees the part end). */
export const PART_BUDGET_MS = 3.5 * 60_000;

/** What closing communities adds up: closed, skipped (another run closed it), orders confirmed and cancelled. */
export interface CloseTally {
  closedCommunities: number;
  skippedCommunities: number;
  confirmed: number;
  cancelled: number;
}

/**
 * Closes each community's wave (closeCommunityWave), `concurrency` at once while `canStart`,
 * adding to `tally`; the first failure stops the rest. True when every community was started
 * (a part and the coordinator both close their communities so).
 */
export async function closeEach(deps: Deps, date: string, open: readonly Community[], tally: CloseTally, concurrency: number, canStart: () => boolean): Promise<boolean> {
  const { started } = await forEachLimit(
    open,
    concurrency,
    async (community) => {
      const r = await closeCommunityWave(deps, date, community);
      if (r.closed) tally.closedCommunities++;
      else tally.skippedCommunities++;
      tally.confirmed += r.confirmed;
      tally.cancelled += r.cancelled;
    },
    { stopOnError: true, canStart },
  );
  return started === open.length;
}

export interface PartOutcome {
  part: string;
  date: string;
  closedCommunities: number;
  skippedCommunities: number;
  confirmed: number;
  cancelled: number;
  complete: boolean;
  /** The resident set size (MB) of the instance the part ran in, at its peak while the part ran. */
  peakRssMb?: number;
}

/** Closed and swept: nothing is left to do for the community. */
const waveFinished = (wave: Item | undefined): boolean => wave?.status === 'CLOSED' && !!wave.sweptAt;

/** The communities of `list` whose wave `date` is not finished. */
export async function openCommunities(deps: Deps, date: string, list: readonly Community[]): Promise<Community[]> {
  const waves = await deps.store.getMany(list.map((c) => keys.communityWave(c.id, date)));
  const done = new Set(waves.filter(waveFinished).map((w) => w.pk));
  return list.filter((c) => !done.has(keys.communityWave(c.id, date).pk));
}

/** A part's run (the worker): closes its communities of wave `date` still open, 16 at once, within the budget. */
export async function closePart(deps: Deps, date: string, part: string, options: { concurrency?: number; budgetMs?: number } = {}): Promise<PartOutcome> {
  const { index, count } = parsePart(part);
  const started = performance.now();
  const rss = rssSampler();
  const mine = (await listCommunities(deps)).filter((c) => partOf(c.id, count) === index);
  const open = await openCommunities(deps, date, mine);
  const outcome: PartOutcome = { part, date, closedCommunities: 0, skippedCommunities: mine.length - open.length, confirmed: 0, cancelled: 0, complete: false };
  outcome.complete = await closeEach(deps, date, open, outcome, options.concurrency ?? 16, () => performance.now() - started < (options.budgetMs ?? 4 * 60_000));
  outcome.peakRssMb = rss.stop();
  logger.info('cutoff part', { date, part, closed: outcome.closedCommunities, complete: outcome.complete });
  return outcome;
}

const isPartOutcome = (r: unknown): r is PartOutcome => typeof (r as Partial<PartOutcome> | null)?.closedCommunities === 'number';

/**
 * The coordinator's side: starts ceil(open / batch) parts (at most FanOutSizing.maxParts) of
 * wave `date` and waits (within the budget) until every part's run has ended; answers the
 * parts' totals. A part that could not be started, failed or is still running leaves its
 * communities open: the caller closes what is left itself, or the next heartbeat starts parts
 * again for whatever is still open.
 */
export async function fanOutWave(deps: Deps, date: string, open: number, batch: number, inBudget: () => boolean): Promise<{ parts: number; closedCommunities: number; confirmed: number; cancelled: number; failedParts: number; peakRssMb: number }> {
  const count = partCount(open, batch, fanOutOf(deps).maxParts);
  const parts = await runParts(deps, { job: 'cutoff', fn: 'cutoff', date, count, by: 'cutoff' }, isPartOutcome, inBudget);
  const sum = (f: (r: PartOutcome) => number) => parts.done.reduce((s, p) => s + f(p.result), 0);
  return {
    parts: count,
    closedCommunities: sum((r) => r.closedCommunities),
    confirmed: sum((r) => r.confirmed),
    cancelled: sum((r) => r.cancelled),
    failedParts: parts.failed.length,
    peakRssMb: Math.max(0, ...parts.done.map((p) => p.result.peakRssMb ?? 0)),
  };
}
