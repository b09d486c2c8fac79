/**
 * Benchmark of the nightly cutoff (issue 4, "Scale"): N communities × M orders seeded straight
 * into a store, then the cutoff job timed against a bare parallel Query that only reads the
 * same orders plus one conditional write per unpaid order (the floor any cutoff must pay, issue
 * 19), with the process's peak RSS while the job runs.
 * `npm run bench` calls it with 1,000 × 100 on DynamoDB Local.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { benchDepsSync } from './support.ts';
import { fixedClock } from '#ports/clock';
import { type Item, type ItemStore } from '#ports/item-store';
import { keys, typeIndex } from '#app/keys';
import { runCutoff } from '#app/cutoff/close-waves';
import { cutoffJob } from '#app/cutoff/jobs';
import { forEachLimit } from '#app/concurrency';

export interface BenchRow {
  name: string;
  ms: number;
  baselineMs: number;
  ratio: number;
  peakRssMb: number;
  /** The store calls the job made (count, and the summed time in flight), to see where its time goes. */
  calls?: string;
}

/** The store, counting each call by method (a transaction also by its operation count) and the time spent in it. */
function counted(inner: ItemStore): { store: ItemStore; report(): string; reset(): void } {
  let stats = new Map<string, { n: number; ms: number }>();
  const time = <T>(name: string, p: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    return p().finally(() => {
      const s = stats.get(name) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += performance.now() - t0;
      stats.set(name, s);
    });
  };
  const store: ItemStore = {
    ...inner,
    get: (k, o) => time('get', () => inner.get(k, o)),
    getMany: (k) => time('getMany', () => inner.getMany(k)),
    query: (q) => time('query', () => inner.query(q)),
    write: (op) => time(`write:${op.type}`, () => inner.write(op)),
    transact: (ops) => time(`transact(${ops.length <= 2 ? ops.length : ops.length <= 10 ? '3-10' : '>10'})`, () => inner.transact(ops)),
    putMany: (items) => time('putMany', () => inner.putMany(items)),
  };
  return {
    store,
    report: () => [...stats].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k} ${v.n}/${Math.round(v.ms)}ms`).join(', '),
    reset: () => void (stats = new Map()),
  };
}

export const DATE = '2026-11-24';
const PRODUCTS = 12;
const CONCURRENCY = 16;

/** Deps for a run outside any platform: the given store, a clock just after the cutoff, no real gateways. */
const benchDeps = (store: ItemStore) => benchDepsSync(store, fixedClock(`${DATE}T22:05:00+08:00`), { send: async () => ({ status: 'sent' }) });

const pad = (n: number, w = 4) => String(n).padStart(w, '0');

/** One community's orders: 9 in 10 paid (confirmed at cutoff), 1 in 10 unpaid (cancelled). */
function ordersOf(run: string, c: number, count: number): Item[] {
  const communityId = `bench-${run}-c${pad(c)}`;
  return Array.from({ length: count }, (_, i) => {
    const id = `01BENCH${run}${pad(c)}${pad(i, 6)}`;
    const p = (c + i) % PRODUCTS;
    const qty = 1 + (i % 3);
    const paid = i % 10 !== 9;
    const lines = [{ productId: `bench-p${p}`, title: `商品${p}`, qty, unitPriceFen: 990, paidFen: 990 * qty, fresh: p % 2 === 0, commissionRate: 0.1, supplierId: `bench-s${p % 3}`, flash: false, holds: [] }];
    return {
      ...keys.order(communityId, DATE, id),
      id, shortNo: id.slice(-6), communityId, waveDate: DATE, userId: `bench-u${c}-${i % 60}`,
      status: paid ? 'PAID' : 'PENDING_PAYMENT', lines,
      amounts: { goodsFen: 990 * qty, memberDiscountFen: 0, couponFen: 0, firstOrderFen: 0, pointsFen: 0, payableFen: 990 * qty },
      pointsUsed: 0, firstOrder: i === 0, contactSealed: 'x', contactMasked: '张*', phoneTail: pad(i), requestId: id,
      createdAt: `${DATE}T12:00:00+08:00`, payBy: `${DATE}T12:15:00+08:00`, ...(paid ? { paidAt: `${DATE}T12:01:00+08:00`, pickupCode: String(10_000_000 + i) } : {}),
      refunds: [],
    };
  });
}

/** Seeds communities (with leaders), products and orders with batched puts, community by community. */
export async function seed(store: ItemStore, run: string, communities: number, perCommunity: number): Promise<string[]> {
  const products: Item[] = Array.from({ length: PRODUCTS }, (_, p) => ({
    ...keys.product(`bench-p${p}`), ...typeIndex('product', `bench-p${p}`),
    id: `bench-p${p}`, title: `商品${p}`, category: '蔬菜', priceFen: 990, costFen: 600, supplierId: `bench-s${p % 3}`, fresh: p % 2 === 0, status: 'active',
  }));
  await store.putMany(products);
  const ids = Array.from({ length: communities }, (_, c) => c);
  await forEachLimit(ids, CONCURRENCY, async (c) => {
    const id = `bench-${run}-c${pad(c)}`;
    const leaderId = `bench-${run}-l${pad(c)}`;
    await store.putMany([
      {
        ...keys.community(id), ...typeIndex('community', id), id, name: `小区${c}`, address: `地址${c}`, region: `区${c % 7}`, routeId: `r${c % 20}`,
        location: { lat: 31.1 + (c % 40) * 0.005, lng: 121.3 + Math.floor(c / 40) * 0.005 }, status: 'active', leaderId, leaderName: `团长${c}`,
      },
      { ...keys.leader(leaderId), id: leaderId, openid: `bench-openid-${run}-${c}`, status: 'active', communityId: id },
      ...ordersOf(run, c, perCommunity),
    ]);
  });
  return ids.map((c) => `bench-${run}-c${pad(c)}`);
}

/** Times `work` and samples the resident set size every 25 ms while it runs. */
async function measure(work: () => Promise<unknown>): Promise<{ ms: number; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const t0 = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { ms: Math.round(performance.now() - t0), peakRssMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20) };
}

/** The cutoff job over `communities × ordersPerCommunity` orders, against a read-only baseline. */
export async function benchCutoff(opts: { store: ItemStore; communities: number; ordersPerCommunity: number }): Promise<BenchRow[]> {
  const { store, communities, ordersPerCommunity } = opts;
  const run = randomBytes(3).toString('hex');
  const ids = await seed(store, run, communities, ordersPerCommunity);
  const profile = counted(store);
  const deps = benchDeps(profile.store);

  // Baseline (issue 19): what the database must do — read every order of the wave once, community
  // by community, as parallel as the job, plus one conditional write per unpaid order (here a
  // marker conditioned on the order being unpaid, so the job still finds it unpaid), 4 at once
  // per community as the job cancels them.
  const baseline = await measure(() =>
    forEachLimit(ids, CONCURRENCY, async (id) => {
      let cursor: string | undefined;
      do {
        const page = await store.query({ ...keys.ordersOfWave(id, DATE), consistent: true, limit: 200, cursor });
        cursor = page.cursor;
        const unpaid = page.items.filter((it) => it.status === 'PENDING_PAYMENT');
        await forEachLimit(unpaid, 4, async (it) => {
          await store.write({ type: 'update', key: { pk: it.pk, sk: it.sk }, update: { set: { benchSeen: true } }, when: [{ op: 'eq', path: 'status', value: 'PENDING_PAYMENT' }] });
        });
      } while (cursor);
    }),
  );
  let summary: Awaited<ReturnType<typeof runCutoff>> | undefined;
  const job = await measure(async () => {
    summary = (await cutoffJob.run(deps, { date: DATE })) as typeof summary;
  });
  const expected = Math.ceil(ordersPerCommunity * 0.9) * communities;
  if (!summary?.complete || summary.ordersConfirmed < expected - communities) throw new Error(`bench cutoff did not finish: ${JSON.stringify(summary && { ...summary, waves: undefined })}`);
  const calls = profile.report();
  profile.reset();
  const rerun = await measure(() => runCutoff(deps, { date: DATE }));
  const rerunCalls = profile.report();
  const row = (name: string, m: { ms: number; peakRssMb: number }, calls: string): BenchRow => ({
    name,
    ms: m.ms,
    baselineMs: baseline.ms,
    ratio: Math.round((m.ms / Math.max(1, baseline.ms)) * 10) / 10,
    peakRssMb: m.peakRssMb,
    calls,
  });
  return [row(`cutoff ${communities}×${ordersPerCommunity}`, job, calls), row(`cutoff rerun (nothing left) ${communities}×${ordersPerCommunity}`, rerun, rerunCalls)];
}
