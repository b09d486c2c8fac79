import { describe, expect, it } from 'vitest';
import type { Job } from '#app/command';
import { withJobRunner } from '#app/jobs/runner';
import { runKey, leaseKey } from '#app/jobs/keys';
import { LAUNCH_WINDOW_SECONDS, readRun } from '#app/jobs/runs';
import { jobRunCommand, runJobCommand } from '#app/admin/jobs';
import { outboxKey } from '#app/outbox';
import { createJobSigner, startEvent } from '#adapters/crypto/job-signature';
import { createCloudFunctionLauncher } from '#adapters/cloudbase/function-launcher';
import { deriveSecret } from '#adapters/crypto/derive';
import { createAwsHandler } from '#platform/aws-entry';
import { createCloudMain } from '#platform/cloudbase';
import { dispatch } from '#platform/dispatch';
import { codeOf } from '#test/errors';
import type { JobLauncher, JobStart } from '#ports/job-launcher';
import { FUNCTIONS } from '../../functions/registry.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { runJobInWorld } from '../support/jobs.ts';

/** The harness's SESSION_SECRET: starts signed with it are the ones the world's functions accept. */
const signer = createJobSigner(deriveSecret('test-session-secret-0123456789-abcdef', 'groupbuy job start'));
const mod = (name: string) => FUNCTIONS.find((m) => m.name === name)!;
const staff = { kind: 'openid' as const, openid: 'staff-1' };

/** A launcher that keeps each start (as the cloud would carry it) for the test to deliver. */
function heldLauncher() {
  const starts: { fn: string; event: ReturnType<typeof startEvent> }[] = [];
  const launcher: JobLauncher = {
    launch: async (fn: string, start: JobStart) => void starts.push({ fn, event: startEvent(signer, start) }),
    verify: (start, sig) => signer.verify(start, sig),
  };
  return { launcher, starts };
}

function http(method: string, rawPath: string, token: string, body?: unknown) {
  return {
    version: '2.0',
    rawPath,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    requestContext: { http: { method, path: rawPath } },
  };
}

/** Keeps every id the world hands out, to find a scheduled run's record. */
function recordIds(w: TestWorld) {
  const ids: string[] = [];
  const newId = w.deps.ids.newId.bind(w.deps.ids);
  w.deps.ids = { ...w.deps.ids, newId: () => (ids.push(newId()), ids[ids.length - 1]!) };
  return ids;
}

describe('job runs: POST /admin/jobs/{job}/run is asynchronous, GET /admin/jobs/runs/{runId} follows it', () => {
  it('AWS: 202 { runId } at once, RUNNING; the job’s function runs the signed start (Lambda event), then DONE with the result; a replay or a forgery changes nothing', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const held = heldLauncher();
    w.deps.jobs = held.launcher;
    expect(w.deps.jobs.verify({ job: 'x', runId: 'r' }, signer.sign({ job: 'x', runId: 'r' }))).toBe(true);
    const { token } = await w.deps.sessions.issue('staff-1');
    const admin = createAwsHandler(mod('admin'), async () => w.deps) as any;

    const started = await admin(http('POST', '/admin/jobs/expire/run', token, {}), {});
    expect(started.statusCode, started.body).toBe(202);
    const { runId } = JSON.parse(started.body).data;
    expect(held.starts).toEqual([{ fn: 'order', event: { job: 'expire', runId, sig: expect.any(String) } }]);
    const running = JSON.parse((await admin(http('GET', `/admin/jobs/runs/${runId}`, token), {})).body).data;
    expect(running).toMatchObject({ runId, job: 'expire', status: 'RUNNING', startedAt: '2026-11-24T10:00:00+08:00' });
    expect(running.finishedAt).toBeUndefined();

    const order = createAwsHandler(mod('order'), async () => w.deps) as any;
    // Forged: another date, or a signature made for another run, is refused before anything is written.
    await expect(order({ ...held.starts[0]!.event, date: '2026-11-20' }, {})).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(order({ ...held.starts[0]!.event, sig: signer.sign({ job: 'expire', runId: 'other' }) }, {})).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await w.store.get(runKey(runId), { consistent: true })).toMatchObject({ status: 'RUNNING', claimed: false });

    const result = await order(held.starts[0]!.event, {});
    const done = JSON.parse((await admin(http('GET', `/admin/jobs/runs/${runId}`, token), {})).body).data;
    expect(done).toMatchObject({ runId, job: 'expire', status: 'DONE', result, finishedAt: expect.any(String) });
    // Lambda redelivers an async event after an error: the run is claimed once, the replay does nothing.
    expect(await order(held.starts[0]!.event, {})).toEqual({ skipped: 'already started', runId });
    expect(JSON.parse((await admin(http('GET', `/admin/jobs/runs/${runId}`, token), {})).body).data).toEqual(done);
  });

  it('CloudBase: the start reaches the job’s function as its startJob action through callFunction; a client’s forged startJob is refused and writes nothing', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    let openid: string | undefined = 'staff-1';
    const mains = Object.fromEntries(FUNCTIONS.map((m) => [m.name, createCloudMain(m, async () => w.deps, () => openid)]));
    const calls: string[] = [];
    w.deps.jobs = createCloudFunctionLauncher({
      cloud: { callFunction: async ({ name, data }) => (calls.push(`${name}.${String(data.action)}`), { result: await mains[name]!(data, {}) }) },
      signer,
      graceMs: 20,
    });
    const started = await mains.admin!({ action: 'runJob', job: 'expire' }, {});
    expect(started).toMatchObject({ ok: true, data: { runId: expect.any(String) } });
    const runId = (started as { data: { runId: string } }).data.runId;
    expect(calls).toEqual(['order.startJob']);
    let run: any;
    for (let i = 0; i < 200; i++) {
      run = await mains.admin!({ action: 'jobRun', runId }, {});
      if (run.data?.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(run).toMatchObject({ ok: true, data: { runId, job: 'expire', status: 'DONE' } });

    openid = 'u-evil';
    const forged = await mains.order!({ action: 'startJob', job: 'expire', runId: 'r-forged', sig: 'A'.repeat(43) }, {});
    expect(forged).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await w.store.get(runKey('r-forged'), { consistent: true })).toBeUndefined();
    expect(await w.store.get(leaseKey('expire'), { consistent: true })).toBeUndefined();
    // A client cannot start a run either: admin.runJob is staff only.
    expect(await mains.admin!({ action: 'runJob', job: 'expire' }, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('a failed scheduled run is recorded FAILED with its code only, queues a jobFailed push to staff in the same write, and still fails the invocation on both clouds', async () => {
    const w = await makeWorld({ now: '2026-11-24T22:05:00+08:00' });
    const ids = recordIds(w);
    const failing: Job = { name: 'boom', run: async () => Promise.reject(new Error('db password is hunter2')) };
    const m = withJobRunner({ name: 'boom', commands: [], jobs: [failing] }, 60);
    await expect((createAwsHandler(m, async () => w.deps) as any)({ job: 'boom' }, {})).rejects.toThrow('hunter2');
    const runId = ids[0]!;
    const record = await w.store.get(runKey(runId), { consistent: true });
    expect(record).toMatchObject({ job: 'boom', status: 'FAILED', error: { code: 'INTERNAL' } });
    expect(JSON.stringify(record)).not.toContain('hunter2');
    const push = await w.store.get(outboxKey(`jobFailed#${runId}#staff-1`));
    expect(push).toMatchObject({ key: 'jobFailed', touser: 'staff-1', status: 'pending', payload: { job: 'boom', runId, code: 'INTERNAL', at: '2026-11-24T22:05:00+08:00' } });

    // The CloudBase timer fails its invocation the same way (retries and alarms see it) and pushes too.
    await expect(createCloudMain(m, async () => w.deps, () => undefined)({ Type: 'Timer', TriggerName: 'boom' }, {})).rejects.toThrow();
    const second = ids[ids.length - 1]!;
    expect(await w.store.get(outboxKey(`jobFailed#${second}#staff-1`))).toMatchObject({ key: 'jobFailed', touser: 'staff-1' });
  });

  it('a staff-started run that fails reads FAILED with the contract’s code and message, and staff get the push (cutoff of a wave not yet open)', async () => {
    const w = await makeWorld({ now: '2026-11-24T15:00:00+08:00' });
    const run = await runJobInWorld(w, 'cutoff', { date: '2026-11-26' });
    expect(run).toMatchObject({ job: 'cutoff', status: 'FAILED', error: { code: 'INVALID_STATE' } });
    expect(run.result).toBeUndefined();
    expect(await w.store.get(outboxKey(`jobFailed#${run.runId}#staff-1`))).toMatchObject({ key: 'jobFailed', payload: { code: 'INVALID_STATE' } });
  });

  it('a start that cannot be handed over is FAILED LAUNCH_FAILED (and pushed); one never picked up reads FAILED TIMED_OUT after the launch window; unknown jobs and runs are NOT_FOUND', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    w.deps.jobs = { launch: async () => Promise.reject(new Error('ResourceNotFoundException')), verify: () => false };
    const start = FUNCTIONS.find((m) => m.name === 'admin')!.commands.find((c) => c.name === 'admin.runJob')!;
    const { runId } = (await dispatch(start, { job: 'notify' }, staff, w.deps)) as { runId: string };
    expect(await readRun(w.deps, runId)).toMatchObject({ status: 'FAILED', error: { code: 'LAUNCH_FAILED' } });
    expect(await w.store.get(outboxKey(`jobFailed#${runId}#staff-1`))).toMatchObject({ key: 'jobFailed' });

    w.deps.jobs = heldLauncher().launcher;
    const lost = (await dispatch(start, { job: 'settle' }, staff, w.deps)) as { runId: string };
    expect(await readRun(w.deps, lost.runId)).toMatchObject({ status: 'RUNNING' });
    w.clock.advance(LAUNCH_WINDOW_SECONDS * 1000 + 1000);
    expect(await readRun(w.deps, lost.runId)).toMatchObject({ status: 'FAILED', error: { code: 'TIMED_OUT' } });

    expect(codeOf(await dispatch(start, { job: 'nope' }, staff, w.deps).catch((e) => e))).toBe('NOT_FOUND');
    expect(codeOf(await dispatch(runJobCommand([]), { job: 'cutoff' }, staff, w.deps).catch((e) => e))).toBe('NOT_FOUND');
    expect(codeOf(await dispatch(jobRunCommand, { runId: 'no-such-run' }, staff, w.deps).catch((e) => e))).toBe('NOT_FOUND');
    expect(codeOf(await dispatch(jobRunCommand, { runId: 'no-such-run' }, { kind: 'openid', openid: 'u-1' }, w.deps).catch((e) => e))).toBe('FORBIDDEN');
  });
});
