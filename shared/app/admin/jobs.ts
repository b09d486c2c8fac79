import * as z from 'zod/mini';
import { bizDateSchema } from '#platform/schema';
import { userOf } from '#platform/dispatch';
import { defineCommand, type Job } from '#app/command';
import { AppError } from '#domain/errors';
import { SCHEDULES } from '../schedules.ts';
import { readRun, startJobRun } from '../jobs/runs.ts';

/**
 * `POST /admin/jobs/{job}/run { date? }`: staff start a job now — the same code the schedule
 * runs, in the job's own function (its timeout, its lease) — and get `202 { runId }` at once;
 * `GET /admin/jobs/runs/{runId}` follows it. `cutoff` with a date closes that wave now, even
 * before its cutoff time. A run of a job already running ends as `{ skipped: 'already running' }`.
 */
export function runJobCommand(jobs: Job[]) {
  const names = jobs.map((j) => j.name);
  return defineCommand({
    name: 'admin.runJob',
    roles: ['owner', 'operations'],
    input: z.object({ job: z.string().check(z.maxLength(32)), date: z.optional(bizDateSchema()) }),
    http: { method: 'POST', path: '/admin/jobs/{job}/run', status: 202 },
    async run(ctx, input) {
      const job = jobs.find((j) => j.name === input.job);
      const schedule = job && Object.hasOwn(SCHEDULES, job.name) ? SCHEDULES[job.name as keyof typeof SCHEDULES] : undefined;
      if (!job || !schedule) throw new AppError('NOT_FOUND', `no job ${input.job}; jobs: ${names.join(', ')}`);
      return startJobRun(ctx.deps, { job: job.name, fn: schedule.fn, ...(input.date ? { date: input.date } : {}), by: userOf(ctx).userId });
    },
  });
}

/** `GET /admin/jobs/runs/{runId}`: `{ runId, job, status: RUNNING | DONE | FAILED, startedAt, finishedAt?, date?, progress?, result?, error? }`. */
export const jobRunCommand = defineCommand({
  name: 'admin.jobRun',
  roles: ['owner', 'operations'],
  input: z.object({ runId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a run id')) }),
  http: { method: 'GET', path: '/admin/jobs/runs/{runId}' },
  async run({ deps }, input) {
    return readRun(deps, input.runId);
  },
});
