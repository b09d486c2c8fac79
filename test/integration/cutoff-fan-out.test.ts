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
import { closePart, partOf } from '#app/cutoff/fan-out';
import { runKey } from '#app/jobs/keys';
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
});
