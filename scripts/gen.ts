/**
 * Generates the deployment descriptions from the command registry, so no route or schedule is
 * written twice: deploy/functions.json (AWS, every stage), deploy/functions-local.json (plus
 * the local-only dev routes), deploy/schedules.json (each schedule's retry policy and dead-letter
 * queue), the CloudBase function configs under deploy/cloudbase/, and the contract: openapi.json
 * (OpenAPI 3.1) and the typed client's generated files client/operations.ts and client/types.ts
 * (scripts/lib/contract.ts).
 * `npm run gen` writes them; `npm run gen -- --check` fails when a committed file is stale.
 */
import { finestCron } from '../shared/platform/cron.ts';
import { HEARTBEAT_TRIGGER } from '../shared/platform/cloudbase.ts';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { FUNCTIONS, LOCAL_ONLY, SIZING } from '../functions/registry.ts';
import { SCHEDULES } from '../shared/app/schedules.ts';
import { BUSINESS_TZ } from '../shared/domain/time.ts';
import { contractFiles } from './lib/contract.ts';

/**
 * The function behind the HTTP API's `$default` route: every request no route matches (unknown
 * paths, empty segments such as `/orders//cancel`, the local-only routes on other stages) reaches
 * it, and its router answers the contract's 404 envelope before reading any token or body.
 */
export const CATCH_ALL_FUNCTION = 'auth';

/** Osls' logical id of a function's n-th schedule (`<Fn>SchedulerSchedule<n>`). */
const scheduleLogicalId = (fn: string, n: number) =>
  `${fn[0]!.toUpperCase()}${fn.slice(1).replace(/-/g, 'Dash').replace(/_/g, 'Underscore')}SchedulerSchedule${n}`;

/** The jobs of a function that EventBridge Scheduler triggers, in event order. */
const schedulesOf = (mod: (typeof FUNCTIONS)[number]) => Object.entries(SCHEDULES).filter(([job, s]) => s.fn === mod.name && mod.jobs?.some((j) => j.name === job));

/**
 * Every function that runs jobs is invoked asynchronously (schedules, staff starts, and the
 * parts of a fanned-out cutoff, settle or notify run: shared/app/jobs/parts.ts): an invoke that
 * still fails after Lambda's retries goes to the job dead-letter queue (serverless.yml
 * `JobDeadLetterQueue`), with its request payload, to be looked at and replayed (README "Fan-out").
 */
export const JOB_ASYNC_INVOKE = {
  maximumRetryAttempts: 2,
  maximumEventAge: 3600,
  destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['JobDeadLetterQueue', 'Arn'] } } },
} as const;

export function awsFunctions(includeLocal: boolean) {
  const out: Record<string, unknown> = {};
  for (const mod of FUNCTIONS) {
    if (LOCAL_ONLY.has(mod.name) && !includeLocal) continue;
    const events: unknown[] = mod.commands
      .filter((c) => c.http)
      .map((c) => ({ httpApi: { method: c.http!.method, path: c.http!.path } }));
    if (mod.name === CATCH_ALL_FUNCTION) events.push({ httpApi: '*' });
    for (const [job, s] of schedulesOf(mod)) {
      events.push({ schedule: { method: 'scheduler', rate: s.aws, timezone: BUSINESS_TZ, input: { job } } });
    }
    out[mod.name] = {
      handler: `functions/${mod.name}/aws.handler`,
      memorySize: SIZING[mod.name]!.memory,
      timeout: SIZING[mod.name]!.timeout,
      ...(mod.jobs?.length ? JOB_ASYNC_INVOKE : {}),
      events,
    };
  }
  return out;
}

/**
 * deploy/schedules.json, merged into serverless.yml's resources: every schedule osls renders
 * from the events above gets a retry policy and the dead-letter queue (SchedulerDeadLetterQueue),
 * so a run the scheduler could not deliver is kept and alarmed, never lost.
 */
export function scheduleTargets() {
  const resources: Record<string, unknown> = {};
  for (const mod of FUNCTIONS) {
    if (LOCAL_ONLY.has(mod.name)) continue;
    schedulesOf(mod).forEach((_, i) => {
      resources[scheduleLogicalId(mod.name, i + 1)] = {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Target: {
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['SchedulerDeadLetterQueue', 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          },
        },
      };
    });
  }
  return { Resources: resources };
}

export function cloudbaseConfig(name: string) {
  const mod = FUNCTIONS.find((m) => m.name === name);
  // CloudBase takes one timer per function: a function with several jobs gets one heartbeat
  // at the finest of their crons and runs, each tick, the jobs whose own cron names it.
  const scheduled = Object.entries(SCHEDULES).filter(([job, s]) => s.fn === name && mod?.jobs?.some((j) => j.name === job));
  const triggers =
    scheduled.length <= 1
      ? scheduled.map(([job, s]) => ({ name: job, type: 'timer', config: s.cloudbase }))
      : [{ name: HEARTBEAT_TRIGGER, type: 'timer', config: finestCron(scheduled.map(([, s]) => s.cloudbase)) }];
  const permissions: Record<string, string[]> = {
    notify: ['subscribeMessage.send'],
    // admin.runJob can run the notify drain now.
    admin: ['subscribeMessage.send'],
    cutoff: [],
    // Share cards (order.shareCard; the leader's own card in GET /leader/materials): cloud.openapi.wxacode.getUnlimited.
    order: ['wxacode.getUnlimited'],
    verify: ['wxacode.getUnlimited'],
    settle: [],
  };
  return {
    permissions: { openapi: permissions[name] ?? [] },
    triggers,
  };
}

/** cloudbaserc.json for `npx tcb fn deploy`: every function with runtime, size, environment and timers. */
export function cloudbaserc() {
  const env = ['STAGE', 'SESSION_SECRET', 'CONTACT_KEY', 'CONTACT_KEYS', 'CONTACT_KEY_ID', 'STAFF_OPENIDS', 'WX_APPID', 'WX_SECRET', 'WXPAY_SUB_MCH_ID', 'TEMPLATE_IDS', 'MERCHANT_SETTINGS'];
  // Payouts (商家转账) go through WeChat Pay v3 from the functions; unset, a payout is refused clearly.
  env.push('WXPAY_MCH_ID', 'WXPAY_MERCHANT_SERIAL', 'WXPAY_PRIVATE_KEY', 'WXPAY_API_V3_KEY', 'WXPAY_PLATFORM_KEYS', 'PUBLIC_BASE_URL');
  // Tencent Cloud SMS (all or none; the secret key from .env like the other CloudBase secrets).
  env.push('TENCENT_SMS_SECRET_ID', 'TENCENT_SMS_SECRET_KEY', 'TENCENT_SMS_SDK_APP_ID', 'TENCENT_SMS_SIGN_NAME', 'TENCENT_SMS_TEMPLATE_IDS');
  return {
    version: '2.0',
    envId: '{{env.TCB_ENV_ID}}',
    functionRoot: './dist/cloudbase',
    functions: FUNCTIONS.filter((m) => !LOCAL_ONLY.has(m.name)).map((m) => ({
      name: m.name,
      runtime: 'Nodejs18.15',
      handler: 'index.main',
      memorySize: SIZING[m.name]!.memory,
      timeout: Math.min(SIZING[m.name]!.timeout, 900),
      installDependency: true,
      envVariables: {
        PLATFORM: 'cloudbase',
        AUTH_MODE: 'wechat',
        ...Object.fromEntries(env.map((k) => [k, `{{env.${k}}}`])),
      },
      triggers: cloudbaseConfig(m.name).triggers,
    })),
  };
}

/** The route table of the README, from the registry (between the routes markers). */
export function routeTable(): string {
  const rows = ['| function | method | route | command | roles |', '| --- | --- | --- | --- | --- |'];
  for (const mod of FUNCTIONS) {
    for (const c of mod.commands) {
      if (!c.http) continue;
      const roles = c.roles === 'public' ? 'public' : c.roles.join(', ');
      rows.push(`| ${mod.name}${LOCAL_ONLY.has(mod.name) ? ' (local only)' : ''} | ${c.http.method} | \`${c.http.path}\` | \`${c.name}\` | ${roles} |`);
    }
  }
  rows.push(`| ${CATCH_ALL_FUNCTION} | any | \`$default\` (every other route) | 404 \`NOT_FOUND\` | public |`);
  rows.push('', `| job | function | AWS (EventBridge Scheduler, ${BUSINESS_TZ}) | CloudBase timer |`, '| --- | --- | --- | --- |');
  for (const [job, sch] of Object.entries(SCHEDULES)) rows.push(`| ${job} | ${sch.fn} | \`${sch.aws}\` | \`${sch.cloudbase}\` |`);
  return rows.join('\n');
}

function withRoutes(readme: string): string {
  const start = '<!-- routes:start -->';
  const end = '<!-- routes:end -->';
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < 0) return readme;
  return `${readme.slice(0, i + start.length)}\n${routeTable()}\n${readme.slice(j)}`;
}

const files = (): Record<string, string> => {
  const out: Record<string, string> = {
    'cloudbaserc.json': JSON.stringify(cloudbaserc(), null, 2) + '\n',
    'deploy/functions.json': JSON.stringify(awsFunctions(false), null, 2) + '\n',
    'README.md': withRoutes(readFileSync('README.md', 'utf8')),
    'deploy/functions-local.json': JSON.stringify(awsFunctions(true), null, 2) + '\n',
    'deploy/schedules.json': JSON.stringify(scheduleTargets(), null, 2) + '\n',
    // The contract: openapi.json (OpenAPI 3.1) and the typed client's generated files.
    ...contractFiles(),
  };
  return out;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [path, text] of Object.entries(files())) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {}
    if (current === text) continue;
    if (check) {
      console.error(`${path} is stale: run npm run gen`);
      stale++;
    } else {
      if (path.includes('/')) mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
    }
  }
  process.exit(stale ? 1 : 0);
}

export { files as generatedFiles };
