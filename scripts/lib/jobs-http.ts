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
export async function runJobOverHttp(url: string, token: string, job: string, body: Record<string, unknown> = {}): Promise<JobRun> {
  const call = async (method: string, path: string, payload?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { body: JSON.stringify(payload) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const expectStatus = (r: { status: number; body: unknown }, status: number) => {
    if (r.status !== status) throw new Error(`expected HTTP ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  };
  const waitFor = async (runId: string): Promise<JobRun> => {
    for (let i = 0; i < POLLS; i++) {
      const run = await call('GET', `/admin/jobs/runs/${runId}`);
      expectStatus(run, 200);
      if (run.body.data.status !== 'RUNNING') return run.body.data as JobRun;
      await pause(100);
    }
    throw new Error(`job ${job} run ${runId} still RUNNING after ${POLLS} polls`);
  };
  let ended: JobRun | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = await call('POST', `/admin/jobs/${job}/run`, body);
    expectStatus(started, 202);
    const runId = String(started.body.data.runId);
    ended = await waitFor(runId);
    const holder = ended.result?.skipped ? String(ended.result.runId ?? '') : '';
    if (!holder || holder === runId) return ended;
    await waitFor(holder);
  }
  return ended!;
}
