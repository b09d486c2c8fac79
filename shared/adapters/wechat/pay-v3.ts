/**
 * WeChat Pay API v3 (direct merchant) for the AWS stage, with node:crypto only: JSAPI prepay and
 * the wx.requestPayment signature, refunds, the merchant transfer (商家转账, 2025 version) for
 * leader withdrawals, refund queries, and verified, decrypted notifications of payments, refunds
 * and transfers.
 *
 * The transport is injected (`fetch`) so tests and the local sandbox answer it without network;
 * the sandbox signs with its own platform key, so the verification below is the one that runs
 * on every stage.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parseTradeBill } from './trade-bill.ts';
import * as z from 'zod/mini';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import type {
  BillLine,
  PaymentGateway,
  PaymentNotice,
  PaymentParams,
  PayoutGateway,
  PrepayInput,
  RawNotification,
  RefundInput,
  RefundNotice,
  RefundResult,
  TransferInput,
  TransferNotice,
  TransferResult,
} from '#ports/payment';
import {
  assertApiV3Key,
  decryptResource,
  privateKeyOf,
  publicKeyOf,
  randomNonce,
  requestAuthorization,
  rsaSign,
  signedLines,
  verifySignedMessage,
} from './pay-v3-crypto.ts';

export const WECHAT_PAY_BASE_URL = 'https://api.mch.weixin.qq.com';
export const PATHS = {
  jsapiPrepay: '/v3/pay/transactions/jsapi',
  refunds: '/v3/refund/domestic/refunds',
  transferBills: '/v3/fund-app/mch-transfer/transfer-bills',
  tradeBill: '/v3/bill/tradebill',
  billDownload: '/v3/billdownload/file',
} as const;
export const TRANSFER_FINISHED_EVENT = 'MCHTRANSFER.BILL.FINISHED';
/** Refund-result notifications: REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED. */
export const REFUND_EVENTS = ['REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED'] as const;

/** A scene report line of the merchant transfer (转账场景报备信息). */
export interface TransferSceneReportInfo {
  info_type: string;
  info_content: string;
}

export interface TransferScene {
  /** transfer_scene_id approved for the merchant. */
  id: string;
  reportInfos: (input: TransferInput) => TransferSceneReportInfo[];
  /** user_recv_perception; omitted when undefined (WeChat shows the scene's default). */
  userRecvPerception?: string;
}

/** Leader commission is scene 1005 (佣金报酬), which requires 岗位类型 and 报酬说明. */
export const COMMISSION_TRANSFER_SCENE: TransferScene = {
  id: '1005',
  reportInfos: (input) => [
    { info_type: '岗位类型', info_content: '社区团长' },
    { info_type: '报酬说明', info_content: clip(input.remark, 32) || '团长佣金' },
  ],
  userRecvPerception: '劳务报酬',
};

export interface WechatPayV3Options {
  appId: string;
  mchId: string;
  /** Serial number of the merchant API certificate (signs our requests). */
  merchantSerial: string;
  merchantPrivateKeyPem: string;
  /** The 32-byte APIv3 key that encrypts notification resources. */
  apiV3Key: string;
  /** Public keys by serial: platform certificates' keys or the WeChat Pay public key (PUB_KEY_ID_…). */
  platformKeys: Record<string, string>;
  notifyUrl: string;
  /** Where WeChat Pay sends refund results (REFUND.*); without it only polling learns them. */
  refundNotifyUrl?: string;
  transferNotifyUrl: string;
  transferScene?: TransferScene;
  baseUrl?: string;
  fetch?: typeof fetch;
  now: () => number;
  /** Per request; WeChat Pay normally answers within a second. */
  timeoutMs?: number;
}

/** The two ports one merchant account serves (each has its own `parseNotification`). */
export interface WechatPayV3 {
  payment: PaymentGateway;
  payout: PayoutGateway;
}

/** A failed WeChat Pay call: the HTTP status and WeChat's error `code`, never request data or keys. */
export class WechatPayApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    operation: string,
  ) {
    super(`wechat pay ${operation} failed: ${status} ${code}`);
    this.name = 'WechatPayApiError';
  }
}

const TRADE_STATES = ['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR'] as const;
const TRANSFER_STATES = ['SUCCESS', 'FAIL', 'CANCELLED', 'WAIT_USER_CONFIRM', 'ACCEPTED', 'PROCESSING', 'TRANSFERING', 'CANCELING'] as const;
const amountFen = () => z.int().check(z.minimum(0));

const notificationSchema = z.object({
  id: z.optional(z.string()),
  create_time: z.optional(z.string()),
  event_type: z.string(),
  resource: z.object({
    algorithm: z.string(),
    ciphertext: z.string(),
    associated_data: z.optional(z.string()),
    nonce: z.string(),
    original_type: z.optional(z.string()),
  }),
});

const transactionSchema = z.object({
  appid: z.string(),
  mchid: z.string(),
  out_trade_no: z.string().check(z.minLength(1)),
  transaction_id: z.string().check(z.minLength(1)),
  trade_state: z.enum(TRADE_STATES),
  success_time: z.optional(z.string()),
  payer: z.optional(z.object({ openid: z.optional(z.string()) })),
  amount: z.object({ total: amountFen() }),
});

const transferBillSchema = z.object({
  mch_id: z.optional(z.string()),
  mchid: z.optional(z.string()),
  out_bill_no: z.string().check(z.minLength(1)),
  transfer_bill_no: z.string().check(z.minLength(1)),
  state: z.enum(TRANSFER_STATES),
  transfer_amount: amountFen(),
  fail_reason: z.optional(z.string()),
});

const REFUND_STATES = ['SUCCESS', 'CLOSED', 'PROCESSING', 'ABNORMAL'] as const;
/** A refund as the query answers it and as a refund notification carries it (`refund_status` there). */
const billSchema = z.object({ hash_type: z.optional(z.string()), hash_value: z.optional(z.string()), download_url: z.string() });

const refundSchema = z.object({
  mchid: z.optional(z.string()),
  out_trade_no: z.string().check(z.minLength(1)),
  out_refund_no: z.string().check(z.minLength(1)),
  status: z.optional(z.enum(REFUND_STATES)),
  refund_status: z.optional(z.enum(REFUND_STATES)),
  success_time: z.optional(z.string()),
  amount: z.object({ refund: amountFen(), total: z.optional(amountFen()) }),
});

const prepayResponse = z.object({ prepay_id: z.string().check(z.minLength(1)) });
const refundResponse = z.object({ out_refund_no: z.string(), status: z.string() });
const transferResponse = z.object({
  out_bill_no: z.string(),
  transfer_bill_no: z.string(),
  state: z.string(),
  package_info: z.optional(z.string()),
});

/** Creates the WeChat Pay v3 payment and payout gateways of one merchant. */
export function createWechatPayV3(options: WechatPayV3Options): WechatPayV3 {
  assertApiV3Key(options.apiV3Key);
  const merchantKey = privateKeyOf(options.merchantPrivateKeyPem);
  const platformKeys: ReadonlyMap<string, KeyObject> = new Map(Object.entries(options.platformKeys).map(([serial, pem]) => [serial, publicKeyOf(pem)]));
  if (platformKeys.size === 0) throw new Error('wechat pay needs at least one platform key');
  const baseUrl = (options.baseUrl ?? WECHAT_PAY_BASE_URL).replace(/\/$/, '');
  const transport = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const scene = options.transferScene ?? COMMISSION_TRANSFER_SCENE;

  /** POSTs signed JSON and returns the verified JSON answer. */
  const post = <T>(path: string, payload: unknown, schema: z.ZodMiniType<T>): Promise<T> => call('POST', path, JSON.stringify(payload), schema);

  /** Sends a signed request (GET has an empty body) and returns the verified JSON answer. */
  async function call<T>(method: 'GET' | 'POST', path: string, body: string, schema: z.ZodMiniType<T>): Promise<T> {
    const operation = `${method} ${path}`;
    const authorization = requestAuthorization({
      mchId: options.mchId,
      serial: options.merchantSerial,
      key: merchantKey,
      method,
      url: path,
      body,
      timestamp: String(Math.floor(options.now() / 1000)),
      nonce: randomNonce(),
    });
    let response: Response;
    let text: string;
    try {
      response = await transport(`${baseUrl}${path}`, {
        method,
        headers: {
          Accept: 'application/json',
          ...(method === 'POST' ? { 'Content-Type': 'application/json' } : {}),
          'User-Agent': 'groupbuy-wechatpay-v3',
          Authorization: authorization,
        },
        ...(method === 'POST' ? { body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch {
      throw new WechatPayApiError(0, 'NETWORK_ERROR', operation);
    }
    if (!response.ok) throw new WechatPayApiError(response.status, errorCodeOf(text), operation);
    try {
      // Responses are signed like notifications; freshness is the connection's, so no timestamp check.
      verifySignedMessage({ headers: Object.fromEntries(response.headers), body: text }, platformKeys, { nowMs: options.now(), checkTimestamp: false });
    } catch {
      throw new WechatPayApiError(response.status, 'RESPONSE_SIGNATURE_INVALID', operation);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new WechatPayApiError(response.status, 'UNEXPECTED_RESPONSE', operation);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new WechatPayApiError(response.status, 'UNEXPECTED_RESPONSE', operation);
    return parsed.data;
  }

  /** Verifies and decrypts a notification of the expected kind. */
  function openNotification(raw: RawNotification, isExpected: (eventType: string) => boolean): { createTime?: string; resource: unknown } {
    verifySignedMessage(raw, platformKeys, { nowMs: options.now(), checkTimestamp: true });
    const envelope = notificationSchema.safeParse(parseJson(raw.body));
    if (!envelope.success) throw new AppError('VALIDATION_FAILED', 'malformed wechat pay notification');
    if (!isExpected(envelope.data.event_type)) throw new AppError('VALIDATION_FAILED', 'unexpected wechat pay notification type', { eventType: envelope.data.event_type });
    const resource = parseJson(decryptResource(envelope.data.resource, options.apiV3Key));
    return { createTime: envelope.data.create_time, resource };
  }

  const payment: PaymentGateway = {
    async prepay(input: PrepayInput): Promise<PaymentParams> {
      assertPositiveFen(input.amountFen);
      const expiresAtMs = Date.parse(input.expiresAt);
      if (!Number.isFinite(expiresAtMs)) throw new AppError('VALIDATION_FAILED', 'expiresAt must be an ISO time');
      if (expiresAtMs <= options.now()) throw new AppError('INVALID_STATE', 'the payment window has closed');
      const { prepay_id } = await post(
        PATHS.jsapiPrepay,
        {
          appid: options.appId,
          mchid: options.mchId,
          description: clip(input.description, 127) || input.orderId,
          out_trade_no: input.orderId,
          time_expire: toBizIso(expiresAtMs),
          notify_url: options.notifyUrl,
          amount: { total: input.amountFen, currency: 'CNY' },
          payer: { openid: input.openid },
        },
        prepayResponse,
      );
      const timeStamp = String(Math.floor(options.now() / 1000));
      const nonceStr = randomNonce();
      const pkg = `prepay_id=${prepay_id}`;
      return { timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign: rsaSign(signedLines(options.appId, timeStamp, nonceStr, pkg), merchantKey) };
    },

    async parseNotification(raw: RawNotification): Promise<PaymentNotice> {
      const { createTime, resource } = openNotification(raw, (t) => t.startsWith('TRANSACTION.'));
      const parsed = transactionSchema.safeParse(resource);
      if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'malformed wechat pay transaction');
      const t = parsed.data;
      // Signed by WeChat Pay is not enough: the payment must be to this merchant, for this app.
      if (t.mchid !== options.mchId) throw new AppError('VALIDATION_FAILED', 'notification for another merchant');
      if (t.appid !== options.appId) throw new AppError('VALIDATION_FAILED', 'notification for another app');
      const paidAt = t.success_time ?? createTime;
      if (!paidAt) throw new AppError('VALIDATION_FAILED', 'notification without a time');
      return {
        orderId: t.out_trade_no,
        transactionId: t.transaction_id,
        amountFen: t.amount.total,
        ...(t.payer?.openid ? { payerOpenid: t.payer.openid } : {}),
        paidAt,
        tradeState: t.trade_state,
      };
    },

    async refund(input: RefundInput): Promise<RefundResult> {
      assertPositiveFen(input.amountFen);
      assertPositiveFen(input.totalFen);
      if (input.amountFen > input.totalFen) throw new AppError('VALIDATION_FAILED', 'refund exceeds the paid amount');
      const reason = clip(input.reason, 80);
      const answer = await post(
        PATHS.refunds,
        {
          out_trade_no: input.orderId,
          out_refund_no: input.refundId,
          ...(reason ? { reason } : {}),
          ...(options.refundNotifyUrl ? { notify_url: options.refundNotifyUrl } : {}),
          amount: { refund: input.amountFen, total: input.totalFen, currency: 'CNY' },
        },
        refundResponse,
      );
      // CLOSED / ABNORMAL at creation need a person (e.g. the buyer's card was closed).
      if (answer.status !== 'SUCCESS' && answer.status !== 'PROCESSING') throw new WechatPayApiError(200, `REFUND_${answer.status}`, `POST ${PATHS.refunds}`);
      return { refundId: answer.out_refund_no, status: answer.status };
    },

    async queryRefund(input: { orderId: string; refundId: string }): Promise<RefundNotice | undefined> {
      const path = `${PATHS.refunds}/${encodeURIComponent(input.refundId)}`;
      let answer: z.infer<typeof refundSchema>;
      try {
        answer = await call('GET', path, '', refundSchema);
      } catch (e) {
        if (e instanceof WechatPayApiError && e.status === 404) return undefined; // RESOURCE_NOT_EXISTS: never reached WeChat Pay
        throw e;
      }
      return refundNoticeOf(answer, input.orderId);
    },

    /** The trade bill (ALL) of a day: the signed bill request, then the file from its download_url, checked against its hash. */
    async downloadBill(date: string): Promise<BillLine[] | undefined> {
      let bill: z.infer<typeof billSchema>;
      try {
        bill = await call('GET', `${PATHS.tradeBill}?bill_date=${encodeURIComponent(date)}&bill_type=ALL`, '', billSchema);
      } catch (e) {
        if (e instanceof WechatPayApiError && e.code === 'NO_STATEMENT_EXIST') return undefined;
        throw e;
      }
      const url = new URL(bill.download_url);
      const path = url.pathname + url.search;
      const authorization = requestAuthorization({ mchId: options.mchId, serial: options.merchantSerial, key: merchantKey, method: 'GET', url: path, body: '', timestamp: String(Math.floor(options.now() / 1000)), nonce: randomNonce() });
      let text: string;
      try {
        const response = await transport(bill.download_url, { method: 'GET', headers: { Authorization: authorization, 'User-Agent': 'groupbuy-wechatpay-v3' }, signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) throw new WechatPayApiError(response.status, 'BILL_DOWNLOAD_FAILED', `GET ${PATHS.billDownload}`);
        const bytes = Buffer.from(await response.arrayBuffer());
        const plain = response.headers.get('content-encoding') === 'gzip' || (bytes[0] === 0x1f && bytes[1] === 0x8b) ? gunzipSync(bytes) : bytes;
        if (bill.hash_value && createHash(bill.hash_type === 'SHA1' ? 'sha1' : 'sha256').update(plain).digest('hex') !== bill.hash_value.toLowerCase())
          throw new WechatPayApiError(response.status, 'BILL_HASH_MISMATCH', `GET ${PATHS.billDownload}`);
        text = plain.toString('utf8');
      } catch (e) {
        if (e instanceof WechatPayApiError) throw e;
        throw new WechatPayApiError(0, 'NETWORK_ERROR', `GET ${PATHS.billDownload}`);
      }
      return parseTradeBill(text);
    },

    async parseRefundNotification(raw: RawNotification): Promise<RefundNotice> {
      const { resource } = openNotification(raw, (t) => (REFUND_EVENTS as readonly string[]).includes(t));
      const parsed = refundSchema.safeParse(resource);
      if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'malformed wechat pay refund');
      if (parsed.data.mchid !== options.mchId) throw new AppError('VALIDATION_FAILED', 'notification for another merchant');
      return refundNoticeOf(parsed.data);
    },
  };

  /** The refund's state; the order it belongs to must be the one asked about, when one was. */
  function refundNoticeOf(r: z.infer<typeof refundSchema>, orderId?: string): RefundNotice {
    const status = r.refund_status ?? r.status;
    if (!status) throw new AppError('VALIDATION_FAILED', 'wechat pay refund without a status');
    if (orderId !== undefined && r.out_trade_no !== orderId) throw new WechatPayApiError(200, 'REFUND_OF_ANOTHER_ORDER', `GET ${PATHS.refunds}`);
    return { orderId: r.out_trade_no, refundId: r.out_refund_no, status, amountFen: r.amount.refund, ...(r.success_time ? { at: r.success_time } : {}) };
  }

  const payout: PayoutGateway = {
    async createTransfer(input: TransferInput): Promise<TransferResult> {
      assertPositiveFen(input.amountFen);
      const answer = await post(
        PATHS.transferBills,
        {
          appid: options.appId,
          out_bill_no: input.withdrawalId,
          transfer_scene_id: scene.id,
          openid: input.openid,
          transfer_amount: input.amountFen,
          transfer_remark: clip(input.remark, 32) || '团长佣金提现',
          notify_url: options.transferNotifyUrl,
          ...(scene.userRecvPerception ? { user_recv_perception: scene.userRecvPerception } : {}),
          transfer_scene_report_infos: scene.reportInfos(input),
        },
        transferResponse,
      );
      return { billNo: answer.transfer_bill_no, state: answer.state, ...(answer.package_info ? { packageInfo: answer.package_info } : {}) };
    },

    async parseNotification(raw: RawNotification): Promise<TransferNotice> {
      const { resource } = openNotification(raw, (t) => t === TRANSFER_FINISHED_EVENT);
      const parsed = transferBillSchema.safeParse(resource);
      if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'malformed wechat pay transfer bill');
      const b = parsed.data;
      const mch = b.mch_id ?? b.mchid;
      if (mch !== undefined && mch !== options.mchId) throw new AppError('VALIDATION_FAILED', 'notification for another merchant');
      return {
        withdrawalId: b.out_bill_no,
        billNo: b.transfer_bill_no,
        state: b.state,
        amountFen: b.transfer_amount,
        ...(b.fail_reason ? { reason: b.fail_reason } : {}),
      };
    },
  };

  return { payment, payout };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'malformed wechat pay notification');
  }
}

/** WeChat's error `code` (PARAM_ERROR, NOT_ENOUGH…), kept to a safe token. */
function errorCodeOf(text: string): string {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code)) return code;
  } catch {
    // not JSON
  }
  return 'UNKNOWN';
}

function assertPositiveFen(fen: number): void {
  if (!Number.isSafeInteger(fen) || fen <= 0) throw new AppError('VALIDATION_FAILED', 'amount must be a positive integer of fen');
}

/** At most `max` characters (code points), WeChat's limit for free-text fields. */
function clip(text: string, max: number): string {
  return [...text.trim()].slice(0, max).join('');
}
