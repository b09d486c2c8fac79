/**
 * The cutoff fanned out over instances (issue 19, shared/app/cutoff/fan-out.ts): the
 * coordinating run starts one part per batch through the job launcher (in-process here, a
 * Lambda asynchronous invoke or `callFunction` on the clouds); each part closes its share of
 * the communities under its own lease and run record; the coordinator writes the reports once
 * every community is closed. The result is exactly what one run in one process produces, also
 * when a part cannot be started (the coordinator closes what it left).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCutoff } from '#app/cutoff/close-waves';
import { closePart, openCommunities, partOf } from '#app/cutoff/fan-out';
import { closeCommunityWave } from '#app/cutoff/close-community';
import { listCommunities } from '#app/catalog/communities';
import { runKey } from '#app/jobs/keys';
import { claimRun, failRun, readRun, startJobRun } from '#app/jobs/runs';
import type { JobStart } from '#ports/job-launcher';
import { COMMUNITIES, D, seededWorld, snapshot } from '../support/cutoff-world.ts';

describe('cutoff fan-out over function instances', () => {
  let clean: Awaited<ReturnType<typeof snapshot>>;
  let cleanSummary: Awaited<ReturnType<typeof runCutoff>>;

  beforeAll(async () => {
    const w = await seededWorld();
    cleanSummary = await runCutoff(w.deps, {});
    clean = await snapshot(w);
  });

  it('parts are stable: every community belongs to exactly one part of a count', () => {
    for (const count of [1, 3, 7]) {
      const parts = COMMUNITIES.map((c) => partOf(c, count));
      expect(parts.every((p) => p >= 0 && p < count)).toBe(true);
      expect(COMMUNITIES.map((c) => partOf(c, count))).toEqual(parts);
    }
  });

  it('a wave of 12 communities in batches of 4: three parts in other runs, the same result as one run', async () => {
    const w = await seededWorld();
    const started: JobStart[] = [];
    const launch = w.deps.jobs.launch.bind(w.deps.jobs);
    w.deps.jobs = { ...w.deps.jobs, launch: (fn, start) => (started.push(start), launch(fn, start)) };
    const summary = await runCutoff(w.deps, { batch: 4 });
    await w.jobs.idle();
    expect(summary.complete).toBe(true);
    expect(started.map((s) => s.part).sort()).toEqual(['0/3', '1/3', '2/3']);
    expect(started.every((s) => s.job === 'cutoff' && s.date === D)).toBe(true);
    // Every part ran as a job run of its own and closed its share.
    const runs = await Promise.all(started.map((s) => w.store.get(runKey(s.runId), { consistent: true })));
    expect(runs.map((r) => r?.status)).toEqual(['DONE', 'DONE', 'DONE']);
    expect(summary.ordersConfirmed).toBe(cleanSummary.ordersConfirmed);
    expect(summary.ordersCancelled).toBe(cleanSummary.ordersCancelled);
    expect(summary.communities).toBe(cleanSummary.communities);
    expect(await snapshot(w)).toEqual(clean);
  });

  it('a part that cannot be started leaves its communities to the coordinator; nothing is closed twice', async () => {
    const w = await seededWorld();
    const launch = w.deps.jobs.launch.bind(w.deps.jobs);
    w.deps.jobs = { ...w.deps.jobs, launch: async (fn, start) => (start.part === '1/3' ? Promise.reject(new Error('invoke refused')) : launch(fn, start)) };
    const summary = await runCutoff(w.deps, { batch: 4 });
    await w.jobs.idle();
    expect(summary.complete).toBe(true);
    expect(summary.ordersConfirmed).toBe(cleanSummary.ordersConfirmed);
    expect(summary.ordersCancelled).toBe(cleanSummary.ordersCancelled);
    // Staff hear of the part that could not be started (a jobFailed push, LAUNCH_FAILED); everything else is as one run makes it.
    const snap = await snapshot(w);
    const alerts = snap.pushes.filter((p) => JSON.stringify(p).includes('LAUNCH_FAILED'));
    expect(alerts.length).toBeGreaterThan(0);
    expect({ ...snap, pushes: snap.pushes.filter((p) => !alerts.includes(p)) }).toEqual(clean);
  });

  it('a part run again (a redelivered invoke) finds its communities closed and changes nothing', async () => {
    const w = await seededWorld();
    await runCutoff(w.deps, { batch: 4 });
    await w.jobs.idle();
    const again = await Promise.all(['0/3', '1/3', '2/3'].map((p) => closePart(w.deps, D, p)));
    expect(again.map((r) => r.closedCommunities)).toEqual([0, 0, 0]);
    expect(again.reduce((s, r) => s + r.skippedCommunities, 0)).toBe(COMMUNITIES.length);
    expect(await snapshot(w)).toEqual(clean);
  });

  it('a part that died mid-way leaves the wave incomplete; the next heartbeat dispatches parts for what it left and they finish it', async () => {
    const w = await seededWorld();
    const communities = await listCommunities(w.deps);
    const launcher = w.deps.jobs;
    const launch = launcher.launch.bind(launcher);
    const inPart1 = COMMUNITIES.filter((c) => partOf(c, 3) === 1);
    expect(inPart1.length).toBeGreaterThan(1);
    // Part 1/3's instance closes its first community and dies (no run record, no lease given back).
    w.deps.jobs = {
      ...launcher,
      launch: async (fn, start) => {
        if (start.part !== '1/3') return launch(fn, start);
        await closeCommunityWave(w.deps, D, communities.find((c) => c.id === inPart1[0])!);
      },
    };
    const first = await runCutoff(w.deps, { batch: 4, budgetMs: 3_000 });
    await w.jobs.idle();
    expect(first.complete).toBe(false);
    const left = (await openCommunities(w.deps, D, communities)).map((c) => c.id).sort();
    expect(left).toEqual(inPart1.slice(1).sort());

    // The next beat: what is still open is split into parts again (batches of 1 here), started and finished.
    w.deps.jobs = launcher;
    const started: JobStart[] = [];
    w.deps.jobs = { ...launcher, launch: (fn, start) => (started.push(start), launch(fn, start)) };
    const next = await runCutoff(w.deps, { batch: 1 });
    await w.jobs.idle();
    expect(next.complete).toBe(true);
    expect(started.map((s) => s.part).sort()).toEqual(left.map((_, i) => `${i}/${left.length}`).sort());
    const runs = await Promise.all(started.map((s) => readRun(w.deps, s.runId)));
    expect(runs.map((r) => r.status)).toEqual(started.map(() => 'DONE'));
    expect(runs.reduce((n, r) => n + (r.result as { closedCommunities: number }).closedCommunities, 0)).toBe(left.length);
    expect(await snapshot(w)).toEqual(clean);
  });

  it("a part whose run failed or was lost is run again by a redelivered invoke (Lambda's retry, a replay from the dead-letter queue); a live or finished one is not", async () => {
    const w = await seededWorld();
    const launch = w.jobs.launch.bind(w.jobs);
    const deliver = async (start: JobStart) => (await launch('cutoff', start), await w.jobs.idle());
    w.deps.jobs = { ...w.deps.jobs, launch: async () => undefined }; // started, not yet delivered
    const { runId } = await startJobRun(w.deps, { job: 'cutoff', fn: 'cutoff', date: D, part: '0/1', by: 'test' });
    const start: JobStart = { job: 'cutoff', date: D, part: '0/1', runId };
    const all = await listCommunities(w.deps);

    // The first delivery took it and failed.
    expect(await claimRun(w.deps, runId, 'cutoff', 300, { retake: true })).toBe(true);
    await failRun(w.deps, 'cutoff', runId, { code: 'INTERNAL' });
    await deliver(start);
    const done = await readRun(w.deps, runId);
    expect(done.status).toBe('DONE');
    expect((done.result as { closedCommunities: number }).closedCommunities).toBeGreaterThan(0);
    expect(await openCommunities(w.deps, D, all)).toEqual([]);
    // Delivered once more: finished, so not run again.
    await deliver(start);
    expect(await readRun(w.deps, runId)).toEqual(done);

    // A part still running keeps its run; once past its deadline (its instance was killed) a redelivery takes it.
    const w2 = await seededWorld();
    const launch2 = w2.jobs.launch.bind(w2.jobs);
    w2.deps.jobs = { ...w2.deps.jobs, launch: async () => undefined };
    const second = await startJobRun(w2.deps, { job: 'cutoff', fn: 'cutoff', date: D, part: '0/1', by: 'test' });
    expect(await claimRun(w2.deps, second.runId, 'cutoff', 300, { retake: true })).toBe(true);
    const start2: JobStart = { job: 'cutoff', date: D, part: '0/1', runId: second.runId };
    await launch2('cutoff', start2);
    await w2.jobs.idle();
    expect((await readRun(w2.deps, second.runId)).status).toBe('RUNNING');
    expect((await openCommunities(w2.deps, D, all)).length).toBeGreaterThan(0);
    w2.clock.set(w2.clock.now() + 301_000);
    await launch2('cutoff', start2);
    await w2.jobs.idle();
    expect((await readRun(w2.deps, second.runId)).status).toBe('DONE');
    expect(await openCommunities(w2.deps, D, all)).toEqual([]);
  });
});
