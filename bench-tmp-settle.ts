import { startBenchDatabase } from './bench/support.ts';
import { benchSettle } from './bench/settle.ts';
const db = await startBenchDatabase();
try {
  const n = Number(process.argv[2] ?? 1000);
  const t = Date.now();
  console.log(await benchSettle({ store: (await db.newStore()).store, leaders: n, entriesPerLeader: 20 }));
  console.log('total incl seed', Date.now() - t);
} finally { db.stop(); }
