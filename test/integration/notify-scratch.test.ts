import { it } from 'vitest';
import { makeWorld } from '../support/harness.ts';
import { outboxOp } from '#app/outbox';
import { keys } from '#app/keys';
import { drainOutbox } from '#app/notify/drain';
import { createSinkSender } from '#adapters/local/sink-sender';
import { createStoreSink } from '#adapters/local/store-sink';
import type { Item, ItemStore } from '#ports/item-store';

function timed(store: ItemStore, stats: Record<string, { n: number; ms: number }>): ItemStore {
  const rec = (k: string, t: number) => { const s = (stats[k] ??= { n: 0, ms: 0 }); s.n++; s.ms += performance.now() - t; };
  return {
    ...store,
    async query(i) { const t = performance.now(); try { return await store.query(i); } finally { rec('query', t); } },
    async write(op) { const t = performance.now(); const label = op.type === 'put' ? 'put' : `${op.type}:${(op as any).key.sk.slice(0, 5)}`; try { return await store.write(op); } finally { rec(label, t); } },
    async transact(ops) { const t = performance.now(); try { return await store.transact(ops); } finally { rec('transact', t); } },
  };
}

it('timing', { timeout: 600_000 }, async () => {
  const w = await makeWorld({ seed: false });
  const stats: Record<string, { n: number; ms: number }> = {};
  const store = timed(w.store, stats);
  const deps = { ...w.deps, store, sender: createSinkSender(createStoreSink(store), () => '2026-11-24T10:00:00+08:00') };
  const items: Item[] = [];
  for (let i = 0; i < 1000; i++) {
    const op = outboxOp(deps, { key: 'statement', touser: `u${i}`, payload: { period: '2026-W48', totalFen: 1, availableFen: 1 }, dedupe: `d${i}` });
    if (op.type === 'put') items.push(op.item);
    items.push({ ...keys.quota(`u${i}`, 'tmpl-statement'), count: 1 });
  }
  await w.store.putMany(items);
  const t = performance.now();
  const c0 = process.cpuUsage();
  const s = await drainOutbox(deps, { budgetMs: Infinity });
  const cpu = process.cpuUsage(c0);
  const total = performance.now() - t;
  // bare: same writes
  const c1 = process.cpuUsage(); const t1 = performance.now();
  let next = 0; const base = items.filter((x) => String(x.pk).startsWith('MSG#'));
  await Promise.all(Array.from({ length: 32 }, async () => { while (next < base.length) { const it = base[next++]!; const key = { pk: it.pk, sk: it.sk };
    await w.store.write({ type: 'update', key, update: { set: { status: 'x1', gsi2sk: 'zz' } } });
    await w.store.write({ type: 'update', key: keys.quota(String(it.touser), 'tmpl-statement'), update: { inc: { count: 1 } } });
    await w.store.write({ type: 'put', item: { pk: 'B#SINK', sk: String(it.id), data: {} } });
    await w.store.write({ type: 'update', key, update: { set: { status: 'x2' }, remove: ['gsi2pk', 'gsi2sk'] } }); } }));
  const baseCpu = process.cpuUsage(c1); const baseMs = performance.now() - t1;
  throw new Error(JSON.stringify({ total, cpu, baseMs, baseCpu, s, stats }));
});
