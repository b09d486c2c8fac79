/**
 * `npm start`: the whole local stack on one machine. DynamoDB Local (in memory unless DATA_DIR
 * is set), the table from deploy/table.json, the demo data, and serverless-offline on port 3000
 * with every route and schedule, TZ=Asia/Shanghai. Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { assertJava, ensureTable, localClient, startDynamoLocal } from './lib/dynamo-local.ts';
import { localEnv } from './lib/local-env.ts';
import { seedDemo } from './lib/demo-data.ts';
import { seedDemoHistory } from './lib/demo-history.ts';
import { fixedClock } from '../shared/ports/clock.ts';
import { assembleDeps } from '../shared/wiring/shared.ts';
import { parseConfig } from '../shared/platform/config.ts';
import { createDocumentClient, createDynamoItemStore } from '../shared/adapters/dynamodb/item-store.ts';
import { BUSINESS_TZ } from '../shared/domain/time.ts';
import { ensureConsoleBuilt, serveConsole } from './lib/console-server.ts';

const children: ChildProcess[] = [];
let stopping = false;
/** A per-run bundle folder (tests), removed on stop; the default `.esbuild` is kept. */
let ownWorkFolder: string | undefined;

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children.reverse()) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => {
    if (ownWorkFolder) rmSync(ownWorkFolder, { recursive: true, force: true });
    process.exit(code);
  }, 1500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitForHttp(url: string, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`${url} did not answer within ${ms / 1000} s`);
}

async function main() {
  try {
    assertJava();
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
  const env = localEnv();
  const port = Number(process.env.DYNAMO_PORT ?? 8000);
  const httpPort = Number(process.env.PORT ?? 3000);
  const dataDir = process.env.DATA_DIR;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  // A fresh clock and sandbox state per start; .esbuild from another format would shadow the bundle.
  rmSync(env.DEV_CLOCK_FILE!, { force: true });
  // Each stack bundles into its own work folder (several stacks may run at once: the e2e and
  // browser test runs, a developer's own): the default `.esbuild`, or one named after LOCAL_DIR.
  const workFolder = process.env.ESBUILD_WORK_FOLDER ?? (process.env.LOCAL_DIR ? `.esbuild-${basename(env.LOCAL_DIR!)}` : '.esbuild');
  process.env.ESBUILD_WORK_FOLDER = workFolder;
  rmSync(workFolder, { recursive: true, force: true });
  if (workFolder !== '.esbuild') ownWorkFolder = workFolder;

  console.log(`starting DynamoDB Local on :${port} (${dataDir ? `data in ${dataDir}` : 'in memory'})`);
  children.push(await startDynamoLocal({ port, dataDir }));
  const raw = localClient(env.DYNAMO_ENDPOINT!);
  await ensureTable(raw, env.TABLE_NAME!);
  const config = parseConfig(env);
  const store = createDynamoItemStore({ tableName: env.TABLE_NAME!, client: createDocumentClient({ endpoint: env.DYNAMO_ENDPOINT, region: 'localhost', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }) });
  await seedDemo(assembleDeps({ config, store }));
  if (process.env.E2E !== '1') {
    // A human's `npm start`: the last waves' orders, paid and cut off with a clock set in the past
    // (only these deps'; the stack's business clock stays now), so the console dashboard has charts.
    const pastClock = fixedClock(Date.now());
    const seedStart = Date.now();
    const history = await seedDemoHistory(assembleDeps({ config, store, clock: pastClock }), pastClock);
    if (history.waves.length) console.log(`demo history: ${history.orders} orders in the waves ${history.waves[0]} to ${history.waves.at(-1)} (${((Date.now() - seedStart) / 1000).toFixed(1)} s)`);
  }
  console.log('table groupbuy-local ready, demo data loaded');

  const offline = spawn('npx', ['serverless', 'offline', 'start', '--stage', 'local', '--httpPort', String(httpPort), '--lambdaPort', process.env.LAMBDA_PORT ?? '3002'], {
    env: { ...process.env, ...env, TZ: BUSINESS_TZ, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(offline);
  offline.stdout!.on('data', (d) => process.env.VERBOSE && process.stdout.write(d));
  offline.stderr!.on('data', (d) => process.stderr.write(d));
  offline.on('exit', (code) => {
    if (!stopping) {
      console.error(`serverless-offline exited (${code})`);
      stop(1);
    }
  });
  await waitForHttp(`http://localhost:${httpPort}/communities`, 120_000);
  const base = `http://localhost:${httpPort}`;
  // The merchant console (console/, built into dist/console) on CONSOLE_PORT (default 5173; taken: a free port).
  // The e2e tests' stack leaves it out unless a build is named (the browser tests' CONSOLE_DIR).
  const withConsole = !(process.env.E2E && !process.env.CONSOLE_DIR) && ensureConsoleBuilt();
  const consoleUrl = withConsole ? (await serveConsole(Number(process.env.CONSOLE_PORT ?? 5173), base)).url : undefined;
  console.log(`
groupbuy local stack is up at ${base}  (Ctrl-C stops everything)
${consoleUrl ? `\nMerchant console: ${consoleUrl}  (sign in with the dev login button: demo-staff)\n` : ''}
Sign in (local stage only):
  TOKEN=$(curl -s -X POST ${base}/auth/dev-login -H 'content-type: application/json' -d '{"openid":"o-demo"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).data.token')
  Staff: openid demo-staff · leaders: demo-leader-xujiahui, demo-leader-jingan, demo-leader-lujiazui, demo-leader-wujiaochang

Try:
  curl -s "${base}/communities?lat=31.2304&lng=121.4737" -H "authorization: Bearer $TOKEN"
  curl -s "${base}/catalog?communityId=c-jingan" -H "authorization: Bearer $TOKEN"
  curl -s ${base}/me -H "authorization: Bearer $TOKEN"
`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  stop(1);
});
