/**
 * The notify drain fanned out over function instances (issue 19, shared/app/jobs/parts.ts): when
 * a shard's due backlog is more than its share of FanOutSizing.notifyBacklog, the drain
 * coordinates — one part per outbox shard runs as a job run of its own (in-process here, a Lambda
 * asynchronous invoke or `callFunction` on the clouds) — and merges their summaries. Every
 * message is sent exactly once, as by one drain, also when a part cannot be started, is
 * delivered twice, or dies (the next minute's drain sends what it left).
 */
import { describe, expect, it } from 'vitest';
import { outboxOp, OUTBOX_SHARDS } from '#app/outbox';
import { drainOutbox } from '#app/notify/drain';
import { notifyJob } from '#app/notify/commands';
import { runKey } from '#app/jobs/keys';
import { recordChoice } from '#app/notify/quota';
import { shardOf } from '#app/keys';
import { queryAll } from '#ports/item-store';
import type { MessagePayload } from '#domain/messages';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { watchStarts } from '../support/job-starts.ts';

const MESSAGES = 40;
const payload: MessagePayload<'cutoffSummary'> = { waveDate: '2026-11-24', orderCount: 3, itemCount: 7, expectedArrivalAt: '2026-11-25T16:00:00+08:00' };

/** 40 due pushes to 40 leaders, each with one subscription (quota) for the template. */
async function queued(): Promise<TestWorld & { ids: string[] }> {
  const w = await makeWorld({ now: '2026-11-24T22:05:00+08:00' });
  const ids: string[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const touser = `leader-fan-${i}`;
    await recordChoice(w.deps, touser, w.deps.templates.cutoffSummary!, 'accept');
    const op = outboxOp(w.deps, { key: 'cutoffSummary', touser, payload, dedupe: `fan#${i}` });
    await w.store.write(op);
    if (op.type === 'put') ids.push(String(op.item.id));
  }
  return Object.assign(w, { ids });
}

const sentTo = (w: TestWorld) => w.sender.sent.map((m) => m.touser).sort();
const outboxEntries = async (w: TestWorld) => (await Promise.all(Array.from({ length: OUTBOX_SHARDS }, (_, s) => queryAll(w.store, { index: 'gsi2', pk: `OUTBOX#${s}` })))).flat();
const queueLeft = async (w: TestWorld) => (await outboxEntries(w)).length;
/** The test's own pushes still queued (not the staff's jobFailed pushes that a refused part queues meanwhile). */
const oursLeft = async (w: TestWorld) => (await outboxEntries(w)).filter((m) => String(m.touser).startsWith('leader-fan-')).length;

describe('notify drain fan-out over function instances', () => {
  it('a backlog within one run is drained by that run alone', async () => {
    const w = await queued();
    const started = watchStarts(w);
    const summary = await drainOutbox(w.deps, { random: () => 0.5 });
    expect(started).toEqual([]);
    expect(summary).toMatchObject({ claimed: MESSAGES, sent: MESSAGES });
    expect(new Set(sentTo(w)).size).toBe(MESSAGES);
  });

  it('above the backlog threshold one part per shard drains it in other runs: every message sent once, the summaries merged', async () => {
    const w = await queued();
    // Quota is a precondition of a send: a message sent twice would find none left and be skipped.
    w.deps.fanOut = { notifyBacklog: 8 };
    const started = watchStarts(w);
    const summary = await notifyJob.run(w.deps, {});
    await w.jobs.idle();
    expect(started.map((s) => s.part).sort()).toEqual(Array.from({ length: OUTBOX_SHARDS }, (_, i) => `${i}/${OUTBOX_SHARDS}`));
    const runs = await Promise.all(started.map((s) => w.store.get(runKey(s.runId), { consistent: true })));
    expect(runs.map((r) => r?.status)).toEqual(started.map(() => 'DONE'));
    // Each part drained only its shard.
    for (const [i, r] of runs.entries()) {
      const shard = Number(started[i]!.part!.split('/')[0]);
      expect((r!.result as { sent: number }).sent).toBe(w.ids.filter((id) => shardOf(id, OUTBOX_SHARDS) === shard).length);
    }
    expect(summary).toMatchObject({ claimed: MESSAGES, sent: MESSAGES, skipped: 0, lost: 0, errors: 0 });
    expect(sentTo(w)).toEqual(Array.from({ length: MESSAGES }, (_, i) => `leader-fan-${i}`).sort());
    expect(await queueLeft(w)).toBe(0);

    // A part delivered again (a redelivered invoke) finds nothing due and sends nothing.
    const again = await Promise.all(Array.from({ length: OUTBOX_SHARDS }, (_, i) => drainOutbox(w.deps, { part: `${i}/${OUTBOX_SHARDS}` })));
    expect(again.map((s) => s.claimed)).toEqual([0, 0, 0, 0]);
    expect(w.sender.sent).toHaveLength(MESSAGES);
  });

  it('the shard of a part that cannot be started is drained by the coordinator', async () => {
    const w = await queued();
    w.deps.fanOut = { notifyBacklog: 8 };
    watchStarts(w, { refuse: '3/4' });
    const summary = await drainOutbox(w.deps, { random: () => 0.5 });
    await w.jobs.idle();
    // Besides the 40, the staff's jobFailed pushes of the part that could not be started (LAUNCH_FAILED) were queued
    // meanwhile and taken too (skipped: the staff have no quota in this world).
    const ours = sentTo(w).filter((t) => t.startsWith('leader-fan-'));
    expect(summary).toMatchObject({ sent: MESSAGES, lost: 0, errors: 0 });
    expect(summary.claimed).toBe(summary.sent + summary.skipped);
    expect(ours).toEqual(Array.from({ length: MESSAGES }, (_, i) => `leader-fan-${i}`).sort());
    expect(await oursLeft(w)).toBe(0);
    // The staff's jobFailed pushes are queued by the refused start, which can land after the drain has
    // finished (under load it did, in CI): whatever is left is taken by the next minute's drain, and
    // none of the 40 is sent twice.
    await drainOutbox(w.deps, { random: () => 0.5 });
    await w.jobs.idle();
    expect(await queueLeft(w)).toBe(0);
    expect(sentTo(w).filter((t) => t.startsWith('leader-fan-'))).toHaveLength(MESSAGES);
  });

  it('a part that died leaves its shard queued: the next drain sends what it left, once', async () => {
    const w = await queued();
    w.deps.fanOut = { notifyBacklog: 8 };
    const launcher = w.deps.jobs;
    watchStarts(w, { lose: '1/4' });
    const first = await drainOutbox(w.deps, { random: () => 0.5, budgetMs: 3_000 });
    await w.jobs.idle();
    const inShard1 = w.ids.filter((id) => shardOf(id, OUTBOX_SHARDS) === 1).length;
    expect(inShard1).toBeGreaterThan(0);
    expect(first.sent).toBe(MESSAGES - inShard1);
    expect(await queueLeft(w)).toBe(inShard1);

    w.deps.jobs = launcher;
    const next = await drainOutbox(w.deps, { random: () => 0.5 });
    await w.jobs.idle();
    expect(next.sent).toBe(inShard1);
    expect(sentTo(w)).toEqual(Array.from({ length: MESSAGES }, (_, i) => `leader-fan-${i}`).sort());
    expect(await queueLeft(w)).toBe(0);
  });
});
