import { AppError } from '#domain/errors';
import type { Deps } from '../deps.ts';
import { readRun, startJobRun } from './runs.ts';

/**
 * A job fanned out over function instances (issue 19): the run that finds more work than one
 * instance's budget (the coordinator: a heartbeat or a staff start) starts `count` parts of the
 * same job as runs of their own — Lambda asynchronous invokes on AWS (failures, after Lambda's
 * retries, to the job dead-letter queue of serverless.yml), `callFunction` on CloudBase,
 * serverless-offline's invoke endpoint on the local stack — and waits for them. A part is
 * `<index>/<count>`: each job says what its part holds (the cutoff: the communities whose id
 * hashes to `index`; settle: the leaders; notify: outbox shard `index`), so a part names its
 * work without carrying it and is the same on every retry. Every part runs under a lease of its
 * own (runner.ts) and only does work whose writes are conditioned (a community's wave, a
 * leader's watermark, an entry's claim), so a part run twice, a coordinator doing what a part
 * left, and the next heartbeat re-dispatching an unfinished part never do anything twice.
 */

/** FNV-1a of a key: the part it belongs to among `count`, stable across runs and instances. */
export function partOf(key: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
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

/**
 * When a job fans out and into how many parts: the defaults below, each overridable by the
 * deployment's configuration (FANOUT_* in shared/platform/config.ts; the bench sets them).
 */
export interface FanOutSizing {
  /** Communities per cutoff part: a wave with more open communities than this fans out (default 50). */
  cutoffBatch: number;
  /** Leaders per settle part: a settle run over more leaders than this fans out (default 2,500). */
  settleLeaders: number;
  /** Due outbox entries one notify run drains within its budget: a larger backlog fans out, one part per shard (default 2,000). */
  notifyBacklog: number;
  /** The most parts one coordinator starts (Lambda's and CloudBase's concurrency are shared with the API; default 64). */
  maxParts: number;
}

export const FANOUT_DEFAULTS: FanOutSizing = { cutoffBatch: 50, settleLeaders: 2_500, notifyBacklog: 2_000, maxParts: 64 };

/** The sizing in force: the configuration's, else the defaults. */
export const fanOutOf = (deps: Pick<Deps, 'fanOut'>): FanOutSizing => ({ ...FANOUT_DEFAULTS, ...deps.fanOut });

/** Whether this run can start parts at all (a launcher is wired: not in scripts and benchmarks without one). */
export const canFanOut = (deps: Pick<Deps, 'jobs'>): boolean => deps.jobs.available !== false;

/** How many parts `work` items make in batches of `batch`, at most `maxParts`. */
export const partCount = (work: number, batch: number, maxParts: number): number => Math.max(1, Math.min(maxParts, Math.ceil(work / Math.max(1, batch))));

/** The resident set size (MB) of the instance a part ran in, sampled while it ran; returned in the part's result. */
export function rssSampler(everyMs = 200): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  timer.unref?.();
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage.rss()) / 2 ** 20);
    },
  };
}

export interface PartsOutcome<R> {
  count: number;
  /** The results of the parts whose run ended DONE with a result `isResult` accepts, by index. */
  done: { index: number; result: R }[];
  /** Parts that could not be started, failed, were skipped (another run held their lease) or had not ended within the budget. */
  failed: number[];
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The coordinator's side: starts parts `0/count` … `count-1/count` of `job` in function `fn`
 * and waits (while `inBudget`) until every part's run has ended. What a failed or unfinished
 * part leaves is for the caller: do it here (its writes are conditioned like the part's) or
 * leave it to the next heartbeat, which dispatches again whatever is still to do.
 */
export async function runParts<R>(
  deps: Deps,
  start: { job: string; fn: string; date?: string; count: number; by: string },
  isResult: (r: unknown) => r is R,
  inBudget: () => boolean,
  // Each pending part's run record is read once per poll: slower polls for many parts.
  pollMs = Math.max(250, Math.min(2_000, 50 * start.count)),
): Promise<PartsOutcome<R>> {
  const runs = await Promise.all(
    Array.from({ length: start.count }, (_, i) =>
      startJobRun(deps, { job: start.job, fn: start.fn, ...(start.date ? { date: start.date } : {}), part: `${i}/${start.count}`, by: start.by }),
    ),
  );
  const outcome: PartsOutcome<R> = { count: start.count, done: [], failed: [] };
  const pending = new Map(runs.map((r, index) => [r.runId, index]));
  while (pending.size && inBudget()) {
    for (const [runId, index] of [...pending]) {
      const run = await readRun(deps, runId);
      if (run.status === 'RUNNING') continue;
      pending.delete(runId);
      if (run.status === 'DONE' && isResult(run.result)) outcome.done.push({ index, result: run.result });
      else outcome.failed.push(index);
    }
    if (pending.size) await pause(pollMs);
  }
  outcome.failed.push(...pending.values());
  outcome.done.sort((a, b) => a.index - b.index);
  outcome.failed.sort((a, b) => a - b);
  return outcome;
}
