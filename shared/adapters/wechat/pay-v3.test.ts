import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '#domain/errors';
import type { RawNotification } from '#ports/payment';
import { startHttpMock, type HttpMock } from '#test/http-mock';
import { createWechatPayV3, WechatPayApiError, type WechatPayV3Options } from './pay-v3.ts';
import { encryptResource, parseAuthorization, rsaVerify, signedHeaders, signedLines } from './pay-v3-crypto.ts';

const NOW = Date.parse('2025-06-01T10:00:00+08:00');
const API_V3_KEY = 'k'.repeat(32);
const PLATFORM_SERIAL = 'PUB_KEY_ID_0100000000000000000000000000001';
const MERCHANT_SERIAL = '3775B6A45ACD588826D15E583A95F5DD00000000';

const pem = (k: KeyObject, type: 'pkcs8' | 'spki') => k.export({ type, format: 'pem' }).toString();
const rsaPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });

let merchant: ReturnType<typeof rsaPair>;
let platform: ReturnType<typeof rsaPair>;
let stranger: ReturnType<typeof rsaPair>;

beforeAll(() => {
  merchant = rsaPair();
  platform = rsaPair();
  stranger = rsaPair();
});

interface Seen {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

/** Every fake's server, closed after the file. */
const servers: HttpMock[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

/**
 * WeChat Pay as the adapter sees it: checks the request's Authorization with the merchant's
 * PUBLIC key (401 SIGN_ERROR otherwise) and answers signed with the platform key.
 */
async function fakeWechatPay(answers: Record<string, unknown>, opts: { signResponsesWith?: KeyObject; status?: number } = {}) {
  const seen: Seen[] = [];
  const reply = (status: number, payload: unknown) => {
    const body = JSON.stringify(payload);
    return new Response(body, { status, headers: signedHeaders(body, opts.signResponsesWith ?? platform.privateKey, PLATFORM_SERIAL, NOW) });
  };
  const transport: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = await request.text();
    const auth = parseAuthorization(request.headers.get('authorization') ?? undefined);
    const signatureOk =
      auth !== undefined &&
      auth.mchid === '1900000109' &&
      auth.serial_no === MERCHANT_SERIAL &&
      rsaVerify(signedLines(request.method, url.pathname, auth.timestamp!, auth.nonce_str!, body), auth.signature!, merchant.publicKey);
    if (!signatureOk) return reply(401, { code: 'SIGN_ERROR', message: 'signature does not verify' });
    seen.push({ method: request.method, path: url.pathname, body: body ? JSON.parse(body) : {} });
    if (opts.status) return reply(opts.status, { code: opts.status === 404 ? 'RESOURCE_NOT_EXISTS' : 'PARAM_ERROR', message: 'bad request' });
    return reply(200, answers[url.pathname] ?? {});
  };
  const server = await startHttpMock((request) => transport(request));
  servers.push(server);
  return { url: server.url, seen };
}

function gateway(overrides: Partial<WechatPayV3Options> = {}) {
  return createWechatPayV3({
    appId: 'wx1234567890abcdef',
    mchId: '1900000109',
    merchantSerial: MERCHANT_SERIAL,
    merchantPrivateKeyPem: pem(merchant.privateKey, 'pkcs8'),
    apiV3Key: API_V3_KEY,
    platformKeys: { [PLATFORM_SERIAL]: pem(platform.publicKey, 'spki') },
    notifyUrl: 'https://api.example.com/pay/notify',
    transferNotifyUrl: 'https://api.example.com/pay/transfer-notify',
    now: () => NOW,
    ...overrides,
  });
}

const transaction = {
  appid: 'wx1234567890abcdef',
  mchid: '1900000109',
  out_trade_no: '01JXORDER0000000000000001',
  transaction_id: '4200002700202506011234567890',
  trade_type: 'JSAPI',
  trade_state: 'SUCCESS',
  success_time: '2025-06-01T09:59:30+08:00',
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  amount: { total: 2590, payer_total: 2590, currency: 'CNY', payer_currency: 'CNY' },
};

/** A notification as WeChat Pay sends it, with knobs to forge each part. */
function notification(
  opts: {
    eventType?: string;
    resource?: unknown;
    associatedData?: string;
    atMs?: number;
    serial?: string;
    signWith?: KeyObject;
    editCiphertext?: (b64: string) => string;
  } = {},
): RawNotification {
  const ad = opts.associatedData ?? 'transaction';
  const encrypted = encryptResource(JSON.stringify(opts.resource ?? transaction), API_V3_KEY, ad);
  if (opts.editCiphertext) encrypted.ciphertext = opts.editCiphertext(encrypted.ciphertext);
  const body = JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: '2025-06-01T09:59:31+08:00',
    resource_type: 'encrypt-resource',
    event_type: opts.eventType ?? 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: { original_type: ad, ...encrypted },
  });
  return { headers: signedHeaders(body, opts.signWith ?? platform.privateKey, opts.serial ?? PLATFORM_SERIAL, opts.atMs ?? NOW), body };
}

/** Flips one bit of the decoded bytes at `index` (negative counts from the end). */
const flipByte = (index: number) => (b64: string) => {
  const bytes = Buffer.from(b64, 'base64');
  const i = index < 0 ? bytes.length + index : index;
  bytes[i] = bytes[i]! ^ 0x01;
  return bytes.toString('base64');
};

async function expectUnauthenticated(p: Promise<unknown>) {
  const outcome = await p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  expect(outcome).not.toHaveProperty('value');
  const { error } = outcome as { error: unknown };
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('UNAUTHENTICATED');
}

describe('prepay', () => {
  it('posts a signed JSAPI order and returns a paySign the merchant key verifies', async () => {
    // prepare
    const fake = await fakeWechatPay({ '/v3/pay/transactions/jsapi': { prepay_id: 'wx201410272009395522657a690389285100' } });
    const pay = gateway({ baseUrl: fake.url });

    // act
    const params = await pay.payment.prepay({
      orderId: '01JXORDER0000000000000001',
      amountFen: 2590,
      openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      description: '社区团购-草莓 2 盒',
      expiresAt: '2025-06-01T02:30:00Z',
    });

    // assert
    expect(fake.seen).toEqual([
      {
        method: 'POST',
        path: '/v3/pay/transactions/jsapi',
        body: {
          appid: 'wx1234567890abcdef',
          mchid: '1900000109',
          description: '社区团购-草莓 2 盒',
          out_trade_no: '01JXORDER0000000000000001',
          time_expire: '2025-06-01T10:30:00+08:00',
          notify_url: 'https://api.example.com/pay/notify',
          amount: { total: 2590, currency: 'CNY' },
          payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
        },
      },
    ]);
    expect(params).toMatchObject({ timeStamp: String(NOW / 1000), package: 'prepay_id=wx201410272009395522657a690389285100', signType: 'RSA' });
    expect(params.nonceStr).toMatch(/^[0-9A-F]{32}$/);
    const message = signedLines('wx1234567890abcdef', params.timeStamp, params.nonceStr, params.package);
    expect(rsaVerify(message, params.paySign, merchant.publicKey)).toBe(true);
    expect(rsaVerify(message.replace('wx1234567890abcdef', 'wxother'), params.paySign, merchant.publicKey)).toBe(false);
  });

  it('refuses a non-positive or fractional amount and a closed window before calling WeChat', async () => {
    const fake = await fakeWechatPay({});
    const pay = gateway({ baseUrl: fake.url });
    const base = { orderId: 'o1', openid: 'x', description: 'd', expiresAt: '2025-06-01T10:30:00+08:00' };
    await expect(pay.payment.prepay({ ...base, amountFen: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(pay.payment.prepay({ ...base, amountFen: 12.5 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(pay.payment.prepay({ ...base, amountFen: 100, expiresAt: '2025-06-01T09:59:59+08:00' })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(fake.seen).toEqual([]);
  });

  it('fails with WeChat code when the request signature is wrong, without leaking keys', async () => {
    // The merchant signs with a key WeChat does not know.
    const fake = await fakeWechatPay({});
    const pay = gateway({ baseUrl: fake.url, merchantPrivateKeyPem: pem(stranger.privateKey, 'pkcs8') });
    const error = await pay.payment
      .prepay({ orderId: 'o1', amountFen: 100, openid: 'x', description: 'd', expiresAt: '2025-06-01T10:30:00+08:00' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatPayApiError);
    expect(error).toMatchObject({ status: 401, code: 'SIGN_ERROR' });
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).not.toContain(API_V3_KEY);
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('maps a non-2xx answer to its WeChat code', async () => {
    const fake = await fakeWechatPay({}, { status: 400 });
    const pay = gateway({ baseUrl: fake.url });
    await expect(pay.payment.prepay({ orderId: 'o1', amountFen: 100, openid: 'x', description: 'd', expiresAt: '2025-06-01T10:30:00+08:00' })).rejects.toMatchObject({
      name: 'WechatPayApiError',
      status: 400,
      code: 'PARAM_ERROR',
    });
  });

  it('refuses an answer not signed by a known platform key', async () => {
    const fake = await fakeWechatPay({ '/v3/pay/transactions/jsapi': { prepay_id: 'wx_forged' } }, { signResponsesWith: stranger.privateKey });
    const pay = gateway({ baseUrl: fake.url });
    await expect(pay.payment.prepay({ orderId: 'o1', amountFen: 100, openid: 'x', description: 'd', expiresAt: '2025-06-01T10:30:00+08:00' })).rejects.toMatchObject({
      code: 'RESPONSE_SIGNATURE_INVALID',
    });
  });

  it('reports a transport failure as NETWORK_ERROR', async () => {
    const gone = await startHttpMock(() => new Response());
    await gone.close();
    const pay = gateway({ baseUrl: gone.url });
    await expect(pay.payment.prepay({ orderId: 'o1', amountFen: 100, openid: 'x', description: 'd', expiresAt: '2025-06-01T10:30:00+08:00' })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
    });
  });

  it('refuses an APIv3 key that is not 32 bytes at start-up', () => {
    expect(() => gateway({ apiV3Key: 'short' })).toThrow(/32 bytes/);
  });
});

describe('refund', () => {
  it('posts out_refund_no = refundId with the amounts in fen', async () => {
    const fake = await fakeWechatPay({ '/v3/refund/domestic/refunds': { refund_id: '50000000382019052709732678859', out_refund_no: 'R-o1-1', status: 'PROCESSING' } });
    const pay = gateway({ baseUrl: fake.url });

    const result = await pay.payment.refund({ orderId: 'o1', refundId: 'R-o1-1', amountFen: 590, totalFen: 2590, reason: '售后退款' });

    expect(result).toEqual({ refundId: 'R-o1-1', status: 'PROCESSING' });
    expect(fake.seen[0]).toEqual({
      method: 'POST',
      path: '/v3/refund/domestic/refunds',
      body: { out_trade_no: 'o1', out_refund_no: 'R-o1-1', reason: '售后退款', amount: { refund: 590, total: 2590, currency: 'CNY' } },
    });
  });

  it('refuses a refund above the paid amount before calling WeChat', async () => {
    const fake = await fakeWechatPay({});
    const pay = gateway({ baseUrl: fake.url });
    await expect(pay.payment.refund({ orderId: 'o1', refundId: 'R1', amountFen: 2591, totalFen: 2590, reason: 'x' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(fake.seen).toEqual([]);
  });

  it('fails on a refund WeChat closed at once', async () => {
    const fake = await fakeWechatPay({ '/v3/refund/domestic/refunds': { out_refund_no: 'R1', status: 'ABNORMAL' } });
    const pay = gateway({ baseUrl: fake.url });
    await expect(pay.payment.refund({ orderId: 'o1', refundId: 'R1', amountFen: 1, totalFen: 2, reason: 'x' })).rejects.toMatchObject({ code: 'REFUND_ABNORMAL' });
  });
});

describe('merchant transfer', () => {
  it('posts a transfer bill with its scene report and returns package_info', async () => {
    const fake = await fakeWechatPay({
      '/v3/fund-app/mch-transfer/transfer-bills': {
        out_bill_no: 'W01',
        transfer_bill_no: '1330000071100999991182020050700019480001',
        create_time: '2025-06-01T10:00:00+08:00',
        state: 'WAIT_USER_CONFIRM',
        package_info: 'affffddafdfafddffda==',
      },
    });
    const pay = gateway({ baseUrl: fake.url });

    const result = await pay.payout.createTransfer({ withdrawalId: 'W01', openid: 'oLeader', amountFen: 12345, remark: '5月佣金' });

    expect(result).toEqual({ billNo: '1330000071100999991182020050700019480001', state: 'WAIT_USER_CONFIRM', packageInfo: 'affffddafdfafddffda==' });
    expect(fake.seen[0]).toEqual({
      method: 'POST',
      path: '/v3/fund-app/mch-transfer/transfer-bills',
      body: {
        appid: 'wx1234567890abcdef',
        out_bill_no: 'W01',
        transfer_scene_id: '1005',
        openid: 'oLeader',
        transfer_amount: 12345,
        transfer_remark: '5月佣金',
        notify_url: 'https://api.example.com/pay/transfer-notify',
        user_recv_perception: '劳务报酬',
        transfer_scene_report_infos: [
          { info_type: '岗位类型', info_content: '社区团长' },
          { info_type: '报酬说明', info_content: '5月佣金' },
        ],
      },
    });
  });
});

describe('payment notification', () => {
  it('accepts a correctly signed, fresh notification and decrypts it', async () => {
    const notice = await gateway().payment.parseNotification(notification());
    expect(notice).toEqual({
      orderId: '01JXORDER0000000000000001',
      transactionId: '4200002700202506011234567890',
      amountFen: 2590,
      payerOpenid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      paidAt: '2025-06-01T09:59:30+08:00',
      tradeState: 'SUCCESS',
    });
  });

  it('accepts lower-cased header names (API Gateway) and a timestamp exactly 5 minutes old', async () => {
    const raw = notification({ atMs: NOW - 5 * 60_000 });
    const lowered = Object.fromEntries(Object.entries(raw.headers).map(([k, v]) => [k.toLowerCase(), v]));
    await expect(gateway().payment.parseNotification({ headers: lowered, body: raw.body })).resolves.toMatchObject({ amountFen: 2590 });
  });

  it('refuses a signature made with another key', async () => {
    await expectUnauthenticated(gateway().payment.parseNotification(notification({ signWith: stranger.privateKey })));
  });

  it('refuses an altered body (amount changed after signing)', async () => {
    const raw = notification();
    const body = raw.body.replace('"summary":"支付成功"', '"summary":"支付成功 "');
    expect(body).not.toBe(raw.body);
    await expectUnauthenticated(gateway().payment.parseNotification({ headers: raw.headers, body }));
  });

  it('refuses a 6-minute-old timestamp, and one 6 minutes ahead', async () => {
    await expectUnauthenticated(gateway().payment.parseNotification(notification({ atMs: NOW - 6 * 60_000 })));
    await expectUnauthenticated(gateway().payment.parseNotification(notification({ atMs: NOW + 6 * 60_000 })));
  });

  it('refuses an unknown platform serial even when the signature is otherwise valid', async () => {
    await expectUnauthenticated(gateway().payment.parseNotification(notification({ serial: 'PUB_KEY_ID_UNKNOWN' })));
  });

  it('refuses missing signature headers and a foreign signature type', async () => {
    const raw = notification();
    const { 'Wechatpay-Signature': _dropped, ...withoutSignature } = raw.headers;
    await expectUnauthenticated(gateway().payment.parseNotification({ headers: withoutSignature, body: raw.body }));
    await expectUnauthenticated(gateway().payment.parseNotification({ headers: { ...raw.headers, 'Wechatpay-Signature-Type': 'WECHATPAY2-SM2-WITH-SM3' }, body: raw.body }));
  });

  it('refuses a tampered ciphertext or tag even when the envelope signature is valid', async () => {
    // The signature is remade over the tampered body, so only the AEAD tag check can catch it.
    await expectUnauthenticated(gateway().payment.parseNotification(notification({ editCiphertext: flipByte(0) })));
    await expectUnauthenticated(gateway().payment.parseNotification(notification({ editCiphertext: flipByte(-1) })));
  });

  it('refuses a resource encrypted under other associated data', async () => {
    const raw = notification({ associatedData: 'transaction' });
    const body = raw.body.replace('"associated_data":"transaction"', '"associated_data":"refund"');
    const resigned = { headers: signedHeaders(body, platform.privateKey, PLATFORM_SERIAL, NOW), body };
    await expectUnauthenticated(gateway().payment.parseNotification(resigned));
  });

  it('reports a signed but malformed notification as VALIDATION_FAILED', async () => {
    const body = '{"event_type":"TRANSACTION.SUCCESS"}';
    const raw = { headers: signedHeaders(body, platform.privateKey, PLATFORM_SERIAL, NOW), body };
    await expect(gateway().payment.parseNotification(raw)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const notJson = { headers: signedHeaders('not json', platform.privateKey, PLATFORM_SERIAL, NOW), body: 'not json' };
    await expect(gateway().payment.parseNotification(notJson)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses a transaction of another merchant', async () => {
    const raw = notification({ resource: { ...transaction, mchid: '1900000999' } });
    await expect(gateway().payment.parseNotification(raw)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses a correctly signed transaction for another app, or without mchid or appid', async () => {
    await expect(gateway().payment.parseNotification(notification({ resource: { ...transaction, appid: 'wx0000000000000000' } }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const { mchid: _m, ...noMchid } = transaction;
    await expect(gateway().payment.parseNotification(notification({ resource: noMchid }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const { appid: _a, ...noAppid } = transaction;
    await expect(gateway().payment.parseNotification(notification({ resource: noAppid }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('refund results', () => {
  const refund = {
    mchid: '1900000109',
    out_trade_no: '01JXORDER0000000000000001',
    transaction_id: '4200002700202506011234567890',
    out_refund_no: '01JXORDER0000000000000001-CANCEL',
    refund_id: '50000000382019052709732678859',
    refund_status: 'ABNORMAL',
    user_received_account: '支付用户零钱',
    amount: { total: 2590, refund: 2590, payer_total: 2590, payer_refund: 2590 },
  };
  const refundNotification = (opts: Parameters<typeof notification>[0] = {}) =>
    notification({ eventType: 'REFUND.ABNORMAL', associatedData: 'refund', resource: refund, ...opts });

  it('a refund notification is verified and decrypted like a payment notification', async () => {
    await expect(gateway().payment.parseRefundNotification!(refundNotification())).resolves.toEqual({
      orderId: '01JXORDER0000000000000001',
      refundId: '01JXORDER0000000000000001-CANCEL',
      status: 'ABNORMAL',
      amountFen: 2590,
    });
    await expectUnauthenticated(gateway().payment.parseRefundNotification!(refundNotification({ atMs: NOW - 6 * 60_000 })));
    await expectUnauthenticated(gateway().payment.parseRefundNotification!(refundNotification({ signWith: stranger.privateKey })));
    await expectUnauthenticated(gateway().payment.parseRefundNotification!(refundNotification({ editCiphertext: flipByte(3) })));
    await expect(gateway().payment.parseRefundNotification!(refundNotification({ resource: { ...refund, mchid: '1900000999' } }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // Not a refund event, and a refund event is not a payment.
    await expect(gateway().payment.parseRefundNotification!(notification())).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(gateway().payment.parseNotification(refundNotification())).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('queries a refund with a signed GET and maps its status; an unknown refund is undefined', async () => {
    const answer = { ...refund, refund_status: undefined, status: 'SUCCESS', success_time: '2025-06-01T10:05:00+08:00' };
    const fake = await fakeWechatPay({ '/v3/refund/domestic/refunds/01JXORDER0000000000000001-CANCEL': answer });
    await expect(gateway({ baseUrl: fake.url }).payment.queryRefund!({ orderId: '01JXORDER0000000000000001', refundId: '01JXORDER0000000000000001-CANCEL' })).resolves.toEqual({
      orderId: '01JXORDER0000000000000001',
      refundId: '01JXORDER0000000000000001-CANCEL',
      status: 'SUCCESS',
      amountFen: 2590,
      at: '2025-06-01T10:05:00+08:00',
    });
    expect(fake.seen).toEqual([{ method: 'GET', path: '/v3/refund/domestic/refunds/01JXORDER0000000000000001-CANCEL', body: {} }]);
    const missing = await fakeWechatPay({}, { status: 404 });
    await expect(gateway({ baseUrl: missing.url }).payment.queryRefund!({ orderId: 'o1', refundId: 'R-none' })).resolves.toBeUndefined();
    // An answer about another order's refund is not believed.
    await expect(gateway({ baseUrl: fake.url }).payment.queryRefund!({ orderId: 'o-other', refundId: '01JXORDER0000000000000001-CANCEL' })).rejects.toBeInstanceOf(WechatPayApiError);
  });

  it('refund creation names the refund notify URL when one is configured', async () => {
    const fake = await fakeWechatPay({ '/v3/refund/domestic/refunds': { out_refund_no: 'R1', status: 'PROCESSING' } });
    await gateway({ baseUrl: fake.url, refundNotifyUrl: 'https://api.example.com/pay/refund-notify' }).payment.refund({ orderId: 'o1', refundId: 'R1', amountFen: 1, totalFen: 2, reason: 'x' });
    expect(fake.seen[0]?.body).toMatchObject({ out_refund_no: 'R1', notify_url: 'https://api.example.com/pay/refund-notify' });
  });
});

describe('transfer notification', () => {
  const bill = {
    out_bill_no: 'W01',
    transfer_bill_no: '1330000071100999991182020050700019480001',
    state: 'FAIL',
    mch_id: '1900000109',
    transfer_amount: 12345,
    openid: 'oLeader',
    fail_reason: 'PAYEE_ACCOUNT_ABNORMAL',
    create_time: '2025-06-01T10:00:00+08:00',
    update_time: '2025-06-01T10:01:00+08:00',
  };
  const transferNotification = (opts: Parameters<typeof notification>[0] = {}) =>
    notification({ eventType: 'MCHTRANSFER.BILL.FINISHED', associatedData: 'mch_payment', resource: bill, ...opts });

  it('is verified and decrypted like a payment notification', async () => {
    await expect(gateway().payout.parseNotification(transferNotification())).resolves.toEqual({
      withdrawalId: 'W01',
      billNo: '1330000071100999991182020050700019480001',
      state: 'FAIL',
      amountFen: 12345,
      reason: 'PAYEE_ACCOUNT_ABNORMAL',
    });
    await expectUnauthenticated(gateway().payout.parseNotification(transferNotification({ atMs: NOW - 6 * 60_000 })));
    await expectUnauthenticated(gateway().payout.parseNotification(transferNotification({ signWith: stranger.privateKey })));
    await expectUnauthenticated(gateway().payout.parseNotification(transferNotification({ editCiphertext: flipByte(3) })));
  });

  it('does not take one kind of notification for the other', async () => {
    await expect(gateway().payout.parseNotification(notification())).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(gateway().payment.parseNotification(transferNotification())).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
