/**
 * The local stage's WeChat Pay: a sandbox that owns a platform key pair and an APIv3 key, answers
 * the v3 endpoints the backend calls (through an injected `fetch`), and signs notifications
 * exactly as WeChat Pay sends them. `createWechatPayV3` configured with its `platformKeys`,
 * `apiV3Key` and `fetch` therefore runs the production signing, verification and decryption
 * code locally; only the network and WeChat's ledger are simulated.
 *
 * Several local processes (API server, jobs, test runner) share one sandbox identity through the
 * `dir` option; ids the sandbox issues are derived from the merchant's ids, so a notification
 * signed in one process matches what the transport answered in another.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBizIso } from '#domain/time';
import type { RawNotification, TransferNotice } from '#ports/payment';
import {
  assertApiV3Key,
  encryptResource,
  parseAuthorization,
  privateKeyOf,
  publicKeyOf,
  rsaVerify,
  signedHeaders,
  signedLines,
} from '#adapters/wechat/pay-v3-crypto';
import { PATHS, TRANSFER_FINISHED_EVENT } from '#adapters/wechat/pay-v3';

export interface SandboxWechatPayOptions {
  appId: string;
  mchId: string;
  /** Defaults to one persisted in `dir`, or a random one. */
  apiV3Key?: string;
  /** Where the platform key and the APIv3 key are kept (created when absent), e.g. `.local/sandbox-pay`. */
  dir?: string;
  /** When given, requests whose Authorization does not verify are answered 401 SIGN_ERROR. */
  merchantPublicKeyPem?: string;
  now?: () => number;
}

export interface PaymentNotificationInput {
  orderId: string;
  amountFen: number;
  openid: string;
  /** Defaults to one derived from orderId (WeChat re-sends the same transaction). */
  transactionId?: string;
  /** ISO time; defaults to now. */
  paidAt?: string;
}

export interface TransferNotificationInput {
  withdrawalId: string;
  /** Defaults to the transfer_bill_no the sandbox issued for this withdrawal. */
  billNo?: string;
  amountFen: number;
  state: TransferNotice['state'];
  openid?: string;
  failReason?: string;
}

export interface SandboxWechatPay {
  serial: string;
  /** Pass to createWechatPayV3 as `platformKeys`. */
  platformKeys: Record<string, string>;
  apiV3Key: string;
  /** Pass to createWechatPayV3 as `fetch`. */
  fetch: typeof fetch;
  signedPaymentNotification(input: PaymentNotificationInput): RawNotification & { headers: Record<string, string> };
  signedTransferNotification(input: TransferNotificationInput): RawNotification & { headers: Record<string, string> };
  /** The transfer_bill_no issued for a withdrawal (out_bill_no). */
  billNoFor(withdrawalId: string): string;
}

const PRIVATE_KEY_FILE = 'platform-private-key.pem';
const API_V3_KEY_FILE = 'api-v3-key';

/** Creates (or loads from `dir`) the sandbox's identity and its transport. */
export function createSandboxWechatPay(options: SandboxWechatPayOptions): SandboxWechatPay {
  const now = options.now ?? (() => Date.now());
  const privatePem = options.dir ? loadOrCreate(options.dir, PRIVATE_KEY_FILE, newPrivateKeyPem) : newPrivateKeyPem();
  const apiV3Key = options.apiV3Key ?? (options.dir ? loadOrCreate(options.dir, API_V3_KEY_FILE, newApiV3Key) : newApiV3Key()).trim();
  assertApiV3Key(apiV3Key);
  const platformKey = privateKeyOf(privatePem);
  const publicPem = publicKeyOf(platformKey).export({ type: 'spki', format: 'pem' }).toString();
  const serial = `SANDBOX${digest(publicPem).slice(0, 33).toUpperCase()}`;
  const merchantKey = options.merchantPublicKeyPem ? publicKeyOf(options.merchantPublicKeyPem) : undefined;

  const signed = (body: string) => ({ headers: { 'Content-Type': 'application/json', ...signedHeaders(body, platformKey, serial, now()) }, body });
  const billNoFor = (withdrawalId: string) => `1330000${derivedDigits(`bill:${withdrawalId}`, 20)}`;
  const transactionIdFor = (orderId: string) => `4200000${derivedDigits(`trade:${orderId}`, 21)}`;

  const sandboxFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = await request.text();
    if (merchantKey && !verifiesMerchant(request.method, url.pathname + url.search, body, request.headers.get('authorization') ?? undefined, merchantKey)) {
      return answer(401, { code: 'SIGN_ERROR', message: 'signature does not verify' });
    }
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return answer(400, { code: 'PARAM_ERROR', message: 'body is not JSON' });
    }
    const route = `${request.method} ${url.pathname}`;
    if (route === `POST ${PATHS.jsapiPrepay}`) return prepay(payload);
    if (route === `POST ${PATHS.refunds}`) return refund(payload);
    if (route === `POST ${PATHS.transferBills}`) return transfer(payload);
    return answer(404, { code: 'NOT_FOUND', message: `sandbox does not serve ${route}` });
  };

  function answer(status: number, payload: unknown): Response {
    const { headers, body } = signed(JSON.stringify(payload));
    return new Response(body, { status, headers: { ...headers, 'Request-ID': randomUUID() } });
  }

  function prepay(p: Record<string, unknown>): Response {
    const amount = p.amount as { total?: unknown } | undefined;
    const payer = p.payer as { openid?: unknown } | undefined;
    if (typeof p.out_trade_no !== 'string' || !isPositiveInt(amount?.total) || typeof payer?.openid !== 'string' || p.appid !== options.appId || p.mchid !== options.mchId) {
      return answer(400, { code: 'PARAM_ERROR', message: 'invalid prepay request' });
    }
    return answer(200, { prepay_id: `wx_sandbox_${randomBytes(12).toString('hex')}` });
  }

  function refund(p: Record<string, unknown>): Response {
    const amount = p.amount as { refund?: unknown; total?: unknown } | undefined;
    if (typeof p.out_trade_no !== 'string' || typeof p.out_refund_no !== 'string' || !isPositiveInt(amount?.refund) || !isPositiveInt(amount?.total) || amount.refund > amount.total) {
      return answer(400, { code: 'PARAM_ERROR', message: 'invalid refund request' });
    }
    const at = toBizIso(now());
    return answer(200, {
      refund_id: `5030000${derivedDigits(`refund:${p.out_refund_no}`, 22)}`,
      out_refund_no: p.out_refund_no,
      transaction_id: transactionIdFor(p.out_trade_no),
      out_trade_no: p.out_trade_no,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      status: 'SUCCESS',
      create_time: at,
      success_time: at,
      amount: { total: amount.total, refund: amount.refund, payer_total: amount.total, payer_refund: amount.refund, currency: 'CNY' },
    });
  }

  function transfer(p: Record<string, unknown>): Response {
    const reports = p.transfer_scene_report_infos;
    if (typeof p.out_bill_no !== 'string' || typeof p.openid !== 'string' || !isPositiveInt(p.transfer_amount) || typeof p.transfer_scene_id !== 'string' || !Array.isArray(reports) || reports.length === 0) {
      return answer(400, { code: 'PARAM_ERROR', message: 'invalid transfer request' });
    }
    return answer(200, {
      out_bill_no: p.out_bill_no,
      transfer_bill_no: billNoFor(p.out_bill_no),
      create_time: toBizIso(now()),
      state: 'WAIT_USER_CONFIRM',
      package_info: `sandbox_package_${randomBytes(16).toString('base64url')}`,
    });
  }

  return {
    serial,
    platformKeys: { [serial]: publicPem },
    apiV3Key,
    fetch: sandboxFetch,
    billNoFor,

    signedPaymentNotification(input) {
      const successTime = toBizIso(input.paidAt ? Date.parse(input.paidAt) : now());
      const transaction = {
        appid: options.appId,
        mchid: options.mchId,
        out_trade_no: input.orderId,
        transaction_id: input.transactionId ?? transactionIdFor(input.orderId),
        trade_type: 'JSAPI',
        trade_state: 'SUCCESS',
        trade_state_desc: '支付成功',
        bank_type: 'OTHERS',
        attach: '',
        success_time: successTime,
        payer: { openid: input.openid },
        amount: { total: input.amountFen, payer_total: input.amountFen, currency: 'CNY', payer_currency: 'CNY' },
      };
      return signed(envelope('TRANSACTION.SUCCESS', '支付成功', 'transaction', transaction));
    },

    signedTransferNotification(input) {
      const at = toBizIso(now());
      const bill = {
        mch_id: options.mchId,
        out_bill_no: input.withdrawalId,
        transfer_bill_no: input.billNo ?? billNoFor(input.withdrawalId),
        transfer_amount: input.amountFen,
        state: input.state,
        ...(input.openid ? { openid: input.openid } : {}),
        ...(input.failReason ? { fail_reason: input.failReason } : {}),
        create_time: at,
        update_time: at,
      };
      return signed(envelope(TRANSFER_FINISHED_EVENT, '商家转账单据终态通知', 'mch_payment', bill));
    },
  };

  function envelope(eventType: string, summary: string, originalType: string, resource: unknown): string {
    return JSON.stringify({
      id: randomUUID(),
      create_time: toBizIso(now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: { original_type: originalType, ...encryptResource(JSON.stringify(resource), apiV3Key, originalType) },
    });
  }
}

function verifiesMerchant(method: string, url: string, body: string, authorization: string | undefined, key: KeyObject): boolean {
  const f = parseAuthorization(authorization);
  if (!f?.timestamp || !f.nonce_str || !f.signature) return false;
  return rsaVerify(signedLines(method, url, f.timestamp, f.nonce_str, body), f.signature, key);
}

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** `n` decimal digits derived from a seed: stable ids across processes and retries. */
const derivedDigits = (seed: string, n: number) => BigInt(`0x${digest(seed)}`).toString().slice(0, n).padStart(n, '0');

const newPrivateKeyPem = (): string =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** 32 ASCII characters, the shape of a real APIv3 key. */
const newApiV3Key = (): string => randomBytes(16).toString('hex');

/**
 * Reads `dir/name`, creating it first when absent. Creation links a complete temporary file into
 * place, so concurrent processes never read a half-written key and all end up with the same one.
 */
function loadOrCreate(dir: string, name: string, create: () => string): string {
  const file = join(dir, name);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, create(), { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(tmp);
  }
  return readFileSync(file, 'utf8');
}
