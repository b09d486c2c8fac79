/**
 * Throughput of the notify job: queues `entries` outbox messages (each recipient with one quota
 * of the template), times one drain against the local sink, and compares it with a bare loop
 * doing the same DynamoDB writes per message (claim, spend quota, sink record, mark sent) at the
 * same concurrency, so the ratio is the drain's own overhead (paging, rendering, conditions).
 */
import { benchDepsSync } from './support.ts';
import type { ItemStore, Item } from '#ports/item-store';
import { fixedClock } from '#ports/clock';
import { createSinkSender } from '#adapters/local/sink-sender';
import { createStoreSink } from '#adapters/local/store-sink';
import { keys } from '#app/keys';
import { forEachLimit } from '#app/concurrency';
import { outboxOp } from '#app/outbox';
import { drainOutbox } from '#app/notify/drain';
import { toBizIso } from '#domain/time';

const CONCURRENCY = 32;

export interface BenchResult {
  name: string;
  /** One drain of all queued entries. */
  ms: number;
  /** The same writes in a bare loop. */
  baselineMs: number;
  ratio: number;
  /** Messages drained per second. */
  perSecond: number;
}

export async function benchNotify(opts: { store: ItemStore; entries: number }): Promise<BenchResult> {
  const { store, entries } = opts;
  const clock = fixedClock(Date.now());
  const sender = createSinkSender(createStoreSink(store), () => toBizIso(clock.now()));
  const deps = benchDepsSync(store, clock, sender);
  const run = `bench-${Date.now().toString(36)}`;
  const templateId = deps.templates.statement!;
  const payload = { period: '2026-W48', totalFen: 12_345, availableFen: 12_345 };

  // Prepare (not timed): the queue, and one quota per recipient, for the drain and the baseline.
  const queued: Item[] = [];
  const baseline: Item[] = [];
  const quotas: Item[] = [];
  for (let i = 0; i < entries; i++) {
    for (const [set, list] of [['q', queued], ['b', baseline]] as const) {
      const touser = `${run}-${set}-${i}`;
      const op = outboxOp(deps, { key: 'statement', touser, payload, dedupe: `${run}#${set}#${i}` });
      if (op.type !== 'put') throw new Error('outboxOp must be a put');
      // The baseline's entries sit in their own partitions, out of the drain's reach.
      list.push(set === 'q' ? op.item : { ...op.item, gsi2pk: `BENCH#${i % 4}` });
      quotas.push({ ...keys.quota(touser, templateId), count: 1, templateId });
    }
  }
  await store.putMany([...queued, ...baseline, ...quotas]);

  const started = performance.now();
  const summary = await drainOutbox(deps, { concurrency: CONCURRENCY, budgetMs: Number.POSITIVE_INFINITY });
  const ms = performance.now() - started;
  if (summary.sent < entries) throw new Error(`notify bench: drained ${summary.sent} of ${entries}`);

  const now = toBizIso(clock.now());
  const until = toBizIso(clock.now() + 120_000);
  const baseStarted = performance.now();
  await forEachLimit(baseline, CONCURRENCY, async (item) => {
    const key = { pk: item.pk, sk: item.sk };
    const touser = String(item.touser);
    await store.write({ type: 'update', key, update: { set: { status: 'sending', attempts: 1, claimedUntil: until, gsi2sk: `${until}#${String(item.id)}` } } });
    await store.write({ type: 'update', key: keys.quota(touser, templateId), update: { inc: { count: -1 } }, when: [{ op: 'gte', path: 'count', value: 1 }] });
    await store.write({ type: 'put', item: { pk: `${run}#SINK`, sk: `${now}#${String(item.id)}`, touser, templateId, data: {}, sentAt: now } });
    await store.write({ type: 'update', key, update: { set: { status: 'sent', sentAt: now }, remove: ['gsi2pk', 'gsi2sk', 'claimedUntil'] } });
  });
  const baselineMs = performance.now() - baseStarted;

  return { name: `notify drain (${entries} messages)`, ms, baselineMs, ratio: ms / baselineMs, perSecond: (summary.sent / ms) * 1000 };
}
