import { startBenchDatabase } from './bench/support.ts';
import { benchSettle } from './bench/settle.ts';
const db = await startBenchDatabase();
try {
  const { store } = await db.newStore();
  const stats: Record<string, { n: number; ms: number }> = {};
  const wrap = (name: string, f: any) => async (...a: any[]) => { const t = performance.now(); try { return await f(...a); } finally { const s = (stats[name] ??= { n: 0, ms: 0 }); s.n++; s.ms += performance.now() - t; } };
  const w: any = { ...store };
  for (const k of ['get', 'getMany', 'query', 'write', 'transact']) w[k] = wrap(k, (store as any)[k]);
  const origPut = store.putMany;
  w.putMany = origPut;
  console.log(await benchSettle({ store: w, leaders: Number(process.argv[2] ?? 300), entriesPerLeader: 20 }));
  console.log(stats);
} finally { db.stop(); }
