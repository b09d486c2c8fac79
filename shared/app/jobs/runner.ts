import * as z from 'zod/mini';
import { AppError } from '#domain/errors';
import { bizDateSchema } from '#platform/schema';
import { logger } from '#platform/logger';
import { defineCommand, type FunctionModule, type Job } from '#app/command';
import type { JobInput } from '#platform/command';
import type { Deps } from '../deps.ts';
import { acquireLease, releaseLease } from './lease.ts';
import { claimRun, createRun, errorOf, failRun, finishRun } from './runs.ts';

/** A job as its function runs it: leased, recorded, failures pushed. */
export interface RunnerJob extends Job {
  /** How long its lease lasts: at least its function's timeout. */
  leaseSeconds: number;
}

/**
 * Wraps a job for its function, so every run on either cloud — the EventBridge schedule, the
 * CloudBase timer, or a start from `POST /admin/jobs/{job}/run` — goes through the same steps:
 *
 * 1. a staff-started run (`runId`) must carry the launcher's signature and is claimed once;
 *    a scheduled run gets a run record of its own;
 * 2. the job's lease is taken; when another run holds it, this one ends at once with
 *    `{ skipped: 'already running', runId: <the holder> }` (not a failure for the scheduler);
 * 3. the job runs; its result is recorded DONE, or the failure is recorded FAILED with a push
 *    to staff, and rethrown so the scheduler's retries and alarms see it;
 * 4. the lease is given back.
 */
export function runnerJob(job: Job, leaseSeconds: number): RunnerJob {
  return {
    name: job.name,
    leaseSeconds,
    run: (deps: Deps, input: JobInput) => runOnce(deps, job, leaseSeconds, input),
  };
}

async function runOnce(deps: Deps, job: Job, leaseSeconds: number, input: JobInput): Promise<unknown> {
  const date = input.date;
  const part = input.part;
  // A part of a fanned-out run holds a lease of its own: the coordinating run holds the job's.
  const leaseName = part ? `${job.name}#${part}` : job.name;
  let runId: string;
  if (input.runId !== undefined) {
    runId = input.runId;
    if (!input.sig || !deps.jobs.verify({ job: job.name, ...(date ? { date } : {}), ...(part ? { part } : {}), runId }, input.sig))
      throw new AppError('UNAUTHENTICATED', 'a job start must carry the launcher’s signature');
    if (!(await claimRun(deps, runId, job.name, leaseSeconds, { retake: !!part }))) return { skipped: 'already started', runId };
  } else {
    runId = deps.ids.newId();
    await createRun(deps, { runId, job: job.name, ...(date ? { date } : {}), by: 'schedule', claimed: true, deadlineSeconds: leaseSeconds });
  }
  if (part && input.runId === undefined) throw new AppError('UNAUTHENTICATED', 'a part runs only as a signed start');
  const lease = await acquireLease(deps, leaseName, runId, leaseSeconds);
  if (!lease.acquired) {
    const skipped = { skipped: 'already running', runId: lease.holder };
    await finishRun(deps, runId, skipped).catch((e) => logger.error('job run record not written', { job: job.name, runId, error: (e as Error).name }));
    return skipped;
  }
  try {
    const result = await job.run(deps, { ...(date ? { date } : {}), ...(part ? { part } : {}) });
    await finishRun(deps, runId, result).catch((e) => logger.error('job run record not written', { job: job.name, runId, error: (e as Error).name }));
    return result;
  } catch (e) {
    await failRun(deps, job.name, runId, errorOf(e)).catch((w) => logger.error('job failure not recorded', { job: job.name, runId, error: (w as Error).name }));
    throw e;
  } finally {
    await releaseLease(deps, leaseName, runId).catch((e) => logger.error('job lease not released', { job: job.name, runId, error: (e as Error).name }));
  }
}

/**
 * A function module whose jobs run through `runnerJob`, plus its `<fn>.startJob` action: how a
 * start from `POST /admin/jobs/{job}/run` reaches the function on CloudBase
 * (`cloud.callFunction`); it runs only with the launcher's signature. On AWS the start arrives
 * as a Lambda event on the scheduled path instead (the action has no HTTP route).
 */
export function withJobRunner(mod: FunctionModule, leaseSeconds: number): FunctionModule & { jobs: RunnerJob[] } {
  const jobs = (mod.jobs ?? []).map((j) => runnerJob(j, leaseSeconds));
  const startJob = defineCommand({
    name: `${mod.name}.startJob`,
    roles: 'public',
    input: z.object({
      job: z.string().check(z.maxLength(32)),
      date: z.optional(bizDateSchema()),
      part: z.optional(z.string().check(z.regex(/^\d{1,4}\/\d{1,4}$/, 'expected <index>/<count>'))),
      runId: z.string().check(z.minLength(1), z.maxLength(64)),
      sig: z.string().check(z.maxLength(64)),
    }),
    async run({ deps }, input) {
      const job = jobs.find((j) => j.name === input.job);
      if (!job) throw new AppError('NOT_FOUND', `no job ${input.job} in ${mod.name}`);
      return job.run(deps, input);
    },
  });
  return { ...mod, commands: [...mod.commands, startJob], jobs };
}
