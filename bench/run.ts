/**
 * `npm run bench`: every figure is a ratio against a bare baseline measured in the same run,
 * printed as tables and written to bench/results/<time>.json. Sizes are for this machine
 * (2 cores): compare ratios, not absolute numbers. BENCH_QUICK=1 runs smaller sizes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchColdStart } from './cold-start.ts';
import { benchFlashSale, benchPlace } from './orders.ts';
import { peakRssMb, startBenchDatabase } from './support.ts';

const quick = process.env.BENCH_QUICK === '1';
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);

async function optional<T>(path: string, name: string): Promise<T | undefined> {
  try {
    return (await import(path))[name] as T;
  } catch (e) {
    console.error(`(skipping ${name}: ${(e as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

async function main() {
  const results: Record<string, unknown> = { at: new Date().toISOString(), node: process.version, quick };
  if (want('cold')) {
    const rows = await benchColdStart(quick ? 3 : 5);
    console.log('\nCold start (fresh process importing the bundle, median)');
    console.table(rows);
    results.coldStart = rows;
  }
  const db = await startBenchDatabase();
  try {
    if (want('place')) {
      const s = await db.newStore();
      const row = await benchPlace({ ...s, orders: quick ? 200 : 1000, concurrency: 16 });
      console.log('\nOrder placement (full command path vs the bare TransactWriteItems)');
      console.table([row]);
      results.place = row;
    }
    if (want('flash')) {
      const row = await benchFlashSale({ ...(await db.newStore()), buyers: quick ? 300 : 1000, stock: 100 });
      console.log('\nFlash sale');
      console.table([row]);
      results.flash = row;
    }
    if (want('cutoff')) {
      const benchCutoff = await optional<any>('./cutoff.ts', 'benchCutoff');
      if (benchCutoff) {
        const row = await benchCutoff({ store: (await db.newStore()).store, communities: quick ? 100 : 1000, ordersPerCommunity: 100 });
        console.log('\nCutoff (the job vs a bare parallel Query of the same items plus one conditional write per unpaid order)');
        console.table(Array.isArray(row) ? row : [row]);
        results.cutoff = row;
      }
    }
    if (want('notify')) {
      const benchNotify = await optional<any>('./notify.ts', 'benchNotify');
      if (benchNotify) {
        const row = await benchNotify({ store: (await db.newStore()).store, entries: quick ? 1000 : 5000 });
        console.log('\nNotify drain (the job vs a bare loop of the same writes)');
        console.table([row]);
        results.notify = row;
      }
    }
    if (want('settle')) {
      const benchSettle = await optional<any>('./settle.ts', 'benchSettle');
      if (benchSettle) {
        const row = await benchSettle({ store: (await db.newStore()).store, leaders: quick ? 1000 : 10000, entriesPerLeader: 20 });
        console.log('\nSettlement (the job vs a bare parallel Query of the same entries)');
        console.table(Array.isArray(row) ? row : [row]);
        results.settle = row;
      }
    }
  } finally {
    db.stop();
  }
  if (want('fanout')) {
    // The cutoff over 1 and 4 worker invocations on the real local stack (its own DynamoDB Local and serverless-offline).
    const benchFanOut = await optional<any>('./fanout.ts', 'benchFanOut');
    if (benchFanOut) {
      const rows = await benchFanOut({ communities: quick ? 120 : 400, ordersPerCommunity: quick ? 50 : 100, rounds: quick ? 2 : 1 });
      console.log('\nCutoff fanned out on the local stack (worker invocations through the Lambda invoke endpoint)');
      console.table(rows);
      results.fanout = rows;
    }
  }
  results.peakRssMb = peakRssMb();
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`\nwritten ${file} (peak RSS of the bench process ${results.peakRssMb} MB)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
