import { it } from 'vitest';
import { makeWorld } from '../support/harness.ts';
import { outboxOp } from '#app/outbox';
import { renderMessage } from '#domain/messages';
import { toBizIso } from '#domain/time';
import type { Item } from '#ports/item-store';

it('timing', { timeout: 600_000 }, async () => {
  const w = await makeWorld({ seed: false });
  const out: Record<string, number> = {};
  let t = performance.now();
  const items: Item[] = [];
  for (let i = 0; i < 2000; i++) { const op = outboxOp(w.deps, { key: 'statement', touser: `u${i}`, payload: { period: '2026-W48', totalFen: 1, availableFen: 1 }, dedupe: `d${i}` }); if (op.type === 'put') items.push(op.item); }
  await w.store.putMany(items);
  out.put = performance.now() - t; t = performance.now();
  let n = 0;
  for (let s = 0; s < 4; s++) { let cursor: string | undefined; do { const p = await w.store.query({ index: 'gsi2', pk: `OUTBOX#${s}`, to: `${toBizIso(w.clock.now())}#\uffff`, limit: 100, cursor }); n += p.items.length; cursor = p.cursor; } while (cursor); }
  out.query = performance.now() - t; out.n = n; t = performance.now();
  for (let i = 0; i < 2000; i++) renderMessage('statement', { period: '2026-W48', totalFen: 1, availableFen: 1 });
  out.render = performance.now() - t; t = performance.now();
  for (let i = 0; i < 10000; i++) toBizIso(1764000000000 + i);
  out.iso = performance.now() - t; t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => { while (next < items.length) { const it = items[next++]!; await w.store.write({ type: 'update', key: { pk: it.pk, sk: it.sk }, update: { set: { status: 'sending' } }, when: [{ op: 'eq', path: 'status', value: 'pending' }] }); } }));
  out.update = performance.now() - t; t = performance.now();
  throw new Error(JSON.stringify(out));
});
