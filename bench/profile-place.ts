/**
 * `npx tsx bench/profile-place.ts`: the store calls of one placement (after warm-up), each
 * counted and timed; the CPU of this process and of DynamoDB Local per placement; placements
 * at 16 in flight beside the bare transaction they send; the cost of single requests. A tool
 * for reading the hot path (issue 19), not a bench: `npm run bench` gives the ratios.
 */
import { dispatch } from '#platform/dispatch';
import { placeCommand } from '#app/orders/commands';
import type { ItemStore } from '#ports/item-store';
import { keys } from '#app/keys';
import { createDynamoItemStore } from '#adapters/dynamodb/item-store';
import { benchDeps, javaCpuMs, startBenchDatabase } from './support.ts';
import { bareSameShape, capturePlacementShape } from './orders.ts';

const contact = { name: '张三', phone: '13912345678' };

function tracing(store: ItemStore) {
  const calls: { method: string; what: string; ms: number; start: number }[] = [];
  let on = false;
  const t0 = { v: 0 };
  const wrap = <K extends keyof ItemStore>(method: K, describe: (...a: any[]) => string) =>
    (async (...args: any[]) => {
      const start = performance.now();
      try {
        return await (store[method] as any)(...args);
      } finally {
        if (on) calls.push({ method, what: describe(...args), ms: +(performance.now() - start).toFixed(1), start: +(start - t0.v).toFixed(1) });
      }
    }) as any;
  const traced: ItemStore = {
    get: wrap('get', (k, o) => `${k.pk} ${k.sk}${o?.consistent ? ' (consistent)' : ''}`),
    getMany: wrap('getMany', (ks) => ks.map((k: any) => `${k.pk} ${k.sk}`).join(' | ')),
    query: wrap('query', (q) => `${q.index ?? ''} ${q.pk} ${q.prefix ?? ''}`),
    write: wrap('write', (op) => `${op.type} ${(op.key ?? op.item).pk} ${(op.key ?? op.item).sk}`),
    transact: wrap('transact', (ops) => `${ops.length} ops: ` + ops.map((op: any) => `${op.type} ${(op.key ?? op.item).pk}/${(op.key ?? op.item).sk}`).join(', ')),
    putMany: wrap('putMany', (items) => `${items.length} items`),
    ...(store.checksWrite ? { checksWrite: true } : {}),
  };
  return { traced, start: () => ((on = true), (t0.v = performance.now())), stop: () => (on = false), calls };
}

/** `n` calls of `f`, `width` at once: wall time, and CPU of DynamoDB Local and of this process, per call. */
async function perRequest(label: string, n: number, f: (i: number) => Promise<unknown>, width = 8) {
  const before = javaCpuMs();
  const cpu = process.cpuUsage();
  const t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await f(next++);
  }));
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  console.log(`  ${label}: ${(ms / n).toFixed(2)} ms wall/call at ${width} in flight, DynamoDB Local CPU ${((javaCpuMs() - before) / n).toFixed(2)} ms/call, node CPU ${((used.user + used.system) / 1000 / n).toFixed(2)} ms/call`);
}

async function main() {
  const db = await startBenchDatabase();
  try {
    const s0 = await db.newStore();
    const sent = new Map<string, number>();
    const countingClient = { send: (c: any) => (sent.set(c.constructor.name, (sent.get(c.constructor.name) ?? 0) + 1), s0.client.send(c)) };
    const s = { ...s0, store: createDynamoItemStore({ tableName: s0.tableName, client: countingClient }) };
    const tr = tracing(s.store);
    const deps = await benchDeps(tr.traced);
    const basket = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }, { productId: 'p-noodles', qty: 1 }, { productId: 'p-tissue', qty: 1 }] };
    for (let i = 0; i < 20; i++) await dispatch(placeCommand, { ...basket, requestId: `warm${i}`, contact }, { kind: 'openid', openid: `warm${i}` }, deps);
    for (const run of [1, 2]) {
      tr.calls.length = 0;
      tr.start();
      const t = performance.now();
      await dispatch(placeCommand, { ...basket, requestId: `p${run}`, contact }, { kind: 'openid', openid: `prof${run}` }, deps);
      const ms = performance.now() - t;
      tr.stop();
      console.log(`\nplacement ${run}: ${ms.toFixed(1)} ms, ${tr.calls.length} store calls, ${tr.calls.reduce((a, c) => a + c.ms, 0).toFixed(1)} ms in the store`);
      for (const c of tr.calls) console.log(`  @${c.start}ms ${c.ms}ms ${c.method} ${c.what}`);
    }
    // CPU: N placements in sequence, the time outside the store.
    const N = 200;
    tr.calls.length = 0;
    tr.start();
    const javaBefore = javaCpuMs();
    const cpu = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < N; i++) await dispatch(placeCommand, { ...basket, requestId: `s${i}`, contact }, { kind: 'openid', openid: `seq${i}` }, deps);
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const javaMs = javaCpuMs() - javaBefore;
    tr.stop();
    console.log(`CPU per placement: node ${((used.user + used.system) / 1000 / N).toFixed(2)} ms, DynamoDB Local ${(javaMs / N).toFixed(2)} ms`);
    const inStore = tr.calls.reduce((a, c) => a + c.ms, 0);
    console.log(`\n${N} sequential placements: ${(ms / N).toFixed(2)} ms each, ${(inStore / N).toFixed(2)} ms in the store, ${((ms - inStore) / N).toFixed(2)} ms outside, ${(tr.calls.length / N).toFixed(1)} calls each`);
    // At the bench's concurrency, placements vs the bare transaction they send: wall time and CPU of both processes per call.
    console.log('\nat 16 in flight (400 each; DynamoDB Local speeds up as it warms: compare neighbouring lines)');
    const shape = await capturePlacementShape(s0.client, s0.tableName, basket);
    await perRequest('bare same-shape (warm-up)', 400, (i) => bareSameShape(s0.client, shape, `w16${i}`), 16);
    sent.clear();
    await perRequest('placement', 400, (i) => dispatch(placeCommand, { ...basket, requestId: `c${i}`, contact }, { kind: 'openid', openid: `conc${i}` }, deps), 16);
    console.log('  requests sent per placement:', [...sent].map(([k, v]) => `${k} ${(v / 400).toFixed(2)}`).join(', '));
    await perRequest('bare same-shape', 400, (i) => bareSameShape(s0.client, shape, `c16${i}`), 16);
    console.log('\nper request kind (400 calls each)');
    const st = s0.store;
    await perRequest('get consistent', 400, (i) => st.get({ pk: `U#seq${i % 200}`, sk: 'PROFILE' }, { consistent: true }));
    await perRequest('getMany 2', 400, (i) => st.getMany([{ pk: `U#seq${i % 200}`, sk: 'PROFILE' }, { pk: `U#seq${i % 200}`, sk: 'LEVEL' }]));
    await perRequest('query roles', 400, (i) => st.query({ ...keys.userRoles(`seq${i % 200}`), consistent: true }));
    await perRequest('update', 400, (i) => st.write({ type: 'update', key: { pk: `X#${i}`, sk: 'X' }, update: { set: { a: 1 } }, when: [{ op: 'attrNotExists', path: 'r' }] }));
  } finally {
    db.stop();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
