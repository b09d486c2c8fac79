/**
 * `npm run cloud:call -- <function> <action> [--openid O] [--data JSON] [--now ISO]`: calls a
 * CloudBase function's `main(event, context)` (the TypeScript source of functions/<fn>/cloudbase.ts)
 * the way `wx.cloud.callFunction({ name, data: { action, ...data } })` would, against a CloudBase
 * double of the database kept in `<LOCAL_DIR>/cloudbase/` (the demo data of `npm start` on first
 * use) and a fake `cloud` for cloudPay and pushes. Also:
 *   `<function> --timer <TriggerName>`  fires a timer trigger (`{ Type: 'Timer', TriggerName, Time }`);
 *   `order --pay <orderId>`             the customer pays: cloudPay's callback event into order's main.
 * `--now` fixes the clock of this call (default: the system clock). One call at a time: each
 * process holds the whole double in memory and rewrites the collections it changes.
 *
 * stdout carries only the result, `{ ok, data | error }` as JSON; logs go to stderr. Exit code
 * 0 on ok, 1 on an error result, 2 on a usage error.
 */
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run cloud:call -- <function> <action> [--openid O] [--data JSON] [--now ISO]
       npm run cloud:call -- <function> --timer <TriggerName> [--now ISO]
       npm run cloud:call -- order --pay <orderId> [--now ISO]`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The environment id the local double answers for. */
const LOCAL_TCB_ENV = 'local-cloudbase';

class UsageError extends Error {}

interface Call {
  fn: string;
  kind: 'action' | 'timer' | 'pay';
  /** The action, the trigger name or the order id. */
  target: string;
  openid?: string;
  data: Record<string, unknown>;
  now?: number;
}

/** Reads the command line; anything malformed is a UsageError. */
export function parseCall(argv: string[], functions: readonly string[]): Call {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { openid: { type: 'string' }, data: { type: 'string' }, timer: { type: 'string' }, pay: { type: 'string' }, now: { type: 'string' } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const [fn, action, ...rest] = positionals;
  if (!fn) throw new UsageError('name a function');
  if (!functions.includes(fn)) throw new UsageError(`no CloudBase function ${fn}; functions: ${functions.join(', ')}`);
  if (rest.length) throw new UsageError(`unexpected ${rest.join(' ')}`);
  const modes = [action !== undefined, values.timer !== undefined, values.pay !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('give exactly one of <action>, --timer <TriggerName>, --pay <orderId>');
  if (values.pay !== undefined && fn !== 'order') throw new UsageError('--pay goes to the order function (the cloudPay callback)');
  let data: Record<string, unknown> = {};
  if (values.data !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(values.data);
    } catch {
      throw new UsageError('--data is not JSON');
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('--data must be a JSON object');
    data = value as Record<string, unknown>;
  }
  let now: number | undefined;
  if (values.now !== undefined) {
    now = Date.parse(values.now);
    if (!Number.isFinite(now)) throw new UsageError('--now must be an ISO time, e.g. 2026-11-24T22:00:00+08:00');
  }
  const kind = action !== undefined ? 'action' : values.timer !== undefined ? 'timer' : 'pay';
  return { fn, kind, target: (action ?? values.timer ?? values.pay)!, ...(values.openid ? { openid: values.openid } : {}), data, ...(now !== undefined ? { now } : {}) };
}

type Result = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };

async function run(call: Call): Promise<Result> {
  const [{ createCloudbaseDouble }, { installCloudPlatform }, { CLOUDBASE_COLLECTION_NAMES }, { fixedClock }, { cloudbaseDeps }, { seedDemo }, { keys }, { findOrder }] =
    await Promise.all([
      import('../test/support/cloudbase-double/index.ts'),
      import('../test/support/cloud-fake.ts'),
      import('./lib/cloudbase-collections.ts'),
      import('../shared/ports/clock.ts'),
      import('../shared/wiring/cloudbase.ts'),
      import('./lib/demo-data.ts'),
      import('../shared/app/keys.ts'),
      import('../shared/app/orders/model.ts'),
    ]);
  const persistDir = resolve(process.env.LOCAL_DIR ?? '.local', 'cloudbase');
  const double = createCloudbaseDouble({ env: LOCAL_TCB_ENV, persistDir, collections: CLOUDBASE_COLLECTION_NAMES });
  const clock = call.now !== undefined ? fixedClock(call.now) : undefined;
  const cloud = installCloudPlatform({ db: double.wxDatabase(), tcbEnv: double.env, ...(clock ? { clock } : {}) });

  // The deps the functions build (same module instance): seed the demo data on first use.
  const deps = await cloudbaseDeps()();
  if (!(await deps.store.get(keys.coupon('cpn-new-user')))) {
    console.error(`seeding the demo data into ${persistDir}`);
    await seedDemo(deps);
  }

  const { main } = (await import(pathToFileURL(resolve(ROOT, 'functions', call.fn, 'cloudbase.ts')).href)) as {
    main: (event: unknown, context: unknown) => Promise<unknown>;
  };
  const context = { function_name: call.fn, namespace: double.env, request_id: `local-${Date.now().toString(36)}` };

  if (call.kind === 'timer') {
    return (await main({ Type: 'Timer', TriggerName: call.target, Time: new Date(deps.clock.now()).toISOString(), Message: '' }, context)) as Result;
  }
  if (call.kind === 'pay') {
    const order = await findOrder(deps, call.target);
    if (!order) return { ok: false, error: { code: 'NOT_FOUND', message: `order ${call.target} not found` } };
    const event = cloud.fake.pay(order.id, order.amounts.payableFen, { payerOpenid: order.userId });
    const answer = (await main(event, context)) as { errcode: number; errmsg: string };
    if (answer.errcode !== 0) return { ok: false, error: { code: 'INVALID_STATE', message: `the payment callback was not applied: ${answer.errmsg}` } };
    return { ok: true, data: { orderId: order.id, transactionId: event.transactionId, answer } };
  }
  cloud.as(call.openid);
  return (await main({ ...call.data, action: call.target }, context)) as Result;
}

async function cli(): Promise<number> {
  // Only the result goes to stdout: the function's logs and any SDK chatter go to stderr.
  const out = process.stdout.write.bind(process.stdout);
  for (const name of ['log', 'info', 'debug'] as const) console[name] = (...args: unknown[]) => console.error(...args);
  // The CloudBase functions are the folders with a cloudbase.ts entry (only the one called is loaded).
  const functions = readdirSync(resolve(ROOT, 'functions')).filter((n) => existsSync(resolve(ROOT, 'functions', n, 'cloudbase.ts')));
  let call: Call;
  try {
    call = parseCall(process.argv.slice(2), functions);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n${USAGE}`);
    return 2;
  }
  const result = await run(call);
  await new Promise<void>((done) => out(`${JSON.stringify(result, null, 2)}\n`, () => done()));
  return result.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  cli().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
