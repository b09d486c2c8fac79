import type { Key } from '#ports/item-store';
import { keys } from '../keys.ts';

/**
 * Keys of the job runner's own items.
 *
 * - Lease: one per job, `JOB#<job>` / `LEASE`: `{ runId, until }` (ms). Taken with a conditional
 *   put (absent, or `until` passed), deleted by its holder at the end of the run.
 * - Run record: one per run, `JOB#RUN#<runId>` / `RUN` (the `jobs` collection on CloudBase),
 *   expiring after RUN_TTL_DAYS (`expiresAt`, DynamoDB TTL; CloudBase's cleanup job).
 */
export const leaseKey = (job: string): Key => keys.job(job, 'LEASE');

export const runKey = (runId: string): Key => ({ pk: `JOB#RUN#${runId}`, sk: 'RUN' });

export const RUN_TTL_DAYS = 7;
