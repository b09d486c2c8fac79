import * as z from 'zod/mini';
import { bizDateSchema } from '#platform/schema';
import { defineCommand, type Job } from '#app/command';
import { AppError } from '#domain/errors';
import { logger } from '#platform/logger';

/**
 * `POST /admin/jobs/{job}/run { date? }`: staff run a scheduled job now — the same code the
 * schedule runs. `cutoff` with a date closes that wave now, even before its cutoff time.
 */
export function runJobCommand(jobs: Job[]) {
  const names = jobs.map((j) => j.name);
  return defineCommand({
    name: 'admin.runJob',
    roles: ['staff'],
    input: z.object({ job: z.string().check(z.maxLength(32)), date: z.optional(bizDateSchema()) }),
    http: { method: 'POST', path: '/admin/jobs/{job}/run' },
    async run({ deps }, input) {
      const job = jobs.find((j) => j.name === input.job);
      if (!job) throw new AppError('NOT_FOUND', `no job ${input.job}; jobs: ${names.join(', ')}`);
      const started = deps.clock.now();
      const result = await job.run(deps, input.date ? { date: input.date } : {});
      logger.info('job run by staff', { job: job.name });
      return { job: job.name, result, ms: deps.clock.now() - started };
    },
  });
}
