import { describe, expect, it } from 'vitest';
import type { Job } from '#app/command';
import { runnerJob, withJobRunner } from '#app/jobs/runner';
import { leaseKey, runKey } from '#app/jobs/keys';
import { createAwsHandler } from '#platform/aws-entry';
import { createCloudMain } from '#platform/cloudbase';
import { FUNCTIONS, SIZING } from '../../functions/registry.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';

/** A job that runs until the test lets it finish, counting how many of its runs are inside at once. */
function blockingJob(name = 'block') {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const state = { inside: 0, most: 0, runs: 0 };
  let entered!: () => void;
  const firstIn = new Promise<void>((r) => (entered = r));
  const job: Job = {
    name,
    async run() {
      state.runs++;
      state.inside++;
      state.most = Math.max(state.most, state.inside);
      entered();
      await gate;
      state.inside--;
      return { done: true };
    },
  };
  return { job, release, state, firstIn };
}

const leaseOf = (w: TestWorld, job: string) => w.store.get(leaseKey(job), { consistent: true });

describe('one run of a job at a time (lease) against DynamoDB Local', () => {
  it('eight runs started at once: exactly one runs, seven return { skipped: "already running", runId } without waiting; the lease is given back', async () => {
    const w = await makeWorld({ seed: false });
    const b = blockingJob();
    const leased = runnerJob(b.job, 900);
    const settled: unknown[] = [];
    const runs = Array.from({ length: 8 }, () => leased.run(w.deps, {}).then((r) => (settled.push(r), r)));
    // The seven losers answer while the winner is still inside (bounded wait, no timing asserted).
    for (let i = 0; i < 1000 && settled.length < 7; i++) await new Promise((r) => setTimeout(r, 10));
    await b.firstIn;
    const holder = String((await leaseOf(w, 'block'))?.runId);
    expect(settled).toHaveLength(7);
    for (const r of settled) expect(r).toEqual({ skipped: 'already running', runId: holder });
    expect(b.state.runs).toBe(1);
    b.release();
    expect((await Promise.all(runs)).filter((r) => (r as { done?: boolean }).done)).toHaveLength(1);
    expect(b.state.most).toBe(1);
    expect(await leaseOf(w, 'block')).toBeUndefined();
    // Every run is recorded: the one that ran DONE with its result, the skipped ones DONE as skipped.
    expect(await w.store.get(runKey(holder), { consistent: true })).toMatchObject({ job: 'block', status: 'DONE', result: { done: true } });
  });

  it('truly concurrent starts through both transports: the AWS scheduled event and the CloudBase timer each skip while a run holds the lease, without failing', async () => {
    const w = await makeWorld({ seed: false });
    const b = blockingJob('tick');
    const mod = withJobRunner({ name: 'tick', commands: [], jobs: [b.job] }, 60);
    const aws = createAwsHandler(mod, async () => w.deps);
    const cloud = createCloudMain(mod, async () => w.deps, () => undefined);
    const running = (aws as any)({ job: 'tick' }, {});
    await b.firstIn;
    const [viaAws, viaCloud] = await Promise.all([(aws as any)({ job: 'tick' }, {}), cloud({ Type: 'Timer', TriggerName: 'tick' }, {})]);
    expect(viaAws).toMatchObject({ skipped: 'already running' });
    expect(viaCloud).toMatchObject({ ok: true, data: { skipped: 'already running' } });
    b.release();
    expect(await running).toEqual({ done: true });
    expect(b.state.most).toBe(1);
  });

  it('a lease left by a run killed at its timeout expires: the next run after `until` takes it over', async () => {
    const w = await makeWorld({ seed: false });
    const b = blockingJob();
    b.release();
    await w.store.write({ type: 'put', item: { ...leaseKey('block'), runId: 'dead-run', until: w.clock.now() + 60_000 } });
    expect(await runnerJob(b.job, 60).run(w.deps, {})).toEqual({ skipped: 'already running', runId: 'dead-run' });
    w.clock.advance(60_001);
    expect(await runnerJob(b.job, 60).run(w.deps, {})).toEqual({ done: true });
    expect(await leaseOf(w, 'block')).toBeUndefined();
  });

  it('a failed run gives the lease back too, so the next run is not blocked', async () => {
    const w = await makeWorld({ seed: false });
    const failing: Job = { name: 'flaky', run: async () => Promise.reject(new Error('boom')) };
    await expect(runnerJob(failing, 900).run(w.deps, {})).rejects.toThrow('boom');
    expect(await leaseOf(w, 'flaky')).toBeUndefined();
    await expect(runnerJob(failing, 900).run(w.deps, {})).rejects.toThrow('boom');
  });

  it('every deployed job runs leased, for at least its function’s timeout', () => {
    const jobs = FUNCTIONS.flatMap((m) => (m.jobs ?? []).map((j) => ({ fn: m.name, job: j as { name: string; leaseSeconds?: number } })));
    expect(jobs.length).toBeGreaterThanOrEqual(5);
    for (const { fn, job } of jobs) {
      expect(job.leaseSeconds, `${fn}.${job.name}`).toBeGreaterThanOrEqual(SIZING[fn]!.timeout);
    }
    // Each function with jobs also answers the signed start of a staff-started run.
    for (const m of FUNCTIONS.filter((f) => f.jobs?.length)) expect(m.commands.some((c) => c.name === `${m.name}.startJob`)).toBe(true);
  });
});
