import { performance } from 'node:perf_hooks';
import { AppError } from '#domain/errors';
import { addDays, isBizDate, toBizIso } from '#domain/time';
import { clockWaveDate, lastDueWaveDate, waveCutoffAt } from '#domain/wave-clock';
import { ConditionFailed, type Item } from '#ports/item-store';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { listCommunities, type Community } from '../catalog/communities.ts';
import { cutoffKeys } from './keys.ts';
import { writeWaveReports } from './reports.ts';
import { closeEach, fanOutWave, openCommunities } from './fan-out.ts';

export interface CutoffOptions {
  /** Close this wave now (early close by the merchant); otherwise every due wave not yet closed. */
  date?: string;
  /** Communities closed at once (default 16). */
  concurrency?: number;
  /**
   * Wall time after which no further community is started (default 4 minutes, inside the
   * 5-minute heartbeat); what is left is resumed by the next beat.
   */
  budgetMs?: number;
  /**
   * Fan out over function instances (fan-out.ts): a wave with more open communities than this
   * is closed by parts started as runs of their own. Absent: this run closes every community.
   */
  batch?: number;
}

export interface WaveOutcome {
  date: string;
  /** Communities whose close this run made. */
  closedCommunities: number;
  /** Communities found closed already. */
  skippedCommunities: number;
  confirmed: number;
  cancelled: number;
  /** Reports written by this run (false: they were written before and nothing changed). */
  reportsWritten: boolean;
  complete: boolean;
}

export interface CutoffSummary {
  waves: WaveOutcome[];
  wavesClosed: number;
  communities: number;
  ordersConfirmed: number;
  ordersCancelled: number;
  /** False when the time budget ran out; the next run resumes where this one stopped. */
  complete: boolean;
}

const DEFAULT_CONCURRENCY = 16;
const DEFAULT_BUDGET_MS = 4 * 60_000;

/**
 * The cutoff (DESIGN.md §6, API.md "Scheduled jobs"), woken every 5 minutes: closes every wave
 * whose cutoff instant (the setting `cutoffTime`, read when the beat runs) has passed and that
 * is not yet closed, or the one given. What is due comes from data and the clock (the last wave
 * closed with all before it), not from when the job woke, so a missed or interrupted run is
 * caught up by the next beat. Safe to run twice or concurrently: each community's close is
 * conditioned on its wave, reports are rewritten from the saved parts with the same content,
 * and a finished wave is not touched again.
 */
export async function runCutoff(deps: Deps, options: CutoffOptions = {}): Promise<CutoffSummary> {
  const started = performance.now();
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const inBudget = () => performance.now() - started < budgetMs;
  const dates = options.date ? [checkEarlyClose(deps, options.date)] : await dueWaves(deps);

  const waves: WaveOutcome[] = [];
  let communities: Community[] | undefined;
  for (const date of dates) {
    if (!inBudget()) break;
    communities ??= await listCommunities(deps);
    const outcome = await closeWave(deps, date, communities, options.concurrency ?? DEFAULT_CONCURRENCY, inBudget, options.batch);
    waves.push(outcome);
    if (!outcome.complete) break;
    await advanceLast(deps, date);
  }
  const complete = waves.length === dates.length && waves.every((w) => w.complete);
  const summary: CutoffSummary = {
    waves,
    wavesClosed: waves.filter((w) => w.complete && (w.closedCommunities > 0 || w.reportsWritten)).length,
    communities: waves.reduce((s, w) => s + w.closedCommunities, 0),
    ordersConfirmed: waves.reduce((s, w) => s + w.confirmed, 0),
    ordersCancelled: waves.reduce((s, w) => s + w.cancelled, 0),
    complete,
  };
  logger.info('cutoff run', { dates, complete, communities: summary.communities, confirmed: summary.ordersConfirmed, cancelled: summary.ordersCancelled });
  return summary;
}

/**
 * The waves a scheduled run must look at: from the day after the last one closed with all
 * before it, through the latest whose cutoff has passed. That latest one is looked at again
 * (it catches a community created after an early close) until a run at or after its cutoff
 * instant has completed it; from then on a beat with nothing due costs two reads. Without any
 * record yet, the latest due wave only.
 */
export async function dueWaves(deps: Deps): Promise<string[]> {
  const now = deps.clock.now();
  const lastDue = lastDueWaveDate(deps.settings, now);
  const [last, lastDueDone] = await Promise.all([deps.store.get(cutoffKeys.last()), deps.store.get(cutoffKeys.waveDone(lastDue))]);
  let date = typeof last?.date === 'string' ? addDays(last.date, 1) : lastDue;
  if (date > lastDue) {
    if (checkedAfterCutoff(deps, lastDue, lastDueDone)) return [];
    date = lastDue;
  }
  const out: string[] = [];
  for (; date <= lastDue; date = addDays(date, 1)) out.push(date);
  return out;
}

/** Whether a complete run looked at wave `date` at or after its cutoff instant (nothing more can join it). */
function checkedAfterCutoff(deps: Deps, date: string, done: Item | undefined): boolean {
  const at = [done?.doneAt, done?.checkedAt].filter((t): t is string => typeof t === 'string').map((t) => Date.parse(t));
  return at.some((t) => t >= waveCutoffAt(deps.settings, date));
}

/** An early close names the open wave or an earlier one; a later wave has not begun. */
function checkEarlyClose(deps: Deps, date: string): string {
  if (!isBizDate(date)) throw new AppError('VALIDATION_FAILED', 'date must be YYYY-MM-DD', { issues: [{ path: 'date', message: 'expected a date YYYY-MM-DD' }] });
  const open = clockWaveDate(deps.settings, deps.clock.now());
  if (date > open) throw new AppError('INVALID_STATE', `wave ${date} has not opened yet; the open wave is ${open}`, { date, openWave: open });
  return date;
}

/**
 * Closes one wave: every community not yet closed, at most `concurrency` at once, then the
 * reports when this run closed anything or they were never written. A wave is done (and
 * recorded so) when every community is closed and the reports are written.
 */
async function closeWave(deps: Deps, date: string, communities: readonly Community[], concurrency: number, inBudget: () => boolean, batch?: number): Promise<WaveOutcome> {
  const outcome: WaveOutcome = { date, closedCommunities: 0, skippedCommunities: 0, confirmed: 0, cancelled: 0, reportsWritten: false, complete: false };
  // Not closed and swept (the close sets sweptAt since issue 19); a closed one not yet swept is finished by closeCommunityWave.
  let open = await openCommunities(deps, date, communities);
  outcome.skippedCommunities = communities.length - open.length;
  // Many communities: parts in other instances close them (fan-out.ts); this run closes what they left.
  if (batch !== undefined && deps.jobs.available !== false && open.length > batch) {
    const parts = await fanOutWave(deps, date, open.length, batch, inBudget);
    outcome.closedCommunities += parts.closedCommunities;
    outcome.confirmed += parts.confirmed;
    outcome.cancelled += parts.cancelled;
    open = await openCommunities(deps, date, open);
    if (parts.failedParts) logger.warn('cutoff parts did not finish; closing what is left here', { date, failedParts: parts.failedParts, left: open.length });
  }

  if (!(await closeEach(deps, date, open, outcome, concurrency, inBudget))) return outcome;

  const done = await deps.store.get(cutoffKeys.waveDone(date));
  if (outcome.closedCommunities > 0 || !done) {
    const written = await writeWaveReports(deps, date, communities);
    outcome.reportsWritten = true;
    await deps.store.write({
      type: 'put',
      item: { ...cutoffKeys.waveDone(date), status: 'DONE', date, doneAt: toBizIso(deps.clock.now()), communities: written.communities, orders: written.orders },
    });
  } else if (deps.clock.now() >= waveCutoffAt(deps.settings, date) && !checkedAfterCutoff(deps, date, done)) {
    // Closed early and found complete after its cutoff: later beats need not look again.
    await deps.store.write({ type: 'update', key: cutoffKeys.waveDone(date), update: { set: { checkedAt: toBizIso(deps.clock.now()) } } });
  }
  outcome.complete = true;
  return outcome;
}

/** Moves the catch-up start past `date` when every wave before it is closed too. */
async function advanceLast(deps: Deps, date: string): Promise<void> {
  const last = await deps.store.get(cutoffKeys.last());
  if (typeof last?.date === 'string' && last.date !== addDays(date, -1)) return;
  try {
    await deps.store.write({
      type: 'update',
      key: cutoffKeys.last(),
      update: { set: { date, at: toBizIso(deps.clock.now()) } },
      when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'date' }, { op: 'eq', path: 'date', value: addDays(date, -1) }] }],
    });
  } catch (e) {
    // Already at or past it (a concurrent run), or an earlier wave is still open: keep it.
    if (!(e instanceof ConditionFailed)) throw e;
  }
}
