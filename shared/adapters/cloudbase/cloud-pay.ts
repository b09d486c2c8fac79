/**
 * WeChat Pay on the CloudBase stage, through `cloud.cloudPay` of wx-server-sdk: WeChat's private
 * channel signs nothing for us to check, and the payment result arrives as a call of the callback
 * cloud function (`functionName`) rather than a signed HTTP notification.
 *
 * Because any caller could in principle invoke that function with a made-up event, a callback is
 * believed only after cloudPay confirms it: a payment with `queryOrder` (`confirmCallback`), a
 * refund result with `queryRefund` (`parseRefundNotification`, which records what WeChat
 * answers, never what the event claims); `parseCloudPayCallback` alone only reads its shape.
 * wx-server-sdk converts our camelCase to WeChat's snake_case and back.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import type { PaymentGateway, PaymentNotice, PaymentParams, PrepayInput, RawNotification, RefundInput, RefundNotice, RefundResult } from '#ports/payment';

/** The part of wx-server-sdk's `cloud` this adapter uses (injected, so tests pass a fake). */
export interface CloudPayModule {
  cloudPay: {
    unifiedOrder(params: Record<string, unknown>): Promise<unknown>;
    refund(params: Record<string, unknown>): Promise<unknown>;
    queryOrder(params: Record<string, unknown>): Promise<unknown>;
    queryRefund(params: Record<string, unknown>): Promise<unknown>;
  };
}

export interface CloudPayOptions {
  cloud: CloudPayModule;
  subMchId: string;
  envId: string;
  /** The cloud function WeChat calls with the payment result. */
  functionName: string;
  /** The cloud function called with refund results; defaults to `functionName`. */
  refundFunctionName?: string;
  /** Required by the API; cloud functions have no meaningful client IP. */
  spbillCreateIp?: string;
  now: () => number;
}

export interface CloudPayGateway extends PaymentGateway {
  /** Reads a callback event and confirms it with queryOrder; throws UNAUTHENTICATED when WeChat disagrees. */
  confirmCallback(event: unknown): Promise<PaymentNotice>;
  /** A refund's state as cloudPay.queryRefund reports it; undefined when WeChat does not know it. */
  queryRefund(input: { orderId: string; refundId: string }): Promise<RefundNotice | undefined>;
  /**
   * A refund result callback (`{ body: JSON of the event }`), confirmed with queryRefund: the
   * notice carries WeChat's answer. UNAUTHENTICATED when WeChat does not know the refund or
   * disagrees with the event; VALIDATION_FAILED when the event is no refund callback.
   */
  parseRefundNotification(raw: RawNotification): Promise<RefundNotice>;
}

/** What the callback function must return, or WeChat calls it again (for up to two days). */
export const CLOUD_PAY_CALLBACK_ANSWER = { errcode: 0, errmsg: '' } as const;

/** A failed cloudPay call: WeChat's error code, never the request. */
export class CloudPayError extends Error {
  constructor(
    readonly code: string,
    operation: string,
  ) {
    super(`cloudPay.${operation} failed: ${code}`);
    this.name = 'CloudPayError';
  }
}

const fenSchema = z.union([
  z.int().check(z.minimum(0)),
  z.pipe(
    z.string().check(z.regex(/^\d{1,12}$/)),
    z.transform((s) => Number(s)),
  ),
]);

const callbackSchema = z.object({
  returnCode: z.string(),
  resultCode: z.optional(z.string()),
  outTradeNo: z.string().check(z.minLength(1)),
  transactionId: z.string().check(z.minLength(1)),
  totalFee: fenSchema,
  timeEnd: z.string(),
  subOpenid: z.optional(z.string()),
});

/** The refund result callback: the decrypted fields arrive under reqInfo (or flat). */
const refundCallbackSchema = z.object({
  outTradeNo: z.string().check(z.minLength(1), z.maxLength(32)),
  outRefundNo: z.string().check(z.minLength(1), z.maxLength(64)),
  refundFee: z.optional(fenSchema),
  refundStatus: z.optional(z.string()),
});

/** WeChat Pay v2 refund_status → the port's refund states. */
const REFUND_STATUS: Record<string, RefundNotice['status']> = { SUCCESS: 'SUCCESS', PROCESSING: 'PROCESSING', REFUNDCLOSE: 'CLOSED', CHANGE: 'ABNORMAL' };

const resultSchema = z.object({
  returnCode: z.optional(z.string()),
  resultCode: z.optional(z.string()),
  errCode: z.optional(z.union([z.string(), z.number()])),
});

const orderSchema = z.object({
  payment: z.object({
    timeStamp: z.union([z.string(), z.number()]),
    nonceStr: z.string(),
    package: z.string().check(z.regex(/^prepay_id=.+/)),
    signType: z.enum(['RSA', 'MD5', 'HMAC-SHA256']),
    paySign: z.string(),
  }),
});

const querySchema = z.object({
  outTradeNo: z.string(),
  transactionId: z.optional(z.string()),
  tradeState: z.string(),
  totalFee: fenSchema,
  timeEnd: z.optional(z.string()),
  subOpenid: z.optional(z.string()),
});

/**
 * Reads the payment callback event (camelCase, as wx-server-sdk delivers it) into a notice. Only
 * a successful payment calls back; anything else is malformed. This does NOT authenticate.
 */
export function parseCloudPayCallback(event: unknown): PaymentNotice {
  const parsed = callbackSchema.safeParse(event);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'malformed cloudPay callback');
  const e = parsed.data;
  if (e.returnCode !== 'SUCCESS' || e.resultCode !== 'SUCCESS') throw new AppError('VALIDATION_FAILED', 'cloudPay callback is not a successful payment');
  return {
    orderId: e.outTradeNo,
    transactionId: e.transactionId,
    amountFen: e.totalFee,
    ...(e.subOpenid ? { payerOpenid: e.subOpenid } : {}),
    paidAt: shanghaiTimeToIso(e.timeEnd),
    tradeState: 'SUCCESS',
  };
}

/** 'yyyyMMddHHmmss' in Beijing time (no DST since 1991) → ISO with +08:00. */
export function shanghaiTimeToIso(compact: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(compact);
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00` : '';
  // The round trip rejects impossible dates (month 13, 25 o'clock) that Date.parse would shift.
  if (!m || !Number.isFinite(Date.parse(iso)) || toBizIso(Date.parse(iso)) !== iso) throw new AppError('VALIDATION_FAILED', 'bad cloudPay time');
  return iso;
}

/** Creates the cloudPay payment gateway of one sub-merchant. */
export function createCloudPay(options: CloudPayOptions): CloudPayGateway {
  const pay = options.cloud.cloudPay;
  const nonceStr = () => randomBytes(16).toString('hex');

  /** Calls cloudPay and insists on returnCode and resultCode SUCCESS. */
  async function call(operation: 'unifiedOrder' | 'refund' | 'queryOrder' | 'queryRefund', params: Record<string, unknown>): Promise<unknown> {
    let result: unknown;
    try {
      result = await pay[operation](params);
    } catch (e) {
      const code = (e as { errCode?: unknown })?.errCode;
      throw new CloudPayError(typeof code === 'number' || typeof code === 'string' ? String(code) : 'CALL_FAILED', operation);
    }
    const r = resultSchema.safeParse(result);
    if (!r.success) throw new CloudPayError('UNEXPECTED_RESPONSE', operation);
    if (r.data.returnCode !== 'SUCCESS') throw new CloudPayError(`RETURN_${r.data.returnCode ?? 'MISSING'}`, operation);
    if (r.data.resultCode !== 'SUCCESS') throw new CloudPayError(String(r.data.errCode ?? 'RESULT_FAIL'), operation);
    return result;
  }

  async function confirmCallback(event: unknown): Promise<PaymentNotice> {
    const claimed = parseCloudPayCallback(event);
    const answer = querySchema.safeParse(await call('queryOrder', { subMchId: options.subMchId, outTradeNo: claimed.orderId, nonceStr: nonceStr() }));
    if (!answer.success) throw new CloudPayError('UNEXPECTED_RESPONSE', 'queryOrder');
    const order = answer.data;
    const agrees =
      (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') &&
      order.outTradeNo === claimed.orderId &&
      order.transactionId === claimed.transactionId &&
      order.totalFee === claimed.amountFen;
    if (!agrees) throw new AppError('UNAUTHENTICATED', 'cloudPay callback not confirmed by queryOrder');
    return { ...claimed, tradeState: order.tradeState as PaymentNotice['tradeState'] };
  }

  /**
   * cloudPay.queryRefund by out_refund_no. Its answer lists the refunds either as parallel lists
   * (`outRefundNoList`, `refundStatusList`, `refundFeeList`: what cloudPay sends today) or as
   * numbered fields (`outRefundNo0`, `refundStatus0`: the v2 `_$n` fields camel-cased).
   */
  async function queryRefund(input: { orderId: string; refundId: string }): Promise<RefundNotice | undefined> {
    let answer: Record<string, unknown>;
    try {
      answer = (await call('queryRefund', { subMchId: options.subMchId, outRefundNo: input.refundId, nonceStr: nonceStr() })) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof CloudPayError && e.message.endsWith(': REFUNDNOTEXIST')) return undefined;
      throw e;
    }
    if (answer.outTradeNo !== undefined && answer.outTradeNo !== input.orderId) return undefined;
    const list = (name: string) => (Array.isArray(answer[`${name}List`]) ? (answer[`${name}List`] as unknown[]) : []);
    const count = Math.max(list('outRefundNo').length, Number.isSafeInteger(answer.refundCount) ? Number(answer.refundCount) : 0, 1);
    for (let n = 0; n < count; n++) {
      const field = (name: string) => list(name)[n] ?? answer[`${name}${n}`] ?? answer[`${name}_${n}`] ?? (n === 0 ? answer[name] : undefined);
      if (field('outRefundNo') !== input.refundId) continue;
      const status = REFUND_STATUS[String(field('refundStatus'))];
      if (!status) return undefined;
      const fee = Number(field('refundFee'));
      return { orderId: input.orderId, refundId: input.refundId, status, ...(Number.isSafeInteger(fee) && fee > 0 ? { amountFen: fee } : {}) };
    }
    return undefined;
  }

  async function parseRefundNotification(raw: RawNotification): Promise<RefundNotice> {
    let event: unknown;
    try {
      event = JSON.parse(raw.body);
    } catch {
      throw new AppError('VALIDATION_FAILED', 'malformed cloudPay refund callback');
    }
    const e = (event ?? {}) as Record<string, unknown>;
    const info = e.reqInfo && typeof e.reqInfo === 'object' ? e.reqInfo : e;
    const parsed = refundCallbackSchema.safeParse(info);
    if (e.returnCode !== 'SUCCESS' || !parsed.success) throw new AppError('VALIDATION_FAILED', 'malformed cloudPay refund callback');
    const claimed = parsed.data;
    const confirmed = await queryRefund({ orderId: claimed.outTradeNo, refundId: claimed.outRefundNo });
    // The event's own status is never believed: only what queryRefund answers is recorded.
    if (!confirmed || (claimed.refundFee !== undefined && confirmed.amountFen !== undefined && claimed.refundFee !== confirmed.amountFen))
      throw new AppError('UNAUTHENTICATED', 'cloudPay refund callback not confirmed by queryRefund');
    return confirmed;
  }

  return {
    async prepay(input: PrepayInput): Promise<PaymentParams> {
      if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) throw new AppError('VALIDATION_FAILED', 'amount must be a positive integer of fen');
      const expiresAtMs = Date.parse(input.expiresAt);
      if (!Number.isFinite(expiresAtMs)) throw new AppError('VALIDATION_FAILED', 'expiresAt must be an ISO time');
      if (expiresAtMs <= options.now()) throw new AppError('INVALID_STATE', 'the payment window has closed');
      // The payer is the calling user (cloudPay takes the openid from the call context).
      const result = await call('unifiedOrder', {
        body: clipBytes(input.description.trim(), 128) || input.orderId,
        outTradeNo: input.orderId,
        spbillCreateIp: options.spbillCreateIp ?? '127.0.0.1',
        subMchId: options.subMchId,
        totalFee: input.amountFen,
        envId: options.envId,
        functionName: options.functionName,
        nonceStr: nonceStr(),
        tradeType: 'JSAPI',
      });
      const order = orderSchema.safeParse(result);
      if (!order.success) throw new CloudPayError('UNEXPECTED_RESPONSE', 'unifiedOrder');
      const p = order.data.payment;
      return { timeStamp: String(p.timeStamp), nonceStr: p.nonceStr, package: p.package, signType: p.signType, paySign: p.paySign };
    },

    async parseNotification(raw: RawNotification): Promise<PaymentNotice> {
      let event: unknown;
      try {
        event = JSON.parse(raw.body);
      } catch {
        throw new AppError('VALIDATION_FAILED', 'malformed cloudPay callback');
      }
      return confirmCallback(event);
    },

    confirmCallback,
    queryRefund,
    parseRefundNotification,

    async refund(input: RefundInput): Promise<RefundResult> {
      for (const fen of [input.amountFen, input.totalFen]) {
        if (!Number.isSafeInteger(fen) || fen <= 0) throw new AppError('VALIDATION_FAILED', 'amount must be a positive integer of fen');
      }
      if (input.amountFen > input.totalFen) throw new AppError('VALIDATION_FAILED', 'refund exceeds the paid amount');
      await call('refund', {
        outTradeNo: input.orderId,
        outRefundNo: input.refundId,
        totalFee: input.totalFen,
        refundFee: input.amountFen,
        subMchId: options.subMchId,
        envId: options.envId,
        functionName: options.refundFunctionName ?? options.functionName,
        nonceStr: nonceStr(),
        ...(input.reason.trim() ? { refundDesc: [...input.reason.trim()].slice(0, 80).join('') } : {}),
      });
      // The v2 refund API accepts the request; the money moves later (refund callback / query).
      return { refundId: input.refundId, status: 'PROCESSING' };
    },
  };
}

/** At most `max` UTF-8 bytes, cut between characters (the v2 API counts bytes). */
function clipBytes(text: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    bytes += Buffer.byteLength(ch, 'utf8');
    if (bytes > max) break;
    out += ch;
  }
  return out;
}
