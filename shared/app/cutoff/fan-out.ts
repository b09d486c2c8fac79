import { performance } from 'node:perf_hooks';
import { AppError } from '#domain/errors';
import { logger } from '#platform/logger';
import type { Item } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { listCommunities, type Community } from '../catalog/communities.ts';
import { forEachLimit } from '../concurrency.ts';
import { readRun, startJobRun } from '../jobs/runs.ts';
import { closeCommunityWave } from './close-community.ts';

/**
 * The cutoff fanned out over function instances (issue 19): when a wave has more open
 * communities than one batch, the run that found them (the coordinator: the heartbeat or a
 * staff start) starts one part per batch as runs of the cutoff job in other instances —
 * Lambda asynchronous invokes on AWS (failures to the dead-letter queue), `callFunction` on
 * CloudBase, serverless-offline's invoke endpoint on the local stack — and waits for them.
 * A part is `<index>/<count>`: the communities whose id hashes to `index` modulo `count`, so
 * a part names its communities without carrying them and is the same on every retry. Each
 * community's close is conditioned on its wave, so parts, a coordinator closing what is left,
 * and the next heartbeat never close a community twice; the reports are written from the
 * saved parts once every community is closed (close-waves.ts), exactly as without fan-out.
 */
export const CUTOFF_BATCH = 50;

/** FNV-1a of the community id: the part a community belongs to, stable across runs and instances. */
export function partOf(communityId: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < communityId.length; i++) {
    h ^= communityId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % count;
}

export function parsePart(part: string): { index: number; count: number } {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(part);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new AppError('VALIDATION_FAILED', 'part must be <index>/<count> with index < count', { issues: [{ path: 'part', message: 'expected <index>/<count>' }] });
  return { index, count };
}

export interface PartOutcome {
  part: string;
  date: string;
  closedCommunities: number;
  skippedCommunities: number;
  confirmed: number;
  cancelled: number;
  complete: boolean;
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
  const mine = (await listCommunities(deps)).filter((c) => partOf(c.id, count) === index);
  const open = await openCommunities(deps, date, mine);
  const outcome: PartOutcome = { part, date, closedCommunities: 0, skippedCommunities: mine.length - open.length, confirmed: 0, cancelled: 0, complete: false };
  const { started: began } = await forEachLimit(
    open,
    options.concurrency ?? 16,
    async (community) => {
      const r = await closeCommunityWave(deps, date, community);
      if (r.closed) outcome.closedCommunities++;
      else outcome.skippedCommunities++;
      outcome.confirmed += r.confirmed;
      outcome.cancelled += r.cancelled;
    },
    { stopOnError: true, canStart: () => performance.now() - started < (options.budgetMs ?? 4 * 60_000) },
  );
  outcome.complete = began === open.length;
  logger.info('cutoff part', { date, part, closed: outcome.closedCommunities, complete: outcome.complete });
  return outcome;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The coordinator's side: starts ceil(open / batch) parts of wave `date` and waits (within the
 * budget) until every part's run has ended; answers the parts' totals. A part that could not
 * be started or failed leaves its communities open: the caller closes what is left itself, or
 * the next heartbeat starts it again.
 */
export async function fanOutWave(deps: Deps, date: string, open: number, batch: number, inBudget: () => boolean): Promise<{ parts: number; closedCommunities: number; confirmed: number; cancelled: number; failedParts: number }> {
  const count = Math.ceil(open / batch);
  const runs = await Promise.all(
    Array.from({ length: count }, (_, i) => startJobRun(deps, { job: 'cutoff', fn: 'cutoff', date, part: `${i}/${count}`, by: 'cutoff' })),
  );
  const totals = { parts: count, closedCommunities: 0, confirmed: 0, cancelled: 0, failedParts: 0 };
  const pending = new Set(runs.map((r) => r.runId));
  while (pending.size && inBudget()) {
    for (const runId of [...pending]) {
      const run = await readRun(deps, runId);
      if (run.status === 'RUNNING') continue;
      pending.delete(runId);
      const r = run.result as Partial<PartOutcome> | undefined;
      if (run.status === 'DONE' && r && typeof r.closedCommunities === 'number') {
        totals.closedCommunities += r.closedCommunities;
        totals.confirmed += r.confirmed ?? 0;
        totals.cancelled += r.cancelled ?? 0;
      } else totals.failedParts++;
    }
    if (pending.size) await pause(250);
  }
  totals.failedParts += pending.size;
  return totals;
}
