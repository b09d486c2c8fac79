import { startBenchDatabase } from './bench/support.ts';
import { forEachLimit } from './shared/app/settle/pool.ts';
const db = await startBenchDatabase();
try {
  const { store } = await db.newStore();
  const big = Array.from({ length: 40 }, (_, i) => ({ productId: 'p-pork', title: '土猪五花肉 500g', qty: 1, paidFen: 2990 + i, rate: 0.1, commissionFen: 299, orderId: 'o' + i, shortNo: 'ABCDEF', pickedUpAt: '2026-11-24T10:00:00+08:00' }));
  for (const [name, conc, mk] of [
    ['tx4 small c1', 1, (i: number) => [0, 1, 2, 3].map((k) => ({ type: 'put', item: { pk: `A#${i}`, sk: `S${k}` } }))],
    ['tx4 small c16', 16, (i: number) => [0, 1, 2, 3].map((k) => ({ type: 'put', item: { pk: `B#${i}`, sk: `S${k}` } }))],
    ['tx4 big c16', 16, (i: number) => [0, 1, 2, 3].map((k) => ({ type: 'put', item: { pk: `C#${i}`, sk: `S${k}`, lines: k === 0 ? big : [] , gsi1pk: 'X', gsi1sk: `${i}`} }))],
    ['tx4 big noGSI c16', 16, (i: number) => [0, 1, 2, 3].map((k) => ({ type: 'put', item: { pk: `E#${i}`, sk: `S${k}`, lines: k === 0 ? big : [] } }))],
    ['tx4 big noGSI c16 (again)', 16, (i: number) => [0, 1, 2, 3].map((k) => ({ type: 'put', item: { pk: `F#${i}`, sk: `S${k}`, lines: k === 0 ? big : [] } }))],
    ['tx4 big c16 again', 16, (i: number) => [0, 1, 2, 3].map((k) => ({ type: 'put', item: { pk: `G#${i}`, sk: `S${k}`, lines: k === 0 ? big : [] , gsi1pk: 'X', gsi1sk: `g${i}`} }))],
    ['put big c16', 16, (i: number) => [{ type: 'put', item: { pk: `D#${i}`, sk: `S`, lines: big, gsi1pk: 'X', gsi1sk: `${i}` } }]],
  ] as const) {
    const t = performance.now();
    await forEachLimit(Array.from({ length: 200 }, (_, i) => i), conc, async (i) => {
      const ops = (mk as any)(i);
      if (ops.length === 1) await store.write(ops[0]); else await store.transact(ops);
    });
    console.log(name, ((performance.now() - t) / 200).toFixed(1), 'ms per op (wall/200)');
  }
} finally { db.stop(); }
