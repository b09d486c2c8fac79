import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, TransactionCancelled, type Condition, type WriteOp } from '#ports/item-store';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { staffAlertOps } from '../staff-alerts.ts';
import { failedGuard, guard } from '../guards.ts';
import { runKey, RUN_TTL_DAYS } from './keys.ts';

/**
 * Job run records (`GET /admin/jobs/runs/{runId}`): every run, scheduled or started by staff,
 * is recorded RUNNING when it begins and DONE (with its result) or FAILED (with an error code,
 * never internals) when it ends. A failed run queues a `jobFailed` push to every staff member in
 * (STAFF_OPENIDS, staff-alerts.ts) in the same transaction that records the failure.
 */
export type RunStatus = 'RUNNING' | 'DONE' | 'FAILED';

export interface RunView {
  runId: string;
  job: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  date?: string;
  progress?: unknown;
  result?: unknown;
  error?: { code: string; message?: string };
}

/** How long a start may wait to be picked up by its function before the run counts as lost (the longest function timeout). */
export const LAUNCH_WINDOW_SECONDS = 900;
/** A result larger than this is recorded as `{ truncated: true, bytes }` (an item stays far below the stores' limits). */
const MAX_RESULT_BYTES = 32_000;

const ttl = (deps: Pick<Deps, 'clock'>) => Math.floor(deps.clock.now() / 1000) + RUN_TTL_DAYS * 86_400;

export async function createRun(
  deps: Deps,
  run: { runId: string; job: string; date?: string; by: string; claimed: boolean; deadlineSeconds: number },
): Promise<void> {
  const now = deps.clock.now();
  await deps.store.write({
    type: 'put',
    item: {
      ...runKey(run.runId),
      runId: run.runId,
      job: run.job,
      status: 'RUNNING',
      startedAt: toBizIso(now),
      ...(run.date ? { date: run.date } : {}),
      by: run.by,
      claimed: run.claimed,
      deadlineAt: now + run.deadlineSeconds * 1000,
      expiresAt: ttl(deps),
    },
    when: [{ op: 'notExists' }],
  });
}

/**
 * The job's function takes a start made by staff: once only (a redelivered or replayed start
 * finds it claimed). A part of a fanned-out job (`retake`) may be taken again once its run has
 * failed or outlived its deadline (its instance was killed): Lambda's retry of a failed invoke,
 * or a replay from the dead-letter queue, then runs the part again — parts are idempotent and
 * resume where the failed run stopped — while a part still running keeps it.
 */
export async function claimRun(deps: Deps, runId: string, job: string, leaseSeconds: number, options: { retake?: boolean } = {}): Promise<boolean> {
  const now = deps.clock.now();
  const claimable: Condition = options.retake
    ? { op: 'or', conditions: [{ op: 'eq', path: 'claimed', value: false }, { op: 'eq', path: 'status', value: 'FAILED' }, { op: 'lt', path: 'deadlineAt', value: now }] }
    : { op: 'eq', path: 'claimed', value: false };
  try {
    await deps.store.write({
      type: 'update',
      key: runKey(runId),
      update: { set: { claimed: true, status: 'RUNNING', deadlineAt: now + leaseSeconds * 1000 }, ...(options.retake ? { remove: ['error', 'finishedAt'] } : {}) },
      when: [{ op: 'exists' }, claimable, { op: 'eq', path: 'job', value: job }, ...(options.retake ? [] : [{ op: 'eq' as const, path: 'status', value: 'RUNNING' }])],
    });
    return true;
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    return false;
  }
}

function capped(result: unknown): unknown {
  if (result === undefined) return null;
  const text = JSON.stringify(result) ?? 'null';
  return text.length > MAX_RESULT_BYTES ? { truncated: true, bytes: text.length } : JSON.parse(text);
}

export async function finishRun(deps: Deps, runId: string, result: unknown): Promise<void> {
  await deps.store.write({
    type: 'update',
    key: runKey(runId),
    update: { set: { status: 'DONE', finishedAt: toBizIso(deps.clock.now()), result: capped(result) } },
    when: [{ op: 'exists' }],
  });
}

/** What a failure is recorded as: the contract's code and message for a deliberate failure, `INTERNAL` for anything else. */
export function errorOf(e: unknown, fallback = 'INTERNAL'): { code: string; message?: string } {
  return e instanceof AppError ? { code: e.code, message: e.message } : { code: fallback };
}

/** Records the run FAILED and queues the `jobFailed` push to every staff member, in one transaction. */
export async function failRun(deps: Deps, job: string, runId: string, error: { code: string; message?: string }): Promise<void> {
  const now = deps.clock.now();
  const record: WriteOp = {
    type: 'update',
    key: runKey(runId),
    update: { set: { status: 'FAILED', finishedAt: toBizIso(now), error } },
    when: [{ op: 'exists' }],
  };
  const pushes = await staffAlertOps(deps, { key: 'jobFailed', payload: { job, runId, code: error.code, at: toBizIso(now) }, dedupe: `jobFailed#${runId}` });
  const ops = [guard('run', record), ...pushes];
  try {
    await deps.store.transact(ops);
  } catch (e) {
    // Already queued for this run (a redelivered failure): record the failure alone.
    if (!(e instanceof TransactionCancelled) || failedGuard(e, ops) === 'run') throw e;
    await deps.store.write(record);
  }
}

/**
 * `POST /admin/jobs/{job}/run`: records the run RUNNING, then hands it to the job's function
 * (deps.jobs) and answers at once. A start that could not be handed over is recorded FAILED
 * (`LAUNCH_FAILED`) and pushed like any failed run.
 */
export async function startJobRun(deps: Deps, start: { job: string; fn: string; date?: string; part?: string; by: string }): Promise<{ runId: string }> {
  const runId = deps.ids.newId();
  await createRun(deps, { runId, job: start.job, ...(start.date ? { date: start.date } : {}), by: start.by, claimed: false, deadlineSeconds: LAUNCH_WINDOW_SECONDS });
  try {
    await deps.jobs.launch(start.fn, { job: start.job, ...(start.date ? { date: start.date } : {}), ...(start.part ? { part: start.part } : {}), runId });
  } catch (e) {
    logger.error('job launch failed', { job: start.job, runId, error: (e as Error).name });
    await failRun(deps, start.job, runId, { code: 'LAUNCH_FAILED' });
  }
  return { runId };
}

/** The run as staff see it. A run still RUNNING past its deadline (its function was killed by a timeout) reads FAILED, `TIMED_OUT`. */
export async function readRun(deps: Deps, runId: string): Promise<RunView> {
  const item = await deps.store.get(runKey(runId), { consistent: true });
  if (!item) throw new AppError('NOT_FOUND', `no job run ${runId}`);
  const lost = item.status === 'RUNNING' && typeof item.deadlineAt === 'number' && deps.clock.now() > item.deadlineAt;
  return {
    runId,
    job: String(item.job),
    status: lost ? 'FAILED' : (item.status as RunStatus),
    startedAt: String(item.startedAt),
    ...(item.finishedAt ? { finishedAt: String(item.finishedAt) } : {}),
    ...(item.date ? { date: String(item.date) } : {}),
    ...(item.progress !== undefined ? { progress: item.progress } : {}),
    ...(item.status === 'DONE' ? { result: item.result } : {}),
    ...(lost ? { error: { code: 'TIMED_OUT' } } : item.error ? { error: item.error as RunView['error'] } : {}),
  };
}
