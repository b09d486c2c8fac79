import type { Job } from '#app/command';
import { logger } from '#platform/logger';
import { runCutoff } from './close-waves.ts';
import { fanOutOf } from '../jobs/parts.ts';
import { closePart, PART_BUDGET_MS } from './fan-out.ts';

/**
 * The cutoff job: a heartbeat every 5 minutes (SCHEDULES.cutoff) that closes every wave whose
 * cutoff instant (settings `cutoffTime`) has passed, also run by POST /admin/jobs/cutoff/run
 * (with a `date`: that wave now, an early close). A run whose time budget ran out returns
 * `complete: false` and the next beat resumes it where it stopped.
 */
export const cutoffJob: Job = {
  name: 'cutoff',
  async run(deps, input) {
    // A part started by a coordinating run (fan-out.ts): its share of the wave's communities.
    if (input.part && input.date) return closePart(deps, input.date, input.part, { budgetMs: PART_BUDGET_MS });
    const summary = await runCutoff(deps, { ...(input.date ? { date: input.date } : {}), batch: fanOutOf(deps).cutoffBatch });
    if (!summary.complete) logger.warn('cutoff incomplete; the next heartbeat resumes it', { waves: summary.waves.map((w) => w.date) });
    return summary;
  },
};
