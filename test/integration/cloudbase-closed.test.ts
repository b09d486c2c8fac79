/**
 * CloudBase closed to clients, and every money callback confirmed (DESIGN.md §11), through the
 * CloudBase entries as deployed (functions/<fn>/cloudbase.ts `main`), with the CloudBase double
 * and the fake `cloud` on `globalThis.__groupbuyCloud`:
 * - a document a client created (it carries `_openid`) is never read: a client-made role
 *   document grants nothing, a client-made product is never listed;
 * - cloudPay's payment and refund callbacks are commands of the order module, reached only by
 *   events without a client identity, each confirmed with cloudPay (queryOrder / queryRefund):
 *   a forged one changes nothing;
 * - payouts go through WeChat Pay v3 (the AWS adapter; here the sandbox behind a local HTTP
 *   server) to the leader record's openid, and the transfer notification arrives through
 *   CloudBase's HTTP access service at /pay/transfer-notify.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { createSandboxWechatPay } from '#adapters/local/sandbox-pay';
import { keys } from '#app/keys';
import { findOrder } from '#app/orders/model';
import { findWithdrawal } from '#app/settle/withdrawals';
import { fixedClock } from '#ports/clock';
import type { ItemStore } from '#ports/item-store';
import { parseConfig } from '#platform/config';
import { cloudbaseDeps, cloudbasePayout } from '#wiring/cloudbase';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';
import { seedDemo } from '../../scripts/lib/demo-data.ts';
import { createCloudbaseDouble, type CloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { FAKE_APPID, FAKE_MCH_ID, installCloudPlatform, type InstalledCloud } from '../support/cloud-fake.ts';
import { startHttpMock, type HttpMock } from '#test/http-mock';

type Main = (event: unknown, context: unknown) => Promise<any>;

const STAFF = 'demo-staff';
const LEADER = 'demo-leader-jingan';
const ATTACKER = 'u-attacker';
const contact = { name: '张三', phone: '13912345678' };
const clock = fixedClock('2026-11-24T10:00:00+08:00');

let double: CloudbaseDouble;
let cloud: InstalledCloud;
let store: ItemStore;
let server: HttpMock;
const mains: Record<string, Main> = {};
const sandbox = createSandboxWechatPay({ appId: FAKE_APPID, mchId: FAKE_MCH_ID, now: () => clock.now() });

/** A mini-program call: `wx.cloud.callFunction({ name: fn, data: { action, ...data } })` by `openid`. */
async function call(fn: string, action: string, data: Record<string, unknown>, openid: string | undefined) {
  cloud.as(openid);
  return mains[fn]!({ ...data, action, ...(openid ? { userInfo: { appId: FAKE_APPID, openId: openid } } : {}) }, {});
}

/** An event the platform sends (cloudPay's callbacks, HTTP access): no caller. */
async function platformEvent(fn: string, event: unknown) {
  cloud.as(undefined);
  return mains[fn]!(event, {});
}

/** A document as a mini-program's `db.collection(name).add()` would have created it (the platform adds `_openid`). */
const clientAdd = (collection: string, doc: Record<string, unknown>, openid: string) =>
  double.db.collection(collection).add({ ...doc, _id: `${doc.pk}|${doc.sk}`, _openid: openid });

beforeAll(async () => {
  // WeChat Pay v3 for payouts: the sandbox answering over HTTP, as api.mch.weixin.qq.com would.
  server = await startHttpMock(async (request) => {
    const url = new URL(request.url);
    return sandbox.fetch(`http://sandbox${url.pathname}${url.search}`, {
      method: request.method,
      headers: Object.fromEntries(request.headers),
      ...(request.method === 'POST' ? { body: await request.text() } : {}),
    });
  });
  const base = server.url;

  double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
  cloud = installCloudPlatform({
    db: double.wxDatabase(),
    tcbEnv: double.env,
    clock,
    env: {
      STAFF_OPENIDS: STAFF,
      WXPAY_MCH_ID: FAKE_MCH_ID,
      WXPAY_MERCHANT_SERIAL: 'CLOUDBASEMERCHANT01',
      WXPAY_PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      WXPAY_API_V3_KEY: sandbox.apiV3Key,
      WXPAY_PLATFORM_KEYS: JSON.stringify(sandbox.platformKeys),
      WXPAY_API_BASE: base,
      PUBLIC_BASE_URL: 'https://pay.example.com',
    },
  });
  await seedDemo(await cloudbaseDeps()());
  store = createCloudbaseItemStore({ db: double.db });
  for (const fn of ['order', 'admin', 'settle']) mains[fn] = ((await import(`../../functions/${fn}/cloudbase.ts`)) as { main: Main }).main;
});

afterAll(async () => {
  cloud?.uninstall();
  double?.uninstall();
  await server?.close();
});

describe('CloudBase closed to clients: documents a client created are never read', () => {
  it('a client-created staff or leader role document grants nothing', async () => {
    await clientAdd('users', { pk: `U#${ATTACKER}`, sk: 'R#STAFF', active: true }, ATTACKER);
    await clientAdd('users', { pk: `U#${ATTACKER}`, sk: 'R#LEADER', leaderId: 'l-jingan', communityId: 'c-jingan', status: 'active' }, ATTACKER);
    const product = { title: '假货', category: '粮油', priceFen: 1, supplierId: 's-grain', fresh: false };
    expect(await call('admin', 'upsertProduct', product, ATTACKER)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await call('settle', 'balance', {}, ATTACKER)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await call('settle', 'withdraw', { requestId: 'steal', amountFen: 100 }, ATTACKER)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // The same request by real staff works (the documents above were simply not there).
    expect(await call('admin', 'upsertProduct', { ...product, title: '真货' }, STAFF)).toMatchObject({ ok: true });
  });

  it('a client-created product is never listed, and a client-created order reference finds nothing', async () => {
    await clientAdd('products', { pk: 'P#p-evil', sk: 'META', gsi1pk: 'T#product', gsi1sk: 'p-evil', id: 'p-evil', title: '钓鱼', category: '粮油', priceFen: 1, status: 'active', fresh: false, supplierId: 's-grain' }, ATTACKER);
    const catalog = await call('order', 'catalog', { communityId: 'c-jingan' }, 'u-browse');
    expect(catalog.ok).toBe(true);
    expect(catalog.data.products.map((p: { id: string }) => p.id)).not.toContain('p-evil');
    expect(await store.get({ pk: 'P#p-evil', sk: 'META' })).toBeUndefined();
    expect(await call('admin', 'products', {}, STAFF)).toMatchObject({ ok: true });
  });
});

describe('cloudPay callbacks are commands of the order module, confirmed with cloudPay', () => {
  let order: { id: string; amounts: { payableFen: number } };

  beforeAll(async () => {
    const placed = await call('order', 'place', { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], requestId: 'cb-1', contact }, 'u-payer');
    expect(placed.ok).toBe(true);
    order = placed.data.order;
  });

  it('a payment callback that cloudPay does not confirm changes nothing; an event with a client identity is never a callback', async () => {
    const forged = { returnCode: 'SUCCESS', resultCode: 'SUCCESS', outTradeNo: order.id, transactionId: '4200000000000000000000000000', totalFee: order.amounts.payableFen, timeEnd: '20261124100100', subOpenid: 'u-payer' };
    expect(await platformEvent('order', forged)).toMatchObject({ errcode: 1 });
    // The genuine event, sent by a client (its OPENID in the context, or userInfo): an action call, NOT_FOUND.
    const genuine = cloud.fake.pay(order.id, order.amounts.payableFen, { payerOpenid: 'u-payer' });
    cloud.as('u-payer');
    expect(await mains.order!(genuine, {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    cloud.as(undefined);
    expect(await mains.order!({ ...genuine, userInfo: { appId: FAKE_APPID, openId: 'u-payer' } }, {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await findOrder(await cloudbaseDeps()(), order.id))?.status).toBe('PENDING_PAYMENT');
    // From the platform it is applied once.
    expect(await platformEvent('order', genuine)).toEqual({ errcode: 0, errmsg: '' });
    expect((await findOrder(await cloudbaseDeps()(), order.id))?.status).toBe('PAID');
  });

  it('a forged refund callback changes nothing; the genuine one is recorded with what queryRefund answers', async () => {
    const cancelled = await call('order', 'cancel', { id: order.id }, 'u-payer');
    expect(cancelled).toMatchObject({ ok: true, data: { status: 'CANCELLED', refunds: [{ status: 'PROCESSING' }] } });
    const refundId = cancelled.data.refunds[0].id as string;
    const deps = await cloudbaseDeps()();
    const refundStatus = async () => (await findOrder(deps, order.id))!.refunds.find((r) => r.id === refundId)!.status;

    // Claims SUCCESS while WeChat still reports PROCESSING: nothing recorded.
    const claim = { returnCode: 'SUCCESS', appid: FAKE_APPID, mchId: FAKE_MCH_ID, subMchId: '1900000002', nonceStr: 'x', reqInfo: { outTradeNo: order.id, outRefundNo: refundId, refundId: '503', totalFee: order.amounts.payableFen, refundFee: order.amounts.payableFen, refundStatus: 'SUCCESS' } };
    expect(await platformEvent('order', claim)).toMatchObject({ errcode: 0 });
    expect(await platformEvent('order', { ...claim, reqInfo: claim.reqInfo })).toMatchObject({ errcode: 0 });
    expect(await refundStatus()).toBe('PROCESSING');
    // A refund WeChat never heard of, and a wrong amount: nothing.
    expect(await platformEvent('order', { ...claim, reqInfo: { ...claim.reqInfo, outRefundNo: `${order.id}-FAKE` } })).toMatchObject({ errcode: 0 });
    cloud.fake.settleRefund(refundId, 'SUCCESS');
    expect(await platformEvent('order', { ...claim, reqInfo: { ...claim.reqInfo, refundFee: 1 } })).toMatchObject({ errcode: 0 });
    expect(await refundStatus()).toBe('PROCESSING');
    // The genuine callback, but sent by a client: an action call, nothing recorded.
    const genuine = cloud.fake.settleRefund(refundId, 'SUCCESS');
    expect(await call('order', 'x', { ...genuine }, 'u-payer')).toMatchObject({ ok: false });
    cloud.as('u-payer');
    expect(await mains.order!(genuine, {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await refundStatus()).toBe('PROCESSING');
    // From the platform: confirmed by queryRefund and recorded, once.
    expect(await platformEvent('order', genuine)).toEqual({ errcode: 0, errmsg: '' });
    expect(await refundStatus()).toBe('SUCCESS');
    expect(await platformEvent('order', genuine)).toEqual({ errcode: 0, errmsg: '' });
    expect(cloud.fake.calls.filter((c) => c.api === 'queryRefund').length).toBeGreaterThanOrEqual(4);
  });
});

describe('payouts from CloudBase through WeChat Pay v3', () => {
  it('staff approve: the transfer goes to the leader record\'s openid; its notification arrives over HTTP access and pays it once', async () => {
    await store.write({ type: 'put', item: { ...keys.leaderBalance('l-jingan'), leaderId: 'l-jingan', pendingFen: 0, availableFen: 5_000, withdrawnFen: 0, reservedFen: 0 } });
    const asked = await call('settle', 'withdraw', { requestId: 'wd-1', amountFen: 3_000 }, LEADER);
    expect(asked).toMatchObject({ ok: true, data: { status: 'PENDING' } });
    const approved = await call('settle', 'decideWithdrawal', { id: asked.data.id, decision: 'approve' }, STAFF);
    expect(approved).toMatchObject({ ok: true, data: { status: 'APPROVED', transfer: { billNo: sandbox.billNoFor(asked.data.id), packageInfo: expect.any(String) } } });

    // WeChat Pay's notification, as the HTTP access service hands it to the settle function.
    const signed = sandbox.signedTransferNotification({ withdrawalId: asked.data.id, amountFen: 3_000, state: 'SUCCESS', openid: LEADER });
    const http = (headers: Record<string, string>, body: string, path = '/pay/transfer-notify') => platformEvent('settle', { httpMethod: 'POST', path, headers, body, isBase64Encoded: false, queryStringParameters: {} });
    const forged = await http({ ...signed.headers, 'Wechatpay-Signature': Buffer.from('x'.repeat(256)).toString('base64') }, signed.body);
    expect(forged).toMatchObject({ statusCode: 401 });
    expect((await findWithdrawal(await cloudbaseDeps()(), asked.data.id))?.status).toBe('APPROVED');
    expect(await http(signed.headers, signed.body)).toMatchObject({ statusCode: 200, body: JSON.stringify({ code: 'SUCCESS' }) });
    expect((await findWithdrawal(await cloudbaseDeps()(), asked.data.id))?.status).toBe('PAID');
    expect(await http(signed.headers, signed.body)).toMatchObject({ statusCode: 200 });
    // Only the public notification routes answer over HTTP.
    expect(await platformEvent('settle', { httpMethod: 'GET', path: '/leader/balance', headers: {}, body: '' })).toMatchObject({ statusCode: 404 });
    expect(await call('settle', 'balance', {}, LEADER)).toMatchObject({ ok: true, data: { withdrawnFen: 3_000, availableFen: 2_000, reservedFen: 0 } });
  });

  it('payout settings are all or nothing: none refuses each payout clearly, some names what is missing', async () => {
    const base = { STAGE: 'local', PLATFORM: 'cloudbase', AUTH_MODE: 'wechat', WX_APPID: FAKE_APPID, WX_SECRET: 'x', SESSION_SECRET: 'cloud-fake-session-secret-not-for-production-01', CONTACT_KEY: 'bG9jYWwtY29udGFjdC1rZXktbm90LWZvci1wcm9kISE=' };
    const none = cloudbasePayout(parseConfig(base), () => clock.now());
    await expect(none.createTransfer({ withdrawalId: 'w', openid: 'o', amountFen: 1, remark: 'r' })).rejects.toMatchObject({ message: expect.stringMatching(/not configured/) });
    expect(() => cloudbasePayout(parseConfig({ ...base, WXPAY_MCH_ID: FAKE_MCH_ID }), () => clock.now())).toThrow(/WXPAY_MERCHANT_SERIAL.*PUBLIC_BASE_URL/);
  });
});
