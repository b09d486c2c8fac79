import { expect } from 'vitest';
import { runJobCommand, jobRunCommand } from '#app/admin/jobs';
import { dispatch } from '#platform/dispatch';
import { FUNCTIONS } from '../../functions/registry.ts';
import type { TestWorld } from './harness.ts';

/** A job run as `GET /admin/jobs/runs/{runId}` answers it. */
export interface JobRun {
  runId: string;
  job: string;
  status: 'RUNNING' | 'DONE' | 'FAILED';
  startedAt: string;
  finishedAt?: string;
  result?: any;
  error?: { code: string; message?: string };
}

const POLLS = 600;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Over HTTP (the local stack): `POST /admin/jobs/{job}/run` (202 `{ runId }`), then
 * `GET /admin/jobs/runs/{runId}` until the run is no longer RUNNING — at most POLLS times,
 * 100 ms apart — and the run as it ended. The local stack's own scheduler runs the jobs too
 * (every minute, every 5 minutes), so a start may find the job's lease taken and answer
 * `{ skipped: 'already running', runId: <the holder> }`: then the holder is waited for and the
 * job started again (at most 5 times), so what comes back is a whole run begun after the call.
 */
export async function runJobAndWait(url: string, token: string, job: string, body: Record<string, unknown> = {}): Promise<JobRun> {
  const call = async (method: string, path: string, payload?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { body: JSON.stringify(payload) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const waitFor = async (runId: string): Promise<JobRun> => {
    for (let i = 0; i < POLLS; i++) {
      const run = await call('GET', `/admin/jobs/runs/${runId}`);
      expect(run.status, JSON.stringify(run.body)).toBe(200);
      if (run.body.data.status !== 'RUNNING') return run.body.data as JobRun;
      await pause(100);
    }
    throw new Error(`job ${job} run ${runId} still RUNNING after ${POLLS} polls`);
  };
  let ended: JobRun | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = await call('POST', `/admin/jobs/${job}/run`, body);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const runId = String(started.body.data.runId);
    ended = await waitFor(runId);
    const holder = ended.result?.skipped ? String(ended.result.runId ?? '') : '';
    if (!holder || holder === runId) return ended;
    await waitFor(holder);
  }
  return ended!;
}

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
