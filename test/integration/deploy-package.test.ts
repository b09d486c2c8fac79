import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudbaseConfig, cloudbaserc } from '../../scripts/gen.ts';
import { FUNCTIONS } from '../../functions/registry.ts';
import { SCHEDULES } from '../../shared/app/schedules.ts';

/**
 * The deployable artefacts, offline: `serverless package` (osls) renders the CloudFormation of
 * the prod stage; the CloudBase configs come from the same registry.
 */
describe('AWS package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sls-package-'));
  let template: any;
  beforeAll(() => {
    execFileSync(process.execPath, ['node_modules/osls/bin/serverless.js', 'package', '--stage', 'prod', '--package', dir], {
      // Its own esbuild work folder: the e2e project's local stack builds into .esbuild meanwhile.
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ESBUILD_WORK_FOLDER: '.esbuild-package-test' },
      stdio: 'pipe',
      timeout: 240_000,
    });
    template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the table with both indexes', () => {
    const table = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.GlobalSecondaryIndexes.map((i: any) => i.IndexName)).toEqual(['gsi1', 'gsi2']);
  });

  it('schedules the cutoff heartbeat every 5 minutes (the cutoff time is a setting), and every job with the time zone', () => {
    const schedules = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules.length).toBe(Object.keys(SCHEDULES).length);
    for (const s of schedules) expect(s.Properties.ScheduleExpressionTimezone).toBe('Asia/Shanghai');
    const cutoff = schedules.find((s) => JSON.parse(s.Properties.Target.Input).job === 'cutoff');
    expect(cutoff.Properties.ScheduleExpression).toBe('rate(5 minutes)');
  });

  it('deploys Lambda on nodejs22.x and no /dev route outside the local stage', () => {
    const fns = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fns.length).toBe(7);
    for (const f of fns) expect(f.Properties.Runtime).toBe('nodejs22.x');
    const routes = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey);
    expect(routes).toContain('POST /orders');
    expect(routes.some((k: string) => k.includes('/dev/'))).toBe(false);
  });

  const resources = () => Object.entries<any>(template.Resources);
  const ofType = (type: string) => resources().filter(([, r]) => r.Type === type);

  it('sends every schedule the scheduler cannot deliver to a dead-letter queue the scheduler role may write', () => {
    const queue = ofType('AWS::SQS::Queue').map(([id]) => id);
    expect(queue.sort()).toEqual(['JobDeadLetterQueue', 'SchedulerDeadLetterQueue']);
    for (const [id, s] of ofType('AWS::Scheduler::Schedule')) {
      expect(s.Properties.Target.DeadLetterConfig, id).toEqual({ Arn: { 'Fn::GetAtt': ['SchedulerDeadLetterQueue', 'Arn'] } });
      expect(s.Properties.Target.RetryPolicy.MaximumRetryAttempts, id).toBeGreaterThan(0);
      expect(s.Properties.Target.RoleArn, id).toEqual({ 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] });
    }
    const statements = template.Resources.IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements).toContainEqual({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['SchedulerDeadLetterQueue', 'Arn'] } });
  });

  it('sends every asynchronous invoke of a job function (a part of a fanned-out run too) that fails after its retries to the job dead-letter queue', () => {
    const jobFunctions = FUNCTIONS.filter((m) => m.jobs?.length && m.name !== 'dev').map((m) => `${m.name[0]!.toUpperCase()}${m.name.slice(1)}LambdaFunction`);
    expect(jobFunctions).toEqual(expect.arrayContaining(['CutoffLambdaFunction', 'SettleLambdaFunction', 'NotifyLambdaFunction']));
    const configs = ofType('AWS::Lambda::EventInvokeConfig').map(([, r]) => r.Properties);
    expect(configs.map((c) => c.FunctionName.Ref).sort()).toEqual([...jobFunctions].sort());
    for (const c of configs) {
      expect(c.DestinationConfig.OnFailure, c.FunctionName.Ref).toEqual({ Destination: { 'Fn::GetAtt': ['JobDeadLetterQueue', 'Arn'] } });
      expect(c.MaximumRetryAttempts, c.FunctionName.Ref).toBe(2);
      expect(c.Qualifier).toBe('$LATEST');
    }
    const queue = template.Resources.JobDeadLetterQueue.Properties;
    expect(queue.QueueName).toBe('groupbuy-prod-job-dlq');
    expect(queue.MessageRetentionPeriod).toBe(1209600);
    // The functions' role may send to it (Lambda sends on the function's behalf with its role).
    const statements = template.Resources.IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement as any[];
    expect(statements.some((st) => [st.Action].flat().includes('sqs:SendMessage') && JSON.stringify(st.Resource) === JSON.stringify({ 'Fn::GetAtt': ['JobDeadLetterQueue', 'Arn'] }))).toBe(true);
    // And someone hears of a dead letter.
    const alarm = ofType('AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.Namespace === 'AWS/SQS' && a.Properties.Dimensions[0].Value['Fn::GetAtt'][0] === 'JobDeadLetterQueue');
    expect(alarm).toBeDefined();
  });

  it("lets a staff-started job run invoke the stage's own functions asynchronously", () => {
    const statements = template.Resources.IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement as any[];
    const invoke = statements.filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
    // Ours, not only the per-function grants osls adds for scheduled functions.
    expect(invoke.some((st) => JSON.stringify(st.Resource).includes(':function:groupbuy-prod-*'))).toBe(true);
  });

  it('alarms on errors of the cutoff, settle and notify functions and on dead letters, to an SNS topic', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const onErrors = alarms.filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === 'Errors');
    expect(onErrors.map((a) => a.Dimensions[0].Value.Ref).sort()).toEqual(['CutoffLambdaFunction', 'NotifyLambdaFunction', 'SettleLambdaFunction']);
    expect(alarms.some((a) => a.Namespace === 'AWS/SQS' && a.Dimensions[0].Value['Fn::GetAtt'][0] === 'SchedulerDeadLetterQueue')).toBe(true);
    expect(alarms.some((a) => a.Namespace === 'AWS/SQS' && a.Dimensions[0].Value['Fn::GetAtt'][0] === 'JobDeadLetterQueue')).toBe(true);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(a).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, TreatMissingData: 'notBreaching' });
    }
    expect(template.Resources.AlarmTopic.Type).toBe('AWS::SNS::Topic');
  });

  it('throttles login, quote and place per route on the HTTP API stage, after those routes exist', () => {
    const stage = template.Resources.HttpApiStage;
    const keys = ['POST /auth/login', 'POST /orders/quote', 'POST /orders'];
    expect(Object.keys(stage.Properties.RouteSettings).sort()).toEqual([...keys].sort());
    for (const k of keys) expect(stage.Properties.RouteSettings[k]).toEqual({ ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) });
    const routeIds = stage.DependsOn.map((id: string) => template.Resources[id].Properties.RouteKey);
    expect(routeIds.sort()).toEqual([...keys].sort());
    expect(stage.Properties.DefaultRouteSettings).toBeDefined();
  });

  it('routes every other request to the $default catch-all (auth), and has no dev-login outside the local stage', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const catchAll = routes.find((r) => r.RouteKey === '$default');
    expect(catchAll.Target['Fn::Join'][1]).toContainEqual({ Ref: 'HttpApiIntegrationAuth' });
    expect(routes.some((r) => r.RouteKey.includes('dev-login'))).toBe(false);
  });

  it('every reference in the template names a resource or a parameter that exists', () => {
    const known = new Set([...Object.keys(template.Resources), ...Object.keys(template.Parameters ?? {}), 'AWS::Region', 'AWS::AccountId', 'AWS::Partition', 'AWS::StackName', 'AWS::URLSuffix']);
    const missing: string[] = [];
    const walk = (v: any): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (!v || typeof v !== 'object') return;
      if (typeof v.Ref === 'string' && !known.has(v.Ref)) missing.push(v.Ref);
      if (Array.isArray(v['Fn::GetAtt']) && !known.has(v['Fn::GetAtt'][0])) missing.push(v['Fn::GetAtt'][0]);
      Object.values(v).forEach(walk);
    };
    walk(template.Resources);
    for (const [id, r] of resources()) {
      expect(r.Type, id).toMatch(/^AWS::/);
      for (const d of [r.DependsOn ?? []].flat()) expect(known.has(d), `${id} depends on ${d}`).toBe(true);
      if (r.Condition) expect(template.Conditions[r.Condition], id).toBeDefined();
    }
    expect(missing).toEqual([]);
  });

  it('has no dependency cycle (PUBLIC_BASE_URL may name the API, the API names no function)', () => {
    const deps = new Map<string, Set<string>>();
    const refs = (v: any, out: Set<string>): void => {
      if (Array.isArray(v)) return v.forEach((x) => refs(x, out));
      if (!v || typeof v !== 'object') return;
      if (typeof v.Ref === 'string' && template.Resources[v.Ref]) out.add(v.Ref);
      if (Array.isArray(v['Fn::GetAtt']) && template.Resources[v['Fn::GetAtt'][0]]) out.add(v['Fn::GetAtt'][0]);
      if (typeof v['Fn::Sub'] === 'string') for (const m of v['Fn::Sub'].matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}/g)) if (template.Resources[m[1]!]) out.add(m[1]!);
      Object.values(v).forEach((x) => refs(x, out));
    };
    for (const [id, r] of resources()) {
      const out = new Set<string>([r.DependsOn ?? []].flat());
      refs(r.Properties, out);
      deps.set(id, out);
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const cycle: string[] = [];
    const visit = (id: string, path: string[]): void => {
      if (state.get(id) === 'done' || cycle.length) return;
      if (state.get(id) === 'visiting') return void cycle.push(...path, id);
      state.set(id, 'visiting');
      for (const d of deps.get(id) ?? []) visit(d, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of deps.keys()) visit(id, []);
    expect(cycle).toEqual([]);
  });
});

describe('CloudBase configuration', () => {
  it('the cutoff timer is the 5-minute heartbeat 0 */5 * * * * * and notify may send subscription messages', () => {
    expect(cloudbaseConfig('cutoff').triggers).toEqual([{ name: 'cutoff', type: 'timer', config: '0 */5 * * * * *' }]);
    expect(cloudbaseConfig('notify').permissions.openapi).toContain('subscribeMessage.send');
    for (const t of FUNCTIONS.flatMap((m) => cloudbaseConfig(m.name).triggers)) expect(t.config.split(' ')).toHaveLength(7);
  });

  it('cloudbaserc.json lists every deployed function with its runtime and timers', () => {
    const rc = JSON.parse(readFileSync('cloudbaserc.json', 'utf8'));
    expect(rc).toEqual(cloudbaserc());
    expect(rc.functions.map((f: any) => f.name).sort()).toEqual(['admin', 'auth', 'cutoff', 'notify', 'order', 'settle', 'verify']);
    for (const f of rc.functions) expect(f.runtime).toBe('Nodejs18.15');
  });
});
