import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore } from '#test/dynamo';
import { startHttpMock, type HttpMock } from '#test/http-mock';
import { createSandboxWechatPay } from '#adapters/local/sandbox-pay';
import { createLocalPay } from '#adapters/local/local-pay';
import { assembleDeps } from '#wiring/shared';
import { COMMITTED_LOCAL_SECRETS, parseConfig, SECRET_SETTINGS } from '#platform/config';
import { seedDemo } from '../../scripts/lib/demo-data.ts';

/**
 * What is deployed is what is tested: the prod stage packaged offline (`serverless package
 * --stage prod`), each function's environment taken from the rendered CloudFormation, the
 * secrets served by a local stand-in of SSM Parameter Store, and every handler booted from its
 * bundle in the package zip, in a fresh Node process per function (a cold start), against
 * DynamoDB Local and local WeChat mocks. Only endpoints and the table name are overridden.
 */

const APP_ID = 'wx0prodboot0000001';
const MCH_ID = '1900009191';
const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const STAFF = 'o-staff-prodboot';
const CUSTOMER = 'o-customer-prodboot';
const API_ENDPOINT = 'https://prodboot.execute-api.ap-east-1.amazonaws.com';

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const sandbox = createSandboxWechatPay({
  appId: APP_ID,
  mchId: MCH_ID,
  merchantPublicKeyPem: merchant.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
});
/** Fresh secrets per run, one for each parameter the prod stage names: none may appear in the template. */
const SECRETS: Record<string, string> = {
  SESSION_SECRET: randomBytes(32).toString('base64'),
  CONTACT_KEYS: JSON.stringify({ k1: randomBytes(32).toString('base64') }),
  WX_SECRET: randomBytes(16).toString('hex'),
  WXPAY_PRIVATE_KEY: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  WXPAY_API_V3_KEY: sandbox.apiV3Key,
  TENCENT_SMS_SECRET_KEY: randomBytes(16).toString('hex'),
};

/** What the stand-ins below read of a request. */
interface Incoming {
  method: string;
  url: string;
  headers: Record<string, string>;
}
type Listening = HttpMock;
/** A stand-in on a local port (test/support/http-mock.ts), answering JSON by default. */
function listen(handler: (req: Incoming, body: string) => Promise<{ status: number; headers?: Record<string, string>; body: string }>): Promise<Listening> {
  return startHttpMock(async (request) => {
    const url = new URL(request.url);
    const req = { method: request.method, url: `${url.pathname}${url.search}`, headers: Object.fromEntries(request.headers) };
    const r = await handler(req, await request.text());
    return new Response(r.body, { status: r.status, headers: { 'content-type': 'application/json', ...r.headers } });
  });
}

/** The SSM stand-in: AmazonSSM.GetParameters over the AWS JSON 1.1 protocol. */
const ssmCalls: { target: string; names: string[]; decrypt: boolean }[] = [];
let parameters: Record<string, string> = {};
const ssmHandler = async (req: Incoming, body: string) => {
  const target = String(req.headers['x-amz-target'] ?? '');
  const input = JSON.parse(body || '{}') as { Names?: string[]; WithDecryption?: boolean };
  ssmCalls.push({ target, names: input.Names ?? [], decrypt: input.WithDecryption === true });
  if (target !== 'AmazonSSM.GetParameters') return { status: 400, body: JSON.stringify({ __type: 'UnknownOperationException' }) };
  const names = input.Names ?? [];
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({
      Parameters: names.filter((n) => n in parameters).map((n) => ({ Name: n, Type: 'SecureString', Value: parameters[n], Version: 1 })),
      InvalidParameters: names.filter((n) => !(n in parameters)),
    }),
  };
};

/** WeChat: jscode2session and the push endpoints (api.weixin.qq.com), and WeChat Pay v3 answered by the sandbox. */
const wxSeen: string[] = [];
const wechatHandler = (payBase: () => string) => async (req: Incoming, body: string) => {
  const url = new URL(req.url!, 'http://x');
  wxSeen.push(`${req.method} ${url.pathname}`);
  if (url.pathname === '/sns/jscode2session') {
    const ok = url.searchParams.get('appid') === APP_ID && url.searchParams.get('secret') === SECRETS.WX_SECRET;
    const openid = { 'code-customer': CUSTOMER, 'code-staff': STAFF }[url.searchParams.get('js_code') ?? ''];
    return { status: 200, body: JSON.stringify(ok && openid ? { openid, session_key: 'sk' } : { errcode: 40029, errmsg: 'invalid code' }) };
  }
  if (url.pathname === '/cgi-bin/stable_token') return { status: 200, body: JSON.stringify({ access_token: 'access-token', expires_in: 7200 }) };
  if (url.pathname === '/cgi-bin/message/subscribe/send') return { status: 200, body: JSON.stringify({ errcode: 0, errmsg: 'ok' }) };
  if (url.pathname.startsWith('/v3/')) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const answer = await sandbox.fetch(`${payBase()}${req.url}`, { method: req.method, headers, body });
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => (out[k] = v));
    return { status: answer.status, headers: out, body: await answer.text() };
  }
  return { status: 404, body: JSON.stringify({ errcode: 404 }) };
};

/** Resolves the intrinsics a rendered environment may hold (the API's own URL as PUBLIC_BASE_URL). */
function resolveValue(v: unknown, template: any): string {
  if (typeof v === 'string') return v;
  const o = v as Record<string, any>;
  if (o['Fn::If']) {
    const [cond, a, b] = o['Fn::If'];
    return resolveValue(condition(template.Conditions[cond], template) ? a : b, template);
  }
  if (o['Fn::GetAtt']?.[0] === 'HttpApi' && o['Fn::GetAtt'][1] === 'ApiEndpoint') return API_ENDPOINT;
  if (o.Ref === 'ShareBucket') return 'groupbuy-prod-sharebucket'; // the share cards' bucket (OBJECT_BUCKET)
  if (o.Ref === 'UploadsBucket') return 'groupbuy-prod-uploadsbucket'; // product images (UPLOADS_BUCKET)
  throw new Error(`unresolved intrinsic in environment: ${JSON.stringify(v)}`);
}
function condition(c: any, template: any): boolean {
  if (c['Fn::Not']) return !condition(c['Fn::Not'][0], template);
  if (c['Fn::Equals']) return resolveValue(c['Fn::Equals'][0], template) === resolveValue(c['Fn::Equals'][1], template);
  throw new Error(`unsupported condition ${JSON.stringify(c)}`);
}

/** A function's Lambda process: its bundle loaded once, invoked over stdin/stdout as the runtime would. */
const RUNNER = `
import { createInterface } from 'node:readline';
const { handler } = await import(process.argv[1]);
const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: 'req', getRemainingTimeInMillis: () => 28000 };
for await (const line of createInterface({ input: process.stdin })) {
  const { id, event } = JSON.parse(line);
  try {
    const result = await handler(event, context);
    process.stdout.write(JSON.stringify({ id, result: result ?? null }) + '\\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, error: { name: e?.name, message: e?.message } }) + '\\n');
  }
}
`;

class LambdaProcess {
  private next = 0;
  private waiting = new Map<number, (r: any) => void>();
  stderr = '';
  constructor(private child: ChildProcess) {
    child.stderr!.on('data', (d) => (this.stderr += d));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line);
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
    child.on('exit', () => {
      for (const w of this.waiting.values()) w({ error: { name: 'Exited', message: this.stderr.slice(-2000) } });
    });
  }
  invoke(event: unknown): Promise<{ result?: any; error?: { name: string; message: string } }> {
    const id = this.next++;
    return new Promise((r) => {
      this.waiting.set(id, r);
      this.child.stdin!.write(JSON.stringify({ id, event }) + '\n');
    });
  }
  async http(method: string, path: string, options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers };
    const r = await this.invoke({
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString: '',
      headers,
      requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, stage: '$default', requestId: 'r' },
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      isBase64Encoded: false,
    });
    if (r.error) throw new Error(`${method} ${path} threw ${r.error.name}: ${r.error.message}\n${this.stderr.slice(-2000)}`);
    const text = String(r.result.body ?? '');
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: r.result.statusCode as number, body, text };
  }
  stop() {
    this.child.kill('SIGTERM');
  }
}

describe('the packaged prod stage boots', () => {
  const work = mkdtempSync(join(tmpdir(), 'prod-boot-'));
  const packageDir = join(work, 'package');
  const esbuildFolder = `.esbuild-prod-boot-${process.pid}`;
  let template: any;
  let templateText = '';
  let tableName = '';
  let ssm: Listening;
  let wechat: Listening;
  const lambdas = new Map<string, LambdaProcess>();
  const envs = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    ssm = await listen(ssmHandler);
    let base = '';
    wechat = await listen(wechatHandler(() => base));
    base = wechat.url;

    // Package as a deploy would: the non-secret settings from the deploying environment.
    execFileSync(process.execPath, ['node_modules/osls/bin/serverless.js', 'package', '--stage', 'prod', '--package', packageDir], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        ESBUILD_WORK_FOLDER: esbuildFolder,
        WX_APPID: APP_ID,
        WXPAY_MCH_ID: MCH_ID,
        WXPAY_MERCHANT_SERIAL: MERCHANT_SERIAL,
        WXPAY_PLATFORM_KEYS: JSON.stringify(sandbox.platformKeys),
        STAFF_OPENIDS: STAFF,
        // Tencent Cloud SMS turned on as the deploy guide does it (the secret key's parameter named by the shell).
        TENCENT_SMS_SECRET_KEY_PARAM: '/groupbuy/prod/tencent-sms-secret-key',
        TENCENT_SMS_SECRET_ID: 'AKIDprodboot',
        TENCENT_SMS_SDK_APP_ID: '1400000001',
        TENCENT_SMS_SIGN_NAME: '邻里团',
        TENCENT_SMS_TEMPLATE_IDS: JSON.stringify({ arrivalNotice: '100001', pickupReminder: '100002' }),
      },
      stdio: 'pipe',
      timeout: 240_000,
    });
    templateText = readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8');
    template = JSON.parse(templateText);

    // The secrets, where the deploy guide puts them (SSM SecureString, named by the template).
    const fns = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    const someEnv = fns[0]![1].Properties.Environment.Variables;
    parameters = Object.fromEntries(Object.keys(SECRETS).map((name) => [someEnv[`${name}_PARAM`], SECRETS[name]!]));

    // The demo merchant in a fresh table of DynamoDB Local.
    const { store, tableName: t, endpoint } = await createTestStore();
    tableName = t;
    const seedConfig = parseConfig({ STAGE: 'test', AUTH_MODE: 'wechat', WX_APPID: APP_ID, WX_SECRET: 'x', TABLE_NAME: t, SESSION_SECRET: randomBytes(32).toString('base64'), CONTACT_KEY: randomBytes(32).toString('base64') });
    const pay = createLocalPay({ now: () => Date.now(), baseUrl: 'http://localhost:0' });
    await seedDemo(assembleDeps({ config: seedConfig, store, payment: pay.payment, payout: pay.payout }));

    // Each function: its bundle from its zip, started with its rendered environment.
    for (const [logicalId, fn] of fns) {
      const name = logicalId.replace(/LambdaFunction$/, '').toLowerCase();
      const zip = await JSZip.loadAsync(readFileSync(join(packageDir, `${name}.zip`)));
      const dir = join(work, 'task', name);
      for (const [path, entry] of Object.entries(zip.files)) {
        if (entry.dir) continue;
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), await entry.async('nodebuffer'));
      }
      // As on Lambda, the runtime provides the AWS SDK v3 and nothing else.
      mkdirSync(join(dir, 'node_modules'), { recursive: true });
      symlinkSync(resolve('node_modules/@aws-sdk'), join(dir, 'node_modules/@aws-sdk'));
      const [file, exportName] = String(fn.Properties.Handler).split('.');
      expect(exportName).toBe('handler');
      const rendered = Object.fromEntries(Object.entries<unknown>(fn.Properties.Environment.Variables).map(([k, v]) => [k, resolveValue(v, template)]));
      envs.set(name, rendered);
      const env = {
        ...rendered,
        // Only endpoints and the table name differ from AWS.
        TABLE_NAME: tableName,
        DYNAMO_ENDPOINT: endpoint,
        SSM_ENDPOINT: ssm.url,
        WX_API_BASE: wechat.url,
        WXPAY_API_BASE: wechat.url,
        // What the Lambda runtime itself provides.
        AWS_REGION: 'ap-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_LAMBDA_FUNCTION_NAME: fn.Properties.FunctionName,
        TZ: 'UTC',
        PATH: process.env.PATH!,
      };
      const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER, join(dir, `${file}.mjs`)], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
      lambdas.set(name, new LambdaProcess(child));
    }
  }, 240_000);

  afterAll(async () => {
    for (const l of lambdas.values()) l.stop();
    await ssm?.close();
    await wechat?.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(esbuildFolder, { recursive: true, force: true });
  });

  it('renders no secret value, only SSM parameter names, and no local-stage setting', () => {
    for (const value of [...Object.values(SECRETS), ...COMMITTED_LOCAL_SECRETS]) expect(templateText.includes(value)).toBe(false);
    expect(lambdas.size).toBe(7);
    for (const [name, env] of envs) {
      for (const secret of SECRET_SETTINGS) expect(env[secret], `${name} ${secret}`).toBeUndefined();
      const named = Object.keys(env).filter((k) => k.endsWith('_PARAM'));
      expect(named.sort()).toEqual(Object.keys(SECRETS).map((k) => `${k}_PARAM`).sort());
      for (const k of named) expect(env[k], `${name} ${k}`).toMatch(/^\/groupbuy\/prod\/[a-z0-9-]+$/);
      for (const local of ['DYNAMO_ENDPOINT', 'DEV_CLOCK_FILE', 'LOCAL_DIR']) expect(env[local], `${name} ${local}`).toBeUndefined();
      expect(env).toMatchObject({ STAGE: 'prod', AUTH_MODE: 'wechat', WX_APPID: APP_ID, WXPAY_MCH_ID: MCH_ID, PUBLIC_BASE_URL: API_ENDPOINT });
    }
    // Read with GetParameters on exactly those parameters, decrypted through SSM only.
    const statements = template.Resources.IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement;
    const ssmRead = statements.find((s: any) => [s.Action].flat().includes('ssm:GetParameters'));
    const arns = ssmRead.Resource.map((r: any) => r['Fn::Join'][1].at(-1));
    expect(arns.sort()).toEqual(Object.keys(parameters).map((n) => `:parameter${n}`).sort());
    expect(statements.find((s: any) => [s.Action].flat().includes('kms:Decrypt')).Condition.StringEquals['kms:ViaService']).toBeDefined();
  });

  it('signs in with a mocked jscode2session (WX_SECRET from SSM) and answers unknown and local-only routes with the 404 envelope', async () => {
    const auth = lambdas.get('auth')!;
    const login = await auth.http('POST', '/auth/login', { body: { code: 'code-customer' } });
    expect(login.status, login.text).toBe(200);
    expect(login.body.data).toMatchObject({ token: expect.any(String), user: { id: CUSTOMER, roles: ['customer'] } });
    expect((await auth.http('GET', '/me', { token: login.body.data.token })).body.data.id).toBe(CUSTOMER);
    // auth holds the HTTP API's $default route: dev-login and /dev/* do not exist here, whatever the body.
    for (const [method, path, raw] of [
      ['POST', '/auth/dev-login', '{"openid":"demo-staff"}'],
      ['POST', '/auth/dev-login', '{not json'],
      ['POST', '/dev/clock', '{}'],
      ['POST', '/orders//cancel', ''],
      ['GET', '/no/such/route', ''],
    ] as const) {
      const r = await auth.http(method, path, { raw });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body, `${method} ${path}`).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    }
  });

  it('places an order (prepay signed with the merchant key from SSM) and a signed /pay/notify marks it paid', async () => {
    const token = (await lambdas.get('auth')!.http('POST', '/auth/login', { body: { code: 'code-customer' } })).body.data.token;
    const order = lambdas.get('order')!;
    const placed = await order.http('POST', '/orders', {
      token,
      body: { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], requestId: `r-${Date.now()}`, contact: { name: '张三', phone: '13912345678' } },
    });
    expect(placed.status, placed.text).toBe(201);
    const { id, amounts } = placed.body.data.order;
    expect(placed.body.data.payment).toMatchObject({ package: expect.stringMatching(/^prepay_id=wx_sandbox_/), signType: 'RSA' });
    expect(wxSeen).toContain('POST /v3/pay/transactions/jsapi');

    const n = sandbox.signedPaymentNotification({ orderId: id, amountFen: amounts.payableFen, openid: CUSTOMER });
    const notified = await order.http('POST', '/pay/notify', { raw: n.body, headers: n.headers });
    expect(notified.status, notified.text).toBe(200);
    expect(notified.body).toMatchObject({ code: 'SUCCESS' });
    const seen = await order.http('GET', `/orders/${id}`, { token });
    expect(seen.body.data.status).toBe('PAID');

    // A notification signed by anyone else changes nothing.
    const forged = { ...n.headers, 'Wechatpay-Signature': Buffer.from('forged').toString('base64') };
    expect((await order.http('POST', '/pay/notify', { raw: n.body, headers: forged })).status).toBe(401);
  });

  it('runs every scheduled job with the input its schedule sends, and serves staff routes', async () => {
    const schedules = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules.length).toBeGreaterThanOrEqual(5);
    for (const s of schedules) {
      const fn = String(s.Properties.Target.Arn['Fn::GetAtt'][0]).replace(/LambdaFunction$/, '').toLowerCase();
      const input = JSON.parse(s.Properties.Target.Input);
      const r = await lambdas.get(fn)!.invoke(input);
      expect(r.error, `${fn} ${input.job}: ${JSON.stringify(r.error)} ${lambdas.get(fn)!.stderr.slice(-1500)}`).toBeUndefined();
    }
    const staff = (await lambdas.get('auth')!.http('POST', '/auth/login', { body: { code: 'code-staff' } })).body.data;
    expect(staff.user.roles).toContain('staff');
    const products = await lambdas.get('admin')!.http('GET', '/admin/products', { token: staff.token });
    expect(products.status, products.text).toBe(200);
    expect(products.body.data.length).toBeGreaterThanOrEqual(20);
  });

  it('read the secrets once per cold start: one decrypted GetParameters call per function process', () => {
    const calls = ssmCalls.filter((c) => c.target === 'AmazonSSM.GetParameters');
    expect(calls).toHaveLength(lambdas.size);
    for (const c of calls) {
      expect(c.decrypt).toBe(true);
      expect([...c.names].sort()).toEqual(Object.keys(parameters).sort());
    }
  });
});
