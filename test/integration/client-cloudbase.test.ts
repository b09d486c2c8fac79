/**
 * The typed client (client/) through its mini-program transport against the CloudBase entries:
 * the BUILT bundles (`npm run build` → dist/cloudbase/<fn>/index.js) called through `main` as
 * `wx.cloud.callFunction({ name, data: { action, ...input } })` would, with the caller's OPENID in
 * the WeChat context (test/support/cloud-fake.ts) and the CloudBase double as the database.
 * A customer browses, places and pays (cloudPay's callback into order main), the cutoff timer
 * confirms, the leader confirms arrival and redeems, the settle timer pays the commission, the
 * leader withdraws. Every answer of a command with an output schema is checked against it.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudbaseDeps } from '#wiring/cloudbase';
import { fixedClock } from '#ports/clock';
import { ApiError, createClient, miniProgramTransport, type Client } from '../../client/index.ts';
import { buildAll } from '../../scripts/build.ts';
import { seedDemo } from '../../scripts/lib/demo-data.ts';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';
import { createCloudbaseDouble, type CloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { installCloudPlatform, type InstalledCloud } from '../support/cloud-fake.ts';
import { checkedTransport } from '../support/checked-transport.ts';

type Main = (event: unknown, context: unknown) => Promise<any>;

const WAVE = '2026-11-24';
const COMMUNITY = 'c-jingan';
const LEADER = 'demo-leader-jingan';
const BUYER = 'u-client-1';
const contact = { name: '张三', phone: '13912345678' };

describe('the typed client through the mini-program transport (CloudBase entries on the double)', () => {
  let double: CloudbaseDouble;
  let cloud: InstalledCloud;
  const mains: Record<string, Main> = {};
  const clock = fixedClock(`${WAVE}T10:00:00+08:00`);
  const checked = new Map<string, number>();
  /** Whom wx.cloud.callFunction calls as, per client. */
  const clientAs = (openid: string): Client =>
    createClient({
      transport: checkedTransport(
        miniProgramTransport({
          // As wx.cloud.callFunction: the answer is `{ result }`, the caller the WeChat context's OPENID.
          callFunction: async ({ name, data }) => {
            cloud.as(openid);
            return { result: await mains[name]!(data, { function_name: name, namespace: 'client', request_id: `req-${Math.random().toString(36).slice(2)}` }), errMsg: 'cloud.callFunction:ok' };
          },
        }),
        checked,
      ),
    });
  const timer = async (fn: string, name: string) => {
    cloud.as(undefined);
    return mains[fn]!({ Type: 'Timer', TriggerName: name, Time: new Date(clock.now()).toISOString(), Message: '' }, { function_name: fn });
  };
  let buyer: Client;
  let leader: Client;
  const s: Record<string, any> = {};

  beforeAll(async () => {
    await buildAll({ quiet: true });
    double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
    cloud = installCloudPlatform({ db: double.wxDatabase(), tcbEnv: double.env, clock });
    await seedDemo(await cloudbaseDeps()());
    const require = createRequire(import.meta.url);
    for (const fn of ['auth', 'order', 'cutoff', 'verify', 'settle']) {
      const path = resolve('dist/cloudbase', fn, 'index.js');
      delete require.cache[path];
      mains[fn] = require(path).main;
    }
    buyer = clientAs(BUYER);
    leader = clientAs(LEADER);
  });

  afterAll(() => {
    cloud?.uninstall();
    double?.uninstall();
  });

  it('browses, quotes and places an order; cloudPay pays it; the order reads back PAID', async () => {
    const me = await buyer.auth.me();
    expect(me.id).toBe(BUYER);
    expect((await buyer.order.communities({ lat: 31.2233, lng: 121.4458 }))[0]).toMatchObject({ id: COMMUNITY, distanceM: 0 });
    const catalog = await buyer.order.catalog({ communityId: COMMUNITY });
    expect(catalog.wave.date).toBe(WAVE);
    const basket = { communityId: COMMUNITY, items: [{ productId: 'p-rice', qty: 1 }] };
    const quote = await buyer.order.quote(basket);
    const placed = await buyer.order.place({ ...basket, requestId: 'client-cb-1', contact });
    expect(placed.order.amounts).toEqual(quote.amounts);
    expect(placed.payment).toBeTruthy();
    // WeChat calls order main with cloudPay's payment callback: no user context.
    cloud.as(undefined);
    const ack = await mains.order!(cloud.fake.pay(placed.order.id, placed.order.amounts.payableFen), { function_name: 'order' });
    expect(ack?.errcode).toBe(0);
    const order = await buyer.order.get({ id: placed.order.id });
    expect(order.status).toBe('PAID');
    expect(order.pickupCode).toMatch(/^\d{8}$/);
    expect((await buyer.order.list({ limit: 5 })).items.map((o) => o.id)).toEqual([placed.order.id]);
    s.order = order;
  });

  it('cancels an unpaid order; errors are ApiError with the code and its HTTP status', async () => {
    const placed = await buyer.order.place({ communityId: COMMUNITY, items: [{ productId: 'p-milk', qty: 1 }], requestId: 'client-cb-2', contact });
    expect((await buyer.order.cancel({ id: placed.order.id })).status).toBe('CANCELLED');
    const bad = await buyer.order.quote({ communityId: COMMUNITY, items: [{ productId: 'p-rice', qty: 0 }] }).catch((e) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, command: 'order.quote' });
    expect(await buyer.order.get({ id: 'o-nope' }).catch((e) => e)).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(await buyer.verify.orders({ waveDate: WAVE }).catch((e) => e)).toMatchObject({ code: 'FORBIDDEN', status: 403 });
  });

  it('the leader: cutoff timer, arrival, the wave’s orders, redeem by pickup code', async () => {
    clock.set(`${WAVE}T22:00:00+08:00`);
    expect((await timer('cutoff', 'cutoff')).ok).toBe(true);
    expect((await buyer.order.get({ id: s.order.id })).status).toBe('CONFIRMED');
    clock.set('2026-11-25T16:00:00+08:00');
    expect((await leader.verify.arrival({ communityId: COMMUNITY, waveDate: WAVE })).arrived).toBe(1);
    const orders = await leader.verify.orders({ waveDate: WAVE });
    const mine = orders.items.find((o) => o.id === s.order.id);
    expect(mine).toMatchObject({ status: 'ARRIVED', contact: { phoneTail: '5678' } });
    expect(mine!.pickupCode).toBeUndefined();
    const redeemed = await leader.verify.redeem({ communityId: COMMUNITY, code: s.order.pickupCode });
    expect(redeemed.status).toBe('PICKED_UP');
    expect((await leader.verify.redeem({ communityId: COMMUNITY, code: s.order.pickupCode }).catch((e) => e)).code).toBe('ALREADY_DONE');
  });

  it('the settle timer makes the commission available; the leader withdraws it and lists the withdrawal', async () => {
    expect((await leader.settle.balance()).pendingFen).toBeGreaterThan(0);
    clock.set('2026-12-01T02:00:00+08:00');
    expect((await timer('settle', 'settle')).ok).toBe(true);
    const balance = await leader.settle.balance();
    expect(balance.availableFen).toBeGreaterThan(0);
    const amountFen = balance.availableFen;
    const w = await leader.settle.withdraw({ requestId: 'client-cb-w1', amountFen });
    expect(w).toMatchObject({ status: 'PENDING', amountFen });
    expect((await leader.settle.myWithdrawals()).map((x) => x.id)).toEqual([w.id]);
    const pending = await clientAs('demo-staff').settle.withdrawals({ status: 'PENDING' });
    expect(pending.find((x) => x.id === w.id)).toMatchObject({ leaderId: 'l-jingan', amountFen, status: 'PENDING' });
    expect((await leader.settle.balance()).availableFen).toBe(0);
    const [statement] = await leader.settle.statements();
    expect(statement).toMatchObject({ period: '2026-W48', totalFen: amountFen });
    expect(statement!.lines.map((l) => l.orderId)).toEqual([s.order.id]);
  });

  it('every answer of the commands with an output schema matched it', () => {
    for (const name of ['auth.me', 'order.communities', 'order.catalog', 'order.quote', 'order.place', 'order.get', 'order.list', 'order.cancel', 'verify.arrival', 'verify.orders', 'verify.redeem', 'settle.balance', 'settle.withdraw', 'settle.myWithdrawals', 'settle.statements', 'settle.withdrawals']) {
      expect(checked.get(name) ?? 0, `${name} answers checked against its output schema`).toBeGreaterThan(0);
    }
  });
});
