/**
 * One business day walked twice, step by step, and compared:
 * - CloudBase: the BUILT bundles (`npm run build` → dist/cloudbase/<fn>/index.js, CommonJS, loaded
 *   with require) called through `main(event, context)`, with the fake `cloud` (cloudPay, openapi)
 *   and a CloudBase double of the database put on `globalThis.__groupbuyCloud` before the first call;
 * - AWS: the same commands through `dispatch` in-process, and the jobs' `run`, on DynamoDB Local
 *   (test/support/harness.ts), paid through the sandbox's signed WeChat Pay v3 notification.
 *
 * Time: both paths read one fixed clock per path, moved to the same instants (CloudBase's through
 * the `clock` seam of `__groupbuyCloud`, which shared/wiring/cloudbase.ts passes to assembleDeps and to
 * cloudPay), so timers, which carry no date, see the same "now" on both.
 *
 * Each step's answer is compared after normalising what is random by design: ids (ULIDs and what
 * is derived from them), pickup codes, transaction ids, and the payment parameters (v3 RSA vs
 * cloudPay MD5). Times are NOT normalised: on one clock they must match to the second.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { toErrorBody } from '#platform/errors';
import { cloudbaseDeps } from '#wiring/cloudbase';
import type { Command, FunctionModule, Job } from '#app/command';
import { fixedClock } from '#ports/clock';
import { queryAll, type ItemStore } from '#ports/item-store';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { receivePaymentNotification } from '#app/orders/pay';
import { keys } from '#app/keys';
import { orderKey } from '#app/orders/model';
import { FUNCTIONS } from '../../functions/registry.ts';
import { buildAll } from '../../scripts/build.ts';
import { cloudbaseConfig } from '../../scripts/gen.ts';
import { seedDemo } from '../../scripts/lib/demo-data.ts';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';
import { createCloudbaseDouble, type CloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { installCloudPlatform, type InstalledCloud } from '../support/cloud-fake.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';

type Envelope = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };
type Main = (event: unknown, context: unknown) => Promise<any>;

const WAVE = '2026-11-24';
const COMMUNITY = 'c-jingan';
const LEADER = 'demo-leader-jingan';
const STAFF = 'demo-staff';
const CUSTOMERS = ['u-day-1', 'u-day-2', 'u-day-late'] as const;
const contact = { name: '张三', phone: '13912345678' };
const OWNERS: Record<string, string> = { 'day-1': CUSTOMERS[0], 'day-2': CUSTOMERS[1], late: CUSTOMERS[2] };

const command = (name: string): Command<any, any> | undefined => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name);
const job = (fn: string, name: string): Job | undefined => FUNCTIONS.find((m) => m.name === fn)?.jobs?.find((j) => j.name === name);
/** The day needs these: a missing command or job fails the step (never a silent skip). */
const requireCommand = (name: string) => expect(command(name), `command ${name} is registered`).toBeDefined();
const requireJob = (fn: string, name: string) => expect(job(fn, name), `job ${name} of ${fn} is registered`).toBeDefined();
const moduleOf = (fn: string): FunctionModule => FUNCTIONS.find((m) => m.name === fn)!;

/**
 * Replaces what differs by design between two runs with labels: tokens registered by the test
 * (order ids, short numbers, pickup codes, transaction ids: `<order:day-1>`) wherever they occur
 * inside a string, any other ULID by `<ulid>`, and the payment parameters by their field names.
 */
class Normaliser {
  private readonly tokens = new Map<string, string>();

  register(value: string | undefined, label: string): void {
    if (value) this.tokens.set(value, `<${label}>`);
  }

  /** An order's id, its short number and pickup code, under one name. */
  registerOrder(order: { id: string; shortNo?: string; pickupCode?: string; transactionId?: string }, name: string): void {
    this.register(order.id, `order:${name}`);
    this.register(order.shortNo ?? order.id.slice(-6), `short:${name}`);
    this.register(order.pickupCode, `code:${name}`);
  }

  apply(value: unknown, key?: string): unknown {
    if (key === 'payment' && value && typeof value === 'object') return Object.keys(value).sort();
    // Sealed with a random IV; random flash shard; each gateway's own transaction ids.
    if (key?.endsWith('Sealed')) return '<sealed>';
    if (key === 'flashShards' && value && typeof value === 'object') return Object.values(value);
    if (key === 'transactionId' && typeof value === 'string') return '<transactionId>';
    // Shards picked by a hash of the (random) id: `ARRIVED#3`, `PENDING#1`.
    if (key && /^gsi\dpk$/.test(key) && typeof value === 'string' && /#\d{1,2}$/.test(value)) return value.replace(/#\d{1,2}$/, '#<shard>');
    if (typeof value === 'string') {
      // Longest first, so an id is replaced before its own last six characters.
      let s = value;
      for (const [token, label] of [...this.tokens].sort((a, b) => b[0].length - a[0].length)) s = s.split(token).join(label);
      return s.replace(/[0-9A-HJKMNP-TV-Z]{26}/g, '<ulid>');
    }
    if (Array.isArray(value)) return value.map((v) => this.apply(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.apply(k) as string, this.apply(v, k)]));
    }
    return value;
  }
}

/** One platform's way to make the calls of the day. */
interface Path {
  name: string;
  store: ItemStore;
  norm: Normaliser;
  call(name: string, input: Record<string, unknown>, openid?: string): Promise<Envelope>;
  timer(fn: string, name: string): Promise<Envelope>;
  /** The customer pays the order; answers whether the payment was acknowledged. */
  pay(order: { id: string; amounts: { payableFen: number } }, openid: string): Promise<boolean>;
  /** The pushes sent so far: { touser, templateId, page, data }. */
  sent(): unknown[];
}

/** The CloudBase path: the built bundles' `main`, one per function, on the double and the fake cloud. */
function cloudbasePath(mains: Record<string, Main>, cloud: InstalledCloud, store: ItemStore): Path {
  const context = (fn: string) => ({ function_name: fn, namespace: 'day', request_id: `req-${Math.random().toString(36).slice(2)}` });
  return {
    name: 'cloudbase',
    store,
    norm: new Normaliser(),
    async call(name, input, openid) {
      const [fn, action] = name.split('.') as [string, string];
      cloud.as(openid);
      return mains[fn]!({ ...input, action }, context(fn));
    },
    async timer(fn, name) {
      cloud.as(undefined);
      return mains[fn]!({ Type: 'Timer', TriggerName: name, Time: new Date(cloud.platform.clock!.now()).toISOString(), Message: '' }, context(fn));
    },
    async pay(order) {
      cloud.as(undefined); // WeChat calls the callback: there is no user context
      const event = cloud.fake.pay(order.id, order.amounts.payableFen);
      const answer = await mains.order!(event, context('order'));
      return answer?.errcode === 0;
    },
    sent: () => cloud.fake.sent.map(({ touser, templateId, page, data }) => ({ touser, templateId, ...(page !== undefined ? { page } : {}), data })),
  };
}

/** The AWS path: dispatch and the jobs in-process, payment through the sandbox's signed notification. */
function awsPath(world: TestWorld): Path {
  return {
    name: 'aws',
    store: world.store,
    norm: new Normaliser(),
    async call(name, input, openid) {
      const c = command(name);
      try {
        if (!c) throw Object.assign(new Error(), { notFound: true });
        return { ok: true, data: await dispatch(c, input, { kind: 'openid', openid }, world.deps) };
      } catch (e) {
        if ((e as { notFound?: boolean }).notFound) return { ok: false, error: { code: 'NOT_FOUND', message: `no command ${name}` } };
        return { ok: false, error: toErrorBody(e, name).error };
      }
    },
    async timer(fn, name) {
      const j = moduleOf(fn).jobs?.find((x) => x.name === name);
      if (!j) return { ok: false, error: { code: 'NOT_FOUND', message: `no job ${name}` } };
      // As the AWS entry runs a scheduled event without a date.
      return { ok: true, data: await j.run(world.deps, {}) };
    },
    async pay(order, openid) {
      const signed = world.sandbox.signedPaymentNotification({ orderId: order.id, amountFen: order.amounts.payableFen, openid });
      const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const res = await receivePaymentNotification(world.deps, { headers, body: signed.body });
      return res.status === 200;
    },
    sent: () => world.sender.sent.map(({ touser, templateId, page, data }) => ({ touser, templateId, ...(page !== undefined ? { page } : {}), data })),
  };
}

const T0 = `${WAVE}T10:00:00+08:00`;

describe('a day on CloudBase (built bundles through main) and on AWS (dispatch) gives the same answers', () => {
  let double: CloudbaseDouble;
  let cloud: InstalledCloud;
  let world: TestWorld;
  let cb: Path;
  let aws: Path;
  /** `main` of each built CloudBase function. */
  let mains: Record<string, Main>;
  const cbClock = fixedClock(T0);
  /** Orders per path by name, as their owner sees them. */
  const orders: Record<string, Record<string, any>> = { cloudbase: {}, aws: {} };

  /** Both clocks to one instant. */
  const at = (iso: string) => {
    cbClock.set(iso);
    world.clock.set(iso);
  };

  /**
   * Makes the same call on both paths and compares the normalised answers (soft: the day goes
   * on). `learn` registers what the answers introduce (ids, codes) before the comparison.
   */
  async function both(
    name: string,
    input: Record<string, unknown> | ((p: Path) => Record<string, unknown>),
    openid?: string,
    learn?: (p: Path, answer: Envelope) => void,
  ) {
    const a = await cb.call(name, typeof input === 'function' ? input(cb) : input, openid);
    const b = await aws.call(name, typeof input === 'function' ? input(aws) : input, openid);
    if (learn) {
      learn(cb, a);
      learn(aws, b);
    }
    expect.soft(cb.norm.apply(a), `${name}: CloudBase vs AWS`).toEqual(aws.norm.apply(b));
    return { cb: a, aws: b };
  }

  /** Keeps the order an answer carries (`data` or `data.order`) under `name` on its path. */
  const learnOrder = (name: string) => (p: Path, answer: Envelope) => {
    const data = ok(answer);
    const order = data.order ?? data;
    orders[p.name]![name] = order;
    p.norm.registerOrder(order, name);
  };

  async function bothTimers(fn: string, name: string) {
    const [a, b] = [await cb.timer(fn, name), await aws.timer(fn, name)];
    expect.soft(a.ok, `${fn} timer ${name} on CloudBase: ${JSON.stringify(a)}`).toBe(true);
    expect.soft(cb.norm.apply(a), `${fn} timer ${name}: CloudBase vs AWS`).toEqual(aws.norm.apply(b));
    return { cb: a, aws: b };
  }

  /** The pushes sent so far, in a stable order. */
  const pushes = (p: Path) =>
    (p.norm.apply(p.sent()) as { touser: string; templateId: string }[]).map((m) => JSON.stringify(m)).sort();

  const ok = (e: Envelope) => {
    if (!e.ok) throw new Error(`unexpected error ${JSON.stringify(e.error)}`);
    return e.data as any;
  };

  beforeAll(async () => {
    // The bundles as deployed: always rebuilt (about 2 s), so they are never stale.
    await buildAll({ quiet: true });
    double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
    cloud = installCloudPlatform({ db: double.wxDatabase(), tcbEnv: double.env, clock: cbClock, env: { STAFF_OPENIDS: 'staff-1' } });
    // Seed through the CloudBase deps themselves (the same configuration the bundles build).
    await seedDemo(await cloudbaseDeps()());
    const require = createRequire(import.meta.url);
    mains = {};
    for (const fn of ['order', 'cutoff', 'verify', 'notify', 'settle', 'admin']) {
      const path = resolve('dist/cloudbase', fn, 'index.js');
      delete require.cache[path];
      mains[fn] = require(path).main;
    }
    world = await makeWorld({ now: T0 });
    cb = cloudbasePath(mains, cloud, createCloudbaseItemStore({ db: double.db }));
    aws = awsPath(world);
  });

  afterAll(() => {
    cloud?.uninstall();
    double?.uninstall();
  });

  it('browse: communities near a point, and the catalog of c-jingan', async () => {
    at(T0);
    const communities = await both('order.communities', { lat: 31.2233, lng: 121.4458 }, CUSTOMERS[0]);
    expect(ok(communities.cb)[0]).toMatchObject({ id: COMMUNITY, distanceM: 0 });
    const catalog = await both('order.catalog', { communityId: COMMUNITY }, CUSTOMERS[0]);
    expect(ok(catalog.cb).wave).toMatchObject({ date: WAVE, cutoffAt: `${WAVE}T22:00:00+08:00` });
  });

  it('everyone subscribes to the pushes (notify.subscribe)', async () => {
    requireCommand('notify.subscribe');
    const templates = await both('notify.templates', {}, CUSTOMERS[0]);
    const results = Object.fromEntries((ok(templates.cb) as { templateId: string }[]).map((t) => [t.templateId, 'accept']));
    for (const who of [...CUSTOMERS, LEADER]) await both('notify.subscribe', { results }, who);
  });

  it('quote and place three orders (one will never be paid)', async () => {
    at(`${WAVE}T10:01:00+08:00`);
    const baskets: Record<string, { items: { productId: string; qty: number }[]; couponId?: string }> = {
      'day-1': { items: [{ productId: 'p-rice', qty: 1 }, { productId: 'p-spinach', qty: 2 }, { productId: 'p-strawberry', qty: 1 }] },
      'day-2': { items: [{ productId: 'p-oil', qty: 1 }, { productId: 'p-eggs', qty: 2 }] },
      late: { items: [{ productId: 'p-pork', qty: 1 }] },
    };
    for (const [name, basket] of Object.entries(baskets)) {
      const input = { communityId: COMMUNITY, ...basket };
      await both('order.quote', input, OWNERS[name]);
      await both('order.place', { ...input, requestId: `req-${name}`, contact }, OWNERS[name], learnOrder(name));
    }
    // A repeat of a placement answers the first order (idempotency) on both.
    await both('order.place', { communityId: COMMUNITY, ...baskets['day-1'], requestId: 'req-day-1', contact }, CUSTOMERS[0]);
  });

  it('pay: the cloudPay callback into order main, and the signed v3 notification on AWS; a repeat changes nothing', async () => {
    at(`${WAVE}T10:03:00+08:00`);
    for (const name of ['day-1', 'day-2']) {
      for (const p of [cb, aws]) {
        const order = orders[p.name]![name];
        expect(await p.pay(order, OWNERS[name]!), `${p.name} pays ${name}`).toBe(true);
        expect(await p.pay(order, OWNERS[name]!), `${p.name} repeat of ${name}`).toBe(true);
      }
      const got = await both('order.get', (p) => ({ id: orders[p.name]![name].id }), OWNERS[name], learnOrder(name));
      expect(ok(got.cb).status).toBe('PAID');
      expect(ok(got.aws).status).toBe('PAID');
    }
    await both('order.list', {}, CUSTOMERS[0]);
  });

  it('expire timer (order): the unpaid order is cancelled after its 15 minutes', async () => {
    at(`${WAVE}T10:30:00+08:00`);
    requireJob('order', 'expire');
    await bothTimers('order', 'expire');
    const got = await both('order.get', (p) => ({ id: orders[p.name]!.late.id }), CUSTOMERS[2]);
    expect(ok(got.cb)).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_TIMEOUT' });
  });

  it('a payment arriving after the order was cancelled is acknowledged and refunded at once, on both', async () => {
    at(`${WAVE}T10:31:00+08:00`);
    for (const p of [cb, aws]) expect(await p.pay(orders[p.name]!.late, OWNERS.late!), `${p.name} late payment`).toBe(true);
    const got = await both('order.get', (p) => ({ id: orders[p.name]!.late.id }), OWNERS.late, (p, answer) => {
      for (const r of (ok(answer).refunds ?? []) as { id: string }[]) p.norm.register(r.id, 'refund:late');
    });
    expect(ok(got.cb)).toMatchObject({ status: 'CANCELLED', refunds: [{ amountFen: 2490, status: 'PROCESSING' }] });
    expect(cloud.fake.trade(orders.cloudbase!.late.id)?.refunds.map((r) => r.refundFee)).toEqual([2490]);
  });

  it('cutoff timer at 22:00: the wave closes, paid orders are CONFIRMED, late orders go to the next wave', async () => {
    at(`${WAVE}T22:00:00+08:00`);
    requireJob('cutoff', 'cutoff');
    await bothTimers('cutoff', 'cutoff');
    const got = await both('order.get', (p) => ({ id: orders[p.name]!['day-1'].id }), CUSTOMERS[0]);
    expect(ok(got.cb).status).toBe('CONFIRMED');
    await both('verify.orders', { waveDate: WAVE }, LEADER);
    for (const report of ['cutoff.purchaseList', 'cutoff.pickLists', 'cutoff.routes', 'admin.wave']) {
      requireCommand(report);
      await both(report, { date: WAVE, ...(report === 'cutoff.pickLists' ? { communityId: COMMUNITY } : {}) }, STAFF);
    }
    const late = await both('order.quote', { communityId: COMMUNITY, items: [{ productId: 'p-rice', qty: 1 }] }, CUSTOMERS[1]);
    expect(ok(late.cb).waveDate).toBe('2026-11-25');
  });

  it('notify timer after the cutoff: the same pushes (leader summary) on both', async () => {
    at(`${WAVE}T22:01:00+08:00`);
    requireJob('notify', 'notify');
    await bothTimers('notify', 'notify');
    expect.soft(pushes(cb)).toEqual(pushes(aws));
    expect(cloud.fake.sent.map((m) => [m.touser, m.templateId]).sort()).toEqual([
      [LEADER, 'tmpl-cutoffSummary'],
      [CUSTOMERS[2], 'tmpl-refundResult'],
    ]);
  });

  it('verify.arrival the next afternoon (leader): orders ARRIVED with their pickup deadlines', async () => {
    at('2026-11-25T16:00:00+08:00');
    const arrived = await both('verify.arrival', { communityId: COMMUNITY, waveDate: WAVE }, LEADER);
    expect(ok(arrived.cb).arrived).toBe(2);
    await both('verify.orders', { waveDate: WAVE }, LEADER);
  });

  it('notify timer after the arrival: arrival notices to the customers', async () => {
    at('2026-11-25T16:01:00+08:00');
    requireJob('notify', 'notify');
    await bothTimers('notify', 'notify');
    expect.soft(pushes(cb)).toEqual(pushes(aws));
    expect(cloud.fake.sent.filter((m) => m.templateId === 'tmpl-arrivalNotice').map((m) => m.touser).sort()).toEqual([CUSTOMERS[0], CUSTOMERS[1]]);
  });

  it('verify.redeem: the leader verifies the pickup code; a second time is ALREADY_DONE; a wrong code NOT_FOUND', async () => {
    at('2026-11-25T18:30:00+08:00');
    const redeemed = await both('verify.redeem', (p) => ({ communityId: COMMUNITY, code: orders[p.name]!['day-1'].pickupCode }), LEADER);
    expect(ok(redeemed.cb).status).toBe('PICKED_UP');
    const again = await both('verify.redeem', (p) => ({ communityId: COMMUNITY, code: orders[p.name]!['day-1'].pickupCode }), LEADER);
    expect(again.cb).toMatchObject({ ok: false, error: { code: 'ALREADY_DONE' } });
    await both('verify.redeem', { communityId: COMMUNITY, code: '00000000' }, LEADER);
    await both('order.get', (p) => ({ id: orders[p.name]!['day-1'].id }), CUSTOMERS[0]);
  });

  it('overdue timer (verify) the night after: a pickup reminder, nothing expires before its deadline', async () => {
    at('2026-11-26T03:00:00+08:00');
    requireJob('verify', 'overdue');
    const run = await bothTimers('verify', 'overdue');
    expect(ok(run.cb)).toMatchObject({ expired: 0 });
  });

  it('notify timer in the morning: the pickup reminder', async () => {
    at('2026-11-26T12:00:00+08:00');
    requireJob('notify', 'notify');
    await bothTimers('notify', 'notify');
    expect.soft(pushes(cb)).toEqual(pushes(aws));
  });

  it('overdue timer a night later: the uncollected order EXPIRED, its non-fresh line refunded (cloudPay.refund / v3 refund)', async () => {
    at('2026-11-27T03:00:00+08:00');
    const run = await bothTimers('verify', 'overdue');
    expect(ok(run.cb)).toMatchObject({ expired: 1, refunded: 1 });
    const got = await both('order.get', (p) => ({ id: orders[p.name]!['day-2'].id }), OWNERS['day-2'], (p, answer) => {
      for (const r of (ok(answer).refunds ?? []) as { id: string }[]) p.norm.register(r.id, 'refund:day-2');
    });
    expect(ok(got.cb)).toMatchObject({ status: 'EXPIRED', refunds: [{ amountFen: 12658 }] });
    // The refund reached cloudPay with the order's amounts.
    const day2 = orders.cloudbase!['day-2'].id;
    expect(cloud.fake.calls.filter((c) => c.api === 'refund' && c.params.outTradeNo === day2).map((c) => [c.params.refundFee, c.params.totalFee])).toEqual([[12658, 19070]]);
    requireCommand('verify.returns');
    await both('verify.returns', { communityId: COMMUNITY }, LEADER);
  });

  it('notify timer after the expiry: the refund result', async () => {
    at('2026-11-27T03:01:00+08:00');
    requireJob('notify', 'notify');
    await bothTimers('notify', 'notify');
    expect.soft(pushes(cb)).toEqual(pushes(aws));
  });

  it('settle timer after the week: the same statement, balance and monthly ranking; a second run writes nothing', async () => {
    at('2026-12-01T02:00:00+08:00');
    requireJob('settle', 'settle');
    const run = await bothTimers('settle', 'settle');
    expect(ok(run.cb)).toMatchObject({ statements: 1, periods: ['2026-W48'] });
    requireCommand('settle.balance');
    requireCommand('settle.statements');
    await both('settle.balance', {}, LEADER);
    await both('settle.statements', {}, LEADER);
    const again = await bothTimers('settle', 'settle');
    expect(ok(again.cb)).toMatchObject({ statements: 0 });
  });

  it('notify timer after the settlement: the statement push', async () => {
    at('2026-12-01T02:01:00+08:00');
    requireJob('notify', 'notify');
    await bothTimers('notify', 'notify');
    expect.soft(pushes(cb)).toEqual(pushes(aws));
    expect(cloud.fake.sent.length).toBeGreaterThanOrEqual(5);
  });

  it('a bad action is NOT_FOUND and bad input VALIDATION_FAILED on both', async () => {
    // The message names the transport (an action on CloudBase, a route on HTTP): the code must agree.
    const bad = [await cb.call('order.nope', {}, CUSTOMERS[0]), await aws.call('order.nope', {}, CUSTOMERS[0])];
    for (const answer of bad) expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const invalid = await both('order.quote', { communityId: COMMUNITY, items: [{ productId: 'p-rice', qty: '1' }] }, CUSTOMERS[0]);
    expect(invalid.cb).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('what the day left in the store is the same: the community partition and the leader ledger', async () => {
    const stored = async (p: Path) => {
      const items = [
        ...(await queryAll(p.store, { pk: `C#${COMMUNITY}`, consistent: true })),
        ...(await queryAll(p.store, { pk: 'L#l-jingan', consistent: true })),
      ];
      return (p.norm.apply(items) as Record<string, unknown>[]).sort((a, b) => (`${a.pk}|${a.sk}` < `${b.pk}|${b.sk}` ? -1 : 1));
    };
    const [a, b] = [await stored(cb), await stored(aws)];
    expect.soft(a.map((i) => `${i.pk}|${i.sk}`)).toEqual(b.map((i) => `${i.pk}|${i.sk}`));
    expect.soft(a).toEqual(b);
  });

  /*
   * Gaps this parity test found between the two transports, now closed: timers only without a
   * caller, failed timer runs fail the invocation, refund callbacks acknowledged, push permission.
   */
  it('a timer event sent by a mini-program caller (callFunction data) is refused, as on AWS where no request is a schedule', async () => {
    cloud.as(CUSTOMERS[0]);
    const answer = await mains.settle!({ Type: 'Timer', TriggerName: 'settle', userInfo: { appId: 'wxlocal', openId: CUSTOMERS[0] } }, {});
    expect(answer).toMatchObject({ ok: false });
  });

  it('cloudPay\'s refund result callback (sent to the order function) is acknowledged with errcode 0', async () => {
    const day2 = ok(await cb.call('order.get', { id: orders.cloudbase!['day-2'].id }, OWNERS['day-2']));
    cloud.as(undefined);
    const refund = { transactionId: '4200000000000000000000000001', outTradeNo: day2.id, refundId: '50300000000000000000000001', outRefundNo: day2.refunds[0].id, totalFee: 19070, refundFee: 12658, settlementRefundFee: 12658, refundStatus: 'SUCCESS', successTime: '2026-11-27 03:00:09', refundRecvAccout: '支付用户零钱', refundAccount: 'REFUND_SOURCE_UNSETTLED_FUNDS', refundRequestSource: 'API' };
    const envelope = { returnCode: 'SUCCESS', appid: 'wxlocal', mchId: '1900000001', subAppid: 'wxlocal', subMchId: '1900000002', nonceStr: 'abc' };
    // Whether the decrypted fields arrive flat or under reqInfo, WeChat needs { errcode: 0 } or it calls again for two days.
    expect(await mains.order!({ ...envelope, ...refund }, {})).toMatchObject({ errcode: 0 });
    expect(await mains.order!({ ...envelope, reqInfo: refund }, {})).toMatchObject({ errcode: 0 });
  });

  it('a timer run that fails makes main fail (the AWS entry rethrows so retries and alarms see it)', async () => {
    cloud.as(undefined);
    const off = double.intercept(() => {
      throw new Error('database unavailable');
    });
    try {
      await expect(mains.settle!({ Type: 'Timer', TriggerName: 'settle', Time: new Date(cbClock.now()).toISOString() }, {})).rejects.toThrow();
    } finally {
      off();
    }
  });

  it('every CloudBase function that can drain the outbox (the notify job, or admin.runJob which runs it) may call subscribeMessage.send', () => {
    const drains = FUNCTIONS.filter((m) => m.jobs?.some((j) => j.name === 'notify') || m.commands.some((c) => c.name === 'admin.runJob'));
    expect(drains.map((m) => m.name).sort()).toEqual(['admin', 'notify']);
    for (const m of drains) expect(cloudbaseConfig(m.name).permissions.openapi, m.name).toContain('subscribeMessage.send');
  });
});
