import { describe, expect, it } from 'vitest';
import type { Item } from '#ports/item-store';
import { queryAll } from '#ports/item-store';
import { keys } from '#app/keys';
import { OUTBOX_SHARDS, outboxOp } from '#app/outbox';
import { drainOutbox } from '#app/notify/drain';
import { createSinkSender } from '#adapters/local/sink-sender';
import { createStoreSink } from '#adapters/local/store-sink';
import { makeWorld, toBizIso } from '../support/harness.ts';
import { benchNotify } from '../../bench/notify.ts';

// One run of the notify job drains a large backlog against the local sink (counts only: timing
// belongs to `npm run bench`, not to a test on a shared machine).
const ENTRIES = 5000;

describe('notify throughput', () => {
  it(`one drain sends all ${ENTRIES} due messages, each once`, { timeout: 600_000 }, async () => {
    const w = await makeWorld({ now: '2026-11-30T02:30:00+08:00', seed: false });
    const sink = createStoreSink(w.store);
    // One instance's drain: no launcher, so no fan-out over instances (notify-fan-out.test.ts covers that).
    const deps = { ...w.deps, jobs: { ...w.deps.jobs, available: false }, sender: createSinkSender(sink, () => toBizIso(w.clock.now())) };
    const templateId = deps.templates.statement!;
    const items: Item[] = [];
    for (let i = 0; i < ENTRIES; i++) {
      const touser = `u-bulk-${i}`;
      const op = outboxOp(deps, { key: 'statement', touser, payload: { period: '2026-W48', totalFen: i, availableFen: i }, dedupe: `bulk#${i}` });
      if (op.type === 'put') items.push(op.item);
      items.push({ ...keys.quota(touser, templateId), count: 1, templateId });
    }
    await w.store.putMany(items);

    const summary = await drainOutbox(deps, { budgetMs: Number.POSITIVE_INFINITY });

    expect(summary).toMatchObject({ seen: ENTRIES, claimed: ENTRIES, sent: ENTRIES, lost: 0, errors: 0 });
    const sent = await sink.list();
    expect(sent).toHaveLength(ENTRIES);
    expect(new Set(sent.map((m) => m.touser)).size).toBe(ENTRIES);
    for (let shard = 0; shard < OUTBOX_SHARDS; shard++) {
      expect(await queryAll(w.store, { index: 'gsi2', pk: `OUTBOX#${shard}` })).toEqual([]);
    }
  });

  it('the bench runs and drains what it queued', { timeout: 300_000 }, async () => {
    const w = await makeWorld({ seed: false });
    const r = await benchNotify({ store: w.store, entries: 100 });
    expect(r).toMatchObject({ name: expect.stringContaining('notify'), ms: expect.any(Number), baselineMs: expect.any(Number) });
    expect(r.perSecond).toBeGreaterThan(0);
  });
});
