import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudbaseConfig, cloudbaserc } from '../../scripts/gen.ts';
import { FUNCTIONS } from '../../functions/registry.ts';

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

  it('schedules the cutoff at 22:00 Asia/Shanghai, and every job with the time zone', () => {
    const schedules = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules.length).toBe(5);
    for (const s of schedules) expect(s.Properties.ScheduleExpressionTimezone).toBe('Asia/Shanghai');
    const cutoff = schedules.find((s) => JSON.parse(s.Properties.Target.Input).job === 'cutoff');
    expect(cutoff.Properties.ScheduleExpression).toBe('cron(0 22 * * ? *)');
  });

  it('deploys Lambda on nodejs22.x and no /dev route outside the local stage', () => {
    const fns = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fns.length).toBe(7);
    for (const f of fns) expect(f.Properties.Runtime).toBe('nodejs22.x');
    const routes = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey);
    expect(routes).toContain('POST /orders');
    expect(routes.some((k: string) => k.includes('/dev/'))).toBe(false);
  });
});

describe('CloudBase configuration', () => {
  it('the cutoff timer is 0 0 22 * * * * and notify may send subscription messages', () => {
    expect(cloudbaseConfig('cutoff').triggers).toEqual([{ name: 'cutoff', type: 'timer', config: '0 0 22 * * * *' }]);
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
