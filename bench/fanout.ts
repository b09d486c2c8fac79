/**
 * The cutoff fanned out over function instances on the real local stack (issue 19): the stack
 * (scripts/lib/local-stack.ts: DynamoDB Local, serverless-offline) on free ports, N communities ×
 * M orders seeded into its table, and the same cutoff coordinated from here with its work split
 * over 1 and then over 4 worker invocations of the cutoff function — each part a signed start
 * sent through serverless-offline's Lambda invoke endpoint (InvocationType Event), exactly the
 * path of an AWS deployment (shared/app/jobs/parts.ts). Two sets of communities of the same size,
 * one per measurement, so both close the same amount of work.
 *
 * Memory: serverless-offline v13 runs Node handlers in its own process when `useInProcess` is set
 * (serverless.yml does), else in worker threads of that process; either way every "instance"
 * shares one process. Each part samples the process's resident set while it runs and returns it
 * in its run record (`peakRssMb`); this bench also samples the serverless-offline process from
 * outside (/proc). Both are upper bounds of any one instance's memory: the process hosts every
 * function and every concurrent invocation at once.
 */
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { runCutoff } from '#app/cutoff/close-waves';
import { openCommunities } from '#app/cutoff/fan-out';
import { listCommunities } from '#app/catalog/communities';
import { readRun } from '#app/jobs/runs';
import { createLambdaLauncher } from '#adapters/aws/lambda-launcher';
import { createDocumentClient, createDynamoItemStore } from '#adapters/dynamodb/item-store';
import { assembleDeps, jobSignerOf } from '#wiring/shared';
import { parseConfig } from '#platform/config';
import { fixedClock } from '#ports/clock';
import type { JobLauncher, JobStart } from '#ports/job-launcher';
import { startEvent, type JobSigner } from '#adapters/crypto/job-signature';
import { buildAll } from '../scripts/build.ts';
import type { Deps } from '#app/deps';
import { startLocalStack } from '../scripts/lib/local-stack.ts';
import { freePort } from '../scripts/lib/dynamo-local.ts';
import { localEnv } from '../scripts/lib/local-env.ts';
import { DATE, seed } from './cutoff.ts';
import { cpuSecondsOf } from './support.ts';

export interface FanOutRow {
  name: string;
  /** Where the worker invocations ran: serverless-offline's invoke endpoint, or one process per instance. */
  mode: string;
  workers: number;
  ms: number;
  /** Time with 1 worker ÷ time with this many (the target: ≥ 2.5 with 4). */
  speedup: number;
  /** The largest `peakRssMb` a part measured inside its instance (its run record). */
  workerPeakRssMb: number;
  /** The serverless-offline process sampled from outside while the run went on. */
  stackPeakRssMb: number;
  /**
   * CPU cores kept busy on average during the run by the stack (serverless-offline, DynamoDB
   * Local) and this coordinating process: near the machine's core count, more worker
   * invocations cannot go faster on this machine.
   */
  busyCores: number;
  /** Of those, DynamoDB Local's share (the local stand-in of the database, on the same cores). */
  dbCores: number;
  orders: number;
}

/** Processes whose command line holds every needle (this stack's: serverless-offline names its Lambda port, DynamoDB Local its port). */
function pidsMatching(...needles: string[]): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return needles.every((n) => cmd.includes(n));
      } catch {
        return false;
      }
    })
    .map(Number);
}

const rssMbOf = (pid: number): number => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
};

/**
 * Worker invocations as Lambda runs them: one fresh Node process per instance, importing the
 * deployed bundle (scripts/build.ts) and calling its handler with the signed start — so each
 * instance's memory is its own (`process.resourceUsage().maxRSS`, Lambda's "Max Memory Used").
 */
function processLauncher(bundle: string, env: Record<string, string>, signer: JobSigner): JobLauncher & { idle(): Promise<number[]> } {
  const running: Promise<number>[] = [];
  const code = `const { handler } = await import(${JSON.stringify('file://' + bundle)});
try { await handler(JSON.parse(process.env.BENCH_EVENT), { getRemainingTimeInMillis: () => 300000 }); } catch (e) { console.error(e); }
process.stdout.write('MAXRSS ' + Math.round(process.resourceUsage().maxRSS / 1024) + '\\n'); process.exit(0);`;
  return {
    async launch(_fn, start) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
        env: { ...process.env, ...env, TZ: 'Asia/Shanghai', BENCH_EVENT: JSON.stringify(startEvent(signer, start)) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      running.push(new Promise((done) => child.on('exit', () => done(Number(/MAXRSS (\d+)/.exec(out)?.[1] ?? 0)))));
    },
    verify: (start, sig) => signer.verify(start, sig),
    async idle() {
      const all = await Promise.all(running);
      running.length = 0;
      return all;
    },
  };
}

/** One cutoff of wave DATE coordinated here, its communities split over `workers` parts run by the stack. */
async function timedCutoff(
  deps: Deps,
  workers: number,
  pids: number[],
  cpuPids: number[],
  dbPids: number[] = [],
): Promise<{ ms: number; workerPeakRssMb: number; stackPeakRssMb: number; busyCores: number; dbCores: number; parts: number }> {
  const starts: JobStart[] = [];
  const launcher = deps.jobs;
  deps.jobs = { ...launcher, launch: (fn, start) => (starts.push(start), launcher.launch(fn, start)) };
  deps.fanOut = { cutoffBatch: 1, maxParts: workers };
  let stackPeak = 0;
  const sample = () => (stackPeak = Math.max(stackPeak, ...pids.map(rssMbOf)));
  const timer = setInterval(sample, 100);
  const cpu = () => cpuPids.reduce((a, p) => a + cpuSecondsOf(p), 0) + cpuSecondsOf(process.pid, true);
  const db = () => dbPids.reduce((a, p) => a + cpuSecondsOf(p), 0);
  const cpu0 = cpu();
  const db0 = db();
  const t0 = performance.now();
  let summary: Awaited<ReturnType<typeof runCutoff>>;
  let processRss: number[] = [];
  try {
    summary = await runCutoff(deps, { date: DATE, batch: 1 });
    if ('idle' in launcher) processRss = await (launcher as ReturnType<typeof processLauncher>).idle();
  } finally {
    clearInterval(timer);
    deps.jobs = launcher;
  }
  const ms = Math.round(performance.now() - t0);
  const busyCores = Math.round(((cpu() - cpu0) / (ms / 1000)) * 100) / 100;
  const dbCores = Math.round(((db() - db0) / (ms / 1000)) * 100) / 100;
  sample();
  const left = await openCommunities(deps, DATE, await listCommunities(deps));
  if (!summary.complete || left.length) throw new Error(`fan-out bench: the cutoff did not finish (${left.length} communities open)`);
  const runs = await Promise.all(starts.map((s) => readRun(deps, s.runId)));
  const failed = runs.filter((r) => r.status !== 'DONE');
  if (failed.length) throw new Error(`fan-out bench: ${failed.length} part(s) did not end DONE: ${JSON.stringify(failed.map((r) => r.error))}`);
  const workerPeak = Math.max(0, ...processRss, ...runs.map((r) => (r.result as { peakRssMb?: number }).peakRssMb ?? 0));
  return { ms, workerPeakRssMb: workerPeak, stackPeakRssMb: stackPeak, busyCores, dbCores, parts: starts.length };
}

/**
 * Rounds of [1 worker, 4 workers] after a warm-up (the cutoff bundle loaded and compiled in the
 * stack, DynamoDB Local warmed); each count's best round is reported (the machine is shared).
 */
export async function benchFanOut(opts: { communities: number; ordersPerCommunity: number; workers?: number[]; rounds?: number }): Promise<FanOutRow[]> {
  const workers = opts.workers ?? [1, 4];
  const rounds = opts.rounds ?? 2;
  const lambdaPort = await freePort();
  const stack = await startLocalStack({ LAMBDA_PORT: String(lambdaPort), E2E: '1' });
  try {
    const env = localEnv({ DYNAMO_ENDPOINT: `http://127.0.0.1:${stack.dynamoPort}`, LOCAL_DIR: stack.localDir, LAMBDA_ENDPOINT: `http://127.0.0.1:${lambdaPort}` });
    const config = parseConfig(env);
    const store = createDynamoItemStore({
      tableName: env.TABLE_NAME!,
      client: createDocumentClient({ endpoint: env.DYNAMO_ENDPOINT, region: 'localhost', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    });
    // The coordinator runs here (its clock just after the wave's cutoff); the parts run in the stack.
    const deps = assembleDeps({
      config,
      store,
      clock: fixedClock(`${DATE}T22:05:00+08:00`),
      jobLauncher: (signer) => createLambdaLauncher({ functionName: (fn) => `groupbuy-local-${fn}`, endpoint: config.LAMBDA_ENDPOINT!, signer }),
    });
    const pids = pidsMatching(`--lambdaPort\0${lambdaPort}`, 'offline');
    const dynamo = pidsMatching('DynamoDBLocal', `-port\0${stack.dynamoPort}`);
    if (!pids.length || !dynamo.length) throw new Error('fan-out bench: the stack\'s serverless-offline or DynamoDB Local process was not found');
    const signer = jobSignerOf(config);
    const bundle = resolve('dist-bench/fanout/aws/cutoff.js');
    await buildAll({ quiet: true, outDir: 'dist-bench/fanout' });
    const modes: { mode: string; launcher: JobLauncher; pids: number[]; cpuPids: () => number[] }[] = [
      { mode: 'local stack (serverless-offline invoke endpoint, in-process)', launcher: deps.jobs, pids, cpuPids: () => [...pids, ...dynamo] },
      { mode: 'one process per instance (the deployed bundle)', launcher: processLauncher(bundle, env, signer), pids: [], cpuPids: () => dynamo },
    ];
    const rows: FanOutRow[] = [];
    for (const m of modes) {
      deps.jobs = m.launcher;
      // Warm-up: a small wave through the same path, not measured.
      await seed(store, randomBytes(3).toString('hex'), 8, 10);
      await timedCutoff(deps, Math.max(...workers), m.pids, []);
      const best = new Map<number, Awaited<ReturnType<typeof timedCutoff>> & { all: number[] }>();
      for (let r = 0; r < rounds; r++) {
        for (const n of workers) {
          // A fresh set of communities for each measurement: the earlier sets' waves are closed and skipped.
          await seed(store, randomBytes(3).toString('hex'), opts.communities, opts.ordersPerCommunity);
          const t = await timedCutoff(deps, n, m.pids, m.cpuPids(), dynamo);
          if (t.parts !== n) throw new Error(`fan-out bench: expected ${n} parts, started ${t.parts}`);
          const prev = best.get(n);
          const all = [...(prev?.all ?? []), t.ms];
          const peaks = { workerPeakRssMb: Math.max(prev?.workerPeakRssMb ?? 0, t.workerPeakRssMb), stackPeakRssMb: Math.max(prev?.stackPeakRssMb ?? 0, t.stackPeakRssMb) };
          best.set(n, !prev || t.ms < prev.ms ? { ...t, ...peaks, all } : { ...prev, ...peaks, all });
        }
      }
      const oneWorkerMs = best.get(1)?.ms;
      for (const n of workers) {
        const b = best.get(n)!;
        rows.push({
          name: `cutoff ${opts.communities}×${opts.ordersPerCommunity}, ${n} worker${n === 1 ? '' : 's'} (best of ${b.all.join(', ')} ms)`,
          mode: m.mode,
          workers: n,
          ms: b.ms,
          speedup: oneWorkerMs ? Math.round((oneWorkerMs / b.ms) * 100) / 100 : NaN,
          workerPeakRssMb: b.workerPeakRssMb,
          stackPeakRssMb: b.stackPeakRssMb,
          busyCores: b.busyCores,
          dbCores: b.dbCores,
          orders: opts.communities * opts.ordersPerCommunity,
        });
      }
    }
    return rows;
  } finally {
    await stack.stop();
  }
}
