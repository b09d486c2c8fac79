/**
 * The local stage's WeChat Pay: a sandbox that owns a platform key pair and an APIv3 key, answers
 * the v3 endpoints the backend calls (through an injected `fetch`), and signs notifications
 * exactly as WeChat Pay sends them. `createWechatPayV3` configured with its `platformKeys`,
 * `apiV3Key` and `fetch` therefore runs the production signing, verification and decryption
 * code locally; only the network and WeChat's ledger are simulated.
 *
 * Several local processes (API server, jobs, test runner) share one sandbox identity through the
 * `dir` option; ids the sandbox issues are derived from the merchant's ids, so a notification
 * signed in one process matches what the transport answered in another. Refunds are kept in a
 * small ledger (in `refundsDir` when given) so a refund query or a refund notification signed in
 * one process knows what another process asked for. A refund answers SUCCESS at once unless
 * `setRefundAnswer('PROCESSING')`; `settleRefund` gives it a final state and signs the
 * REFUND.* notification WeChat Pay would send.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBizIso } from '#domain/time';
import type { RawNotification, RefundStatus, TransferNotice } from '#ports/payment';
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
import { renderTradeBill, type TradeBillRow } from '#adapters/wechat/trade-bill';

export interface SandboxWechatPayOptions {
  appId: string;
  mchId: string;
  /** Defaults to one persisted in `dir`, or a random one. */
  apiV3Key?: string;
  /** Where the platform key and the APIv3 key are kept (created when absent), e.g. `.local/sandbox-pay`. */
  dir?: string;
  /** Where the refund ledger is kept (one file per refund) so several processes share it; in memory when absent. */
  refundsDir?: string;
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
  /** How new refunds are answered: SUCCESS at once (default) or PROCESSING until `settleRefund`. */
  setRefundAnswer(status: 'SUCCESS' | 'PROCESSING'): void;
  /** The refund the sandbox was asked for, as its ledger holds it. */
  refundOf(refundId: string): SandboxRefund | undefined;
  /** Gives a refund its final state and signs the REFUND.* notification for it (the refund must exist). */
  settleRefund(input: { refundId: string; status: Exclude<RefundStatus, 'PROCESSING'> }): RawNotification & { headers: Record<string, string> };
  /** Writes the day's trade bill from the sandbox's records (payments it signed, refunds it was asked for); `tamper` changes one line's amount. */
  writeBill(date: string, tamper?: { outTradeNo: string; amountFen: number }): { lines: number };
  /** Any notification, signed and encrypted as WeChat Pay does (tests forge well-signed ones with it). */
  signedEvent(eventType: string, originalType: string, resource: unknown): RawNotification & { headers: Record<string, string> };
}

export interface SandboxRefund {
  orderId: string;
  refundId: string;
  amountFen: number;
  totalFen: number;
  status: RefundStatus;
  createdAt: string;
  successAt?: string;
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
  const refundIdFor = (refundNo: string) => `5030000${derivedDigits(`refund:${refundNo}`, 22)}`;
  const ledger = refundLedger(options.refundsDir);
  const payments = fileLedger<SandboxPayment>(options.dir ? join(options.dir, 'payments') : undefined);
  const bills = fileLedger<{ date: string; text: string }>(options.dir ? join(options.dir, 'bills') : undefined);
  let refundAnswer: 'SUCCESS' | 'PROCESSING' = 'SUCCESS';

  const sandboxFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = await request.text();
    if (merchantKey && !verifiesMerchant(request.method, url.pathname + url.search, body, request.headers.get('authorization') ?? undefined, merchantKey)) {
      return answer(401, { code: 'SIGN_ERROR', message: 'signature does not verify' });
    }
    let payload: Record<string, unknown>;
    try {
      payload = request.method === 'GET' ? {} : (JSON.parse(body) as Record<string, unknown>);
    } catch {
      return answer(400, { code: 'PARAM_ERROR', message: 'body is not JSON' });
    }
    const route = `${request.method} ${url.pathname}`;
    if (route === `POST ${PATHS.jsapiPrepay}`) return prepay(payload);
    if (route === `POST ${PATHS.refunds}`) return refund(payload);
    if (request.method === 'GET' && url.pathname.startsWith(`${PATHS.refunds}/`)) return queryRefund(decodeURIComponent(url.pathname.slice(PATHS.refunds.length + 1)));
    if (route === `POST ${PATHS.transferBills}`) return transfer(payload);
    if (route === `GET ${PATHS.tradeBill}`) return tradeBill(url.searchParams.get('bill_date') ?? '', url.origin);
    if (route === `GET ${PATHS.billDownload}`) {
      const bill = bills.get(url.searchParams.get('token') ?? '');
      return bill ? new Response(bill.text, { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' } }) : answer(404, { code: 'RESOURCE_NOT_EXISTS', message: '账单不存在' });
    }
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
    // The same out_refund_no again is the same refund (WeChat Pay answers it as it stands).
    const at = toBizIso(now());
    const known =
      ledger.get(p.out_refund_no) ??
      ledger.put({
        orderId: p.out_trade_no,
        refundId: p.out_refund_no,
        amountFen: amount.refund,
        totalFen: amount.total,
        status: refundAnswer,
        createdAt: at,
        ...(refundAnswer === 'SUCCESS' ? { successAt: at } : {}),
      });
    return answer(200, refundBody(known));
  }

  function queryRefund(refundNo: string): Response {
    const known = ledger.get(refundNo);
    return known ? answer(200, refundBody(known)) : answer(404, { code: 'RESOURCE_NOT_EXISTS', message: '退款单不存在' });
  }

  function refundBody(r: SandboxRefund) {
    return {
      refund_id: refundIdFor(r.refundId),
      out_refund_no: r.refundId,
      transaction_id: transactionIdFor(r.orderId),
      out_trade_no: r.orderId,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      status: r.status,
      create_time: r.createdAt,
      ...(r.successAt ? { success_time: r.successAt } : {}),
      amount: { total: r.totalFen, refund: r.amountFen, payer_total: r.totalFen, payer_refund: r.amountFen, currency: 'CNY' },
    };
  }

  /** WeChat Pay answers a day without a bill with 400 NO_STATEMENT_EXIST. */
  function tradeBill(date: string, origin: string): Response {
    const bill = /^\d{4}-\d{2}-\d{2}$/.test(date) ? bills.get(date) : undefined;
    if (!bill) return answer(400, { code: 'NO_STATEMENT_EXIST', message: '账单文件不存在' });
    const hash = createHash('sha1').update(bill.text).digest('hex');
    return answer(200, { hash_type: 'SHA1', hash_value: hash, download_url: `${origin}${PATHS.billDownload}?token=${date}` });
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
    setRefundAnswer(status) {
      refundAnswer = status;
    },
    refundOf: (refundId) => ledger.get(refundId),
    signedEvent: (eventType, originalType, resource) => signed(envelope(eventType, eventType, originalType, resource)),

    settleRefund({ refundId, status }) {
      const known = ledger.get(refundId);
      if (!known) throw new Error(`the sandbox knows no refund ${refundId}`);
      const at = toBizIso(now());
      const settled = ledger.put({ ...known, status, ...(status === 'SUCCESS' ? { successAt: at } : {}) });
      const resource = {
        mchid: options.mchId,
        out_trade_no: settled.orderId,
        transaction_id: transactionIdFor(settled.orderId),
        out_refund_no: settled.refundId,
        refund_id: refundIdFor(settled.refundId),
        refund_status: status,
        ...(settled.successAt ? { success_time: settled.successAt } : {}),
        user_received_account: '支付用户零钱',
        amount: { total: settled.totalFen, refund: settled.amountFen, payer_total: settled.totalFen, payer_refund: settled.amountFen },
      };
      const summary = { SUCCESS: '退款成功', ABNORMAL: '退款异常', CLOSED: '退款关闭' }[status];
      return signed(envelope(`REFUND.${status}`, summary, 'refund', resource));
    },

    writeBill(date, tamper) {
      const wall = (iso: string) => toBizIso(iso).slice(0, 19).replace('T', ' ');
      const rows: TradeBillRow[] = [];
      for (const p of payments.all()) {
        if (wall(p.paidAt).slice(0, 10) !== date) continue;
        rows.push({ kind: 'PAYMENT', outTradeNo: p.orderId, amountFen: p.amountFen, at: wall(p.paidAt), transactionId: p.transactionId, appId: options.appId, mchId: options.mchId, openid: p.openid });
      }
      for (const r of ledger.all()) {
        if (r.status !== 'SUCCESS' && r.status !== 'PROCESSING') continue;
        if (wall(r.createdAt).slice(0, 10) !== date) continue;
        rows.push({ kind: 'REFUND', outTradeNo: r.orderId, outRefundNo: r.refundId, refundNo: refundIdFor(r.refundId), amountFen: r.amountFen, at: wall(r.createdAt), transactionId: transactionIdFor(r.orderId), appId: options.appId, mchId: options.mchId });
      }
      rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      if (tamper) {
        const line = rows.find((r) => r.outTradeNo === tamper.outTradeNo);
        if (!line) throw new Error(`the sandbox's bill of ${date} has no line for ${tamper.outTradeNo}`);
        line.amountFen = tamper.amountFen;
      }
      bills.put(date, { date, text: renderTradeBill(rows) });
      return { lines: rows.length };
    },

    signedPaymentNotification(input) {
      const successTime = toBizIso(input.paidAt ? Date.parse(input.paidAt) : now());
      const transactionId = input.transactionId ?? transactionIdFor(input.orderId);
      // The sandbox's own record of the payment (its trade bill lists it); a re-sent notification is the same payment.
      if (!payments.get(transactionId)) payments.put(transactionId, { orderId: input.orderId, transactionId, amountFen: input.amountFen, paidAt: successTime, openid: input.openid });
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

interface SandboxPayment {
  orderId: string;
  transactionId: string;
  amountFen: number;
  paidAt: string;
  openid: string;
}

/** Records by id: in memory, or in `folder` (one file each) when several processes share them. */
function fileLedger<T>(folder: string | undefined) {
  const memory = new Map<string, T>();
  const fileOf = (id: string) => join(folder!, `${Buffer.from(id).toString('hex')}.json`);
  return {
    get(id: string): T | undefined {
      if (!folder) return memory.get(id);
      try {
        return JSON.parse(readFileSync(fileOf(id), 'utf8')) as T;
      } catch {
        return undefined;
      }
    },
    put(id: string, value: T): void {
      if (!folder) return void memory.set(id, value);
      mkdirSync(folder, { recursive: true });
      const tmp = `${fileOf(id)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      writeFileSync(tmp, JSON.stringify(value));
      renameSync(tmp, fileOf(id));
    },
    all(): T[] {
      if (!folder) return [...memory.values()];
      let names: string[];
      try {
        names = readdirSync(folder).filter((n) => n.endsWith('.json'));
      } catch {
        return [];
      }
      return names.flatMap((n) => {
        try {
          return [JSON.parse(readFileSync(join(folder, n), 'utf8')) as T];
        } catch {
          return [];
        }
      });
    },
  };
}

/** The sandbox's refunds, by refund id (fileLedger): `put` answers the refund it kept. */
function refundLedger(folder: string | undefined) {
  const files = fileLedger<SandboxRefund>(folder);
  return {
    all: (): SandboxRefund[] => files.all(),
    get: (refundId: string): SandboxRefund | undefined => files.get(refundId),
    put(refund: SandboxRefund): SandboxRefund {
      files.put(refund.refundId, refund);
      return refund;
    },
  };
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
