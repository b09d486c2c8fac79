import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChildProcess } from 'node:child_process';
import { createDynamoItemStore } from '#adapters/dynamodb/item-store';
import { createLocalPay } from '#adapters/local/local-pay';
import { createSinkSender } from '#adapters/local/sink-sender';
import { createStoreSink } from '#adapters/local/store-sink';
import { assembleDeps } from '#wiring/shared';
import { parseConfig } from '#platform/config';
import { systemClock, type Clock } from '#ports/clock';
import type { ItemStore } from '#ports/item-store';
import type { Deps } from '#app/deps';
import type { MessageSender } from '#ports/message-sender';
import { toBizIso } from '#domain/time';
import { ensureTable, freePort, localClient, startDynamoLocal } from '../scripts/lib/dynamo-local.ts';
import { seedDemo } from '../scripts/lib/demo-data.ts';

/** One DynamoDB Local for the whole benchmark run; each section gets fresh tables. */
export async function startBenchDatabase(): Promise<{ newStore(): Promise<{ store: ItemStore; client: DynamoDBDocumentClient; tableName: string }>; stop(): void }> {
  const port = await freePort();
  const child: ChildProcess = await startDynamoLocal({ port });
  const raw = localClient(`http://127.0.0.1:${port}`);
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  let n = 0;
  return {
    async newStore() {
      const tableName = `bench_${n++}`;
      await ensureTable(raw, tableName);
      return { store: createDynamoItemStore({ tableName, client: doc }), client: doc, tableName };
    },
    stop: () => child.kill('SIGTERM'),
  };
}

/** Deps assembled as on a platform, on a given store and clock, optionally with the demo data. */
export function benchDepsSync(store: ItemStore, clock: Clock = systemClock, sender?: MessageSender): Deps {
  const config = parseConfig({
    STAGE: 'bench',
    AUTH_MODE: 'wechat',
    WX_APPID: 'wxbench',
    WX_SECRET: 'x',
    TABLE_NAME: 'unused',
    SESSION_SECRET: 'bench-session-secret-0123456789-abcdef',
    CONTACT_KEY: randomBytes(32).toString('base64'),
  });
  const pay = createLocalPay({ now: () => clock.now(), baseUrl: 'http://localhost:0' });
  return {
    ...assembleDeps({ config, store, clock, payment: pay.payment, payout: pay.payout, sender: sender ?? createSinkSender(createStoreSink(store), () => toBizIso(clock.now())) }),
    sandbox: pay.sandbox,
  };
}

export async function benchDeps(store: ItemStore, clock: Clock = systemClock, seed = true): Promise<Deps> {
  const deps = benchDepsSync(store, clock);
  if (seed) await seedDemo(deps);
  return deps;
}

export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** A process's /proc stat fields after its name: 1 its parent, 11 and 12 its user and system ticks, 13 and 14 its ended children's. */
const statFields = (pid: number | string): string[] => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
};

/** CPU seconds (user + system) a process has used so far; with `children`, also its ended children's (the per-instance processes). */
export const cpuSecondsOf = (pid: number, children = false): number => {
  try {
    const f = statFields(pid);
    return (Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0)) / 100;
  } catch {
    return 0;
  }
};

/** CPU time (ms) of the running children of this process (DynamoDB Local). */
export function javaCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (Number(statFields(pid)[1]) === process.pid) total += cpuSecondsOf(Number(pid)) * 1000;
    } catch {}
  }
  return total;
}

/** CPU (ms) used while `f` runs: this process's, and DynamoDB Local's (the machine's 2 cores are shared by both). */
export async function cpuOf<T>(f: () => Promise<T>): Promise<[T, { nodeMs: number; dbMs: number }]> {
  const java = javaCpuMs();
  const cpu = process.cpuUsage();
  const r = await f();
  const used = process.cpuUsage(cpu);
  return [r, { nodeMs: Math.round((used.user + used.system) / 1000), dbMs: Math.round(javaCpuMs() - java) }];
}

/** What `cpuOf` measured, as the tables print it: "2.0 s (node 0.9, db 1.1)". */
export const cpuText = ({ nodeMs, dbMs }: { nodeMs: number; dbMs: number }) => `${((nodeMs + dbMs) / 1000).toFixed(1)} s (node ${(nodeMs / 1000).toFixed(1)}, db ${(dbMs / 1000).toFixed(1)})`;
