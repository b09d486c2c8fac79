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
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { runCutoff } from '#app/cutoff/close-waves';
import { openCommunities } from '#app/cutoff/fan-out';
import { listCommunities } from '#app/catalog/communities';
import { readRun } from '#app/jobs/runs';
import { createLambdaLauncher } from '#adapters/aws/lambda-launcher';
import { createDocumentClient, createDynamoItemStore } from '#adapters/dynamodb/item-store';
import { assembleDeps } from '#wiring/shared';
import { parseConfig } from '#platform/config';
import { fixedClock } from '#ports/clock';
import type { JobStart } from '#ports/job-launcher';
import type { Deps } from '#app/deps';
import { startLocalStack } from '../scripts/lib/local-stack.ts';
import { freePort } from '../scripts/lib/dynamo-local.ts';
import { localEnv } from '../scripts/lib/local-env.ts';
import { DATE, seed } from './cutoff.ts';

export interface FanOutRow {
  name: string;
  workers: number;
  ms: number;
  /** Time with 1 worker ÷ time with this many (the target: ≥ 2.5 with 4). */
  speedup: number;
  /** The largest `peakRssMb` a part measured inside its instance (its run record). */
  workerPeakRssMb: number;
  /** The serverless-offline process sampled from outside while the run went on. */
  stackPeakRssMb: number;
  orders: number;
}

/** The serverless-offline processes of this stack (their command line names its Lambda port). */
function offlinePids(lambdaPort: number): number[] {
  const needle = `--lambdaPort\0${lambdaPort}`;
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.includes(needle) && cmd.includes('offline');
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

/** One cutoff of wave DATE coordinated here, its communities split over `workers` parts run by the stack. */
async function timedCutoff(deps: Deps, workers: number, pids: number[]): Promise<{ ms: number; workerPeakRssMb: number; stackPeakRssMb: number; parts: number }> {
  const starts: JobStart[] = [];
  const launcher = deps.jobs;
  deps.jobs = { ...launcher, launch: (fn, start) => (starts.push(start), launcher.launch(fn, start)) };
  deps.fanOut = { cutoffBatch: 1, maxParts: workers };
  let stackPeak = 0;
  const sample = () => (stackPeak = Math.max(stackPeak, ...pids.map(rssMbOf)));
  const timer = setInterval(sample, 100);
  const t0 = performance.now();
  let summary: Awaited<ReturnType<typeof runCutoff>>;
  try {
    summary = await runCutoff(deps, { date: DATE, batch: 1 });
  } finally {
    clearInterval(timer);
    deps.jobs = launcher;
  }
  const ms = Math.round(performance.now() - t0);
  sample();
  const left = await openCommunities(deps, DATE, await listCommunities(deps));
  if (!summary.complete || left.length) throw new Error(`fan-out bench: the cutoff did not finish (${left.length} communities open)`);
  const runs = await Promise.all(starts.map((s) => readRun(deps, s.runId)));
  const failed = runs.filter((r) => r.status !== 'DONE');
  if (failed.length) throw new Error(`fan-out bench: ${failed.length} part(s) did not end DONE: ${JSON.stringify(failed.map((r) => r.error))}`);
  const workerPeak = Math.max(0, ...runs.map((r) => (r.result as { peakRssMb?: number }).peakRssMb ?? 0));
  return { ms, workerPeakRssMb: workerPeak, stackPeakRssMb: stackPeak, parts: starts.length };
}

export async function benchFanOut(opts: { communities: number; ordersPerCommunity: number; workers?: number[] }): Promise<FanOutRow[]> {
  const workers = opts.workers ?? [1, 4];
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
    const pids = offlinePids(lambdaPort);
    if (!pids.length) throw new Error('fan-out bench: serverless-offline process not found');
    const rows: FanOutRow[] = [];
    let oneWorkerMs: number | undefined;
    for (const n of workers) {
      // A fresh set of communities for each measurement: the earlier sets' waves are closed and skipped.
      await seed(store, randomBytes(3).toString('hex'), opts.communities, opts.ordersPerCommunity);
      const m = await timedCutoff(deps, n, pids);
      if (m.parts !== n) throw new Error(`fan-out bench: expected ${n} parts, started ${m.parts}`);
      oneWorkerMs ??= n === 1 ? m.ms : undefined;
      rows.push({
        name: `cutoff ${opts.communities}×${opts.ordersPerCommunity} over ${n} worker invocation${n === 1 ? '' : 's'}`,
        workers: n,
        ms: m.ms,
        speedup: oneWorkerMs ? Math.round((oneWorkerMs / m.ms) * 100) / 100 : NaN,
        workerPeakRssMb: m.workerPeakRssMb,
        stackPeakRssMb: m.stackPeakRssMb,
        orders: opts.communities * opts.ordersPerCommunity,
      });
    }
    return rows;
  } finally {
    await stack.stop();
  }
}
