import { runJobOverHttp, type JobRun } from '../../scripts/lib/jobs-http.ts';
import { runJobCommand, jobRunCommand } from '#app/admin/jobs';
import { dispatch } from '#platform/dispatch';
import { FUNCTIONS } from '../../functions/registry.ts';
import type { TestWorld } from './harness.ts';

export type { JobRun } from '../../scripts/lib/jobs-http.ts';

/** `POST /admin/jobs/{job}/run` and wait for a whole run begun after the call (scripts/lib/jobs-http.ts). */
export const runJobAndWait = runJobOverHttp;

/** Every job of the registry, as its function runs it (leased, recorded), by function name. */
export function functionJob(fn: string, job: string) {
  const found = FUNCTIONS.find((m) => m.name === fn)?.jobs?.find((j) => j.name === job);
  if (!found) throw new Error(`no job ${job} in function ${fn}`);
  return found;
}

/**
 * In process (integration tests): staff start the job through `admin.runJob` as the API does,
 * the world's in-process launcher runs it in the background, and the run is read back with
 * `admin.jobRun` once every started run has ended.
 */
export async function runJobInWorld(w: TestWorld, job: string, input: { date?: string } = {}): Promise<JobRun> {
  const admin = FUNCTIONS.find((m) => m.name === 'admin')!;
  const start = admin.commands.find((c) => c.name === 'admin.runJob') ?? runJobCommand([]);
  const staff = { kind: 'openid' as const, openid: w.deps.staffOpenids[0] };
  const { runId } = (await dispatch(start, { job, ...input }, staff, w.deps)) as { runId: string };
  await w.jobs.idle();
  return (await dispatch(jobRunCommand, { runId }, staff, w.deps)) as JobRun;
}
