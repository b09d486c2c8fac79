import type { Job } from '#app/command';
import { logger } from '#platform/logger';
import { runCutoff } from './close-waves.ts';

/**
 * The nightly cutoff job (22:00 Asia/Shanghai, SCHEDULES.cutoff), also run by
 * POST /admin/jobs/cutoff/run. A run that ran out of time fails loudly, so the scheduler's retry
 * (or the next night) resumes it where it stopped.
 */
export const cutoffJob: Job = {
  name: 'cutoff',
  async run(deps, input) {
    const summary = await runCutoff(deps, input.date ? { date: input.date } : {});
    if (!summary.complete) {
      logger.warn('cutoff incomplete; the next run resumes it', { waves: summary.waves.map((w) => w.date) });
      throw new Error('cutoff incomplete: time budget spent, the next run resumes it');
    }
    return summary;
  },
};
