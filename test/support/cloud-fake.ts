/**
 * A fake of the parts of wx-server-sdk's `cloud` the CloudBase functions use besides the
 * database: `cloudPay` (unifiedOrder / refund / queryOrder / queryRefund over an in-memory trade
 * ledger; a refund stays PROCESSING until `settleRefund`),
 * `openapi.subscribeMessage.send` (recorded) and `getWXContext()`. Field names are the camelCase
 * ones wx-server-sdk hands over (see shared/adapters/cloudbase/cloud-pay.ts).
 *
 * `installCloudPlatform` puts it, with a CloudBase double's database, on
 * `globalThis.__groupbuyCloud`, the seam shared/wiring/cloudbase.ts reads before it
 * would load wx-server-sdk. Tests and local tooling only.
 */
import QRCode from 'qrcode';
import { randomBytes } from 'node:crypto';
import type { Clock } from '#ports/clock';
import { bizTime } from '#domain/time';
import type { CloudPlatform } from '#wiring/cloudbase';

export const FAKE_APPID = 'wxlocal';
export const FAKE_MCH_ID = '1900000001';
export const FAKE_SUB_MCH_ID = '1900000002';

export type TradeState = 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED';

/** One trade of the ledger, as WeChat Pay keeps it. */
export interface FakeTrade {
  outTradeNo: string;
  totalFee: number;
  tradeState: TradeState;
  prepayId: string;
  /** The payer: the caller of unifiedOrder (cloudPay takes it from the call context). */
  subOpenid?: string;
  envId?: string;
  functionName?: string;
  transactionId?: string;
  timeEnd?: string;
  refunds: { outRefundNo: string; refundFee: number; refundId: string; status: FakeRefundStatus; successTime?: string }[];
}

/** WeChat Pay v2's refund states (refund_status). */
export type FakeRefundStatus = 'PROCESSING' | 'SUCCESS' | 'CHANGE' | 'REFUNDCLOSE';

/** The refund result callback cloudPay sends to the function named in refund (decrypted fields under reqInfo). */
export interface RefundCallbackEvent {
  returnCode: 'SUCCESS';
  appid: string;
  mchId: string;
  subAppid: string;
  subMchId: string;
  nonceStr: string;
  reqInfo: {
    transactionId: string;
    outTradeNo: string;
    refundId: string;
    outRefundNo: string;
    totalFee: number;
    refundFee: number;
    settlementRefundFee: number;
    refundStatus: FakeRefundStatus;
    successTime?: string;
    refundRecvAccout: string;
    refundAccount: string;
    refundRequestSource: string;
  };
}

/** The payment result callback WeChat sends to the function named in unifiedOrder. */
export interface PayCallbackEvent {
  returnCode: 'SUCCESS';
  resultCode: 'SUCCESS';
  appid: string;
  mchId: string;
  subAppid: string;
  subMchId: string;
  nonceStr: string;
  openid: string;
  subOpenid: string;
  isSubscribe: 'N';
  subIsSubscribe: 'N';
  tradeType: 'JSAPI';
  bankType: 'OTHERS';
  totalFee: number;
  feeType: 'CNY';
  cashFee: number;
  transactionId: string;
  outTradeNo: string;
  timeEnd: string;
}

export interface SentMessage {
  touser: string;
  templateId: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogramState?: string;
  lang?: string;
}

export interface CloudFakeOptions {
  /** The caller's openid (getWXContext().OPENID and the payer of unifiedOrder). */
  openid?: () => string | undefined;
  /** The time of payments (`timeEnd`); default the system clock. */
  now?: () => number;
  envId?: string;
  subMchId?: string;
}

export interface CloudFake {
  /** What the functions get as `cloud`. */
  cloud: {
    cloudPay: Record<'unifiedOrder' | 'refund' | 'queryOrder' | 'queryRefund', (params: Record<string, unknown>) => Promise<Record<string, unknown>>>;
    openapi: {
      subscribeMessage: { send(params: SentMessage): Promise<{ errCode: number; errMsg: string }> };
      wxacode: { getUnlimited(params: { scene: string; page?: string; width?: number }): Promise<{ buffer: Buffer; contentType: string; errCode: number }> };
    };
    /** Cloud storage (share cards): files kept in memory by cloudPath. */
    uploadFile(params: { cloudPath: string; fileContent: Buffer }): Promise<{ fileID: string }>;
    downloadFile(params: { fileID: string }): Promise<{ fileContent: Buffer }>;
    getTempFileURL(params: { fileList: { fileID: string }[] }): Promise<{ fileList: { fileID: string; tempFileURL: string; status: number }[] }>;
    getWXContext(): { OPENID?: string; APPID: string; UNIONID?: string; ENV: string; SOURCE: string };
  };
  /**
   * The customer pays: the trade becomes SUCCESS and the callback event WeChat would send is
   * returned (deliver it to the order function's main). A trade the ledger never saw (unifiedOrder
   * in another process) is taken as given; a different amount for a known one is a test bug.
   */
  pay(outTradeNo: string, totalFee: number, options?: { payerOpenid?: string }): PayCallbackEvent;
  trade(outTradeNo: string): FakeTrade | undefined;
  /**
   * WeChat finishes a refund (SUCCESS, or CHANGE / REFUNDCLOSE when it needs a person) and the
   * refund callback event cloudPay would send is returned (deliver it to the order function's main).
   */
  settleRefund(outRefundNo: string, status?: Exclude<FakeRefundStatus, 'PROCESSING'>): RefundCallbackEvent;
  /** Every subscription message accepted, in order. */
  sent: SentMessage[];
  /** Every cloudPay call, in order (name and parameters). */
  calls: { api: string; params: Record<string, unknown> }[];
  /** Makes the next sends fail like the platform does (a thrown `{ errCode, errMsg }`); undefined restores success. */
  failSends(answer: ((m: SentMessage) => { errCode: number; errMsg: string } | undefined) | undefined): void;
}

const ok = (extra: Record<string, unknown>) => ({ returnCode: 'SUCCESS', returnMsg: 'OK', resultCode: 'SUCCESS', errCode: 0, ...extra });
const fail = (errCode: string, errCodeDes: string) => ({ returnCode: 'SUCCESS', returnMsg: 'OK', resultCode: 'FAIL', errCode, errCodeDes });
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');

/** 'yyyyMMddHHmmss' in Beijing time, as cloudPay writes times. */
export const compactShanghaiTime = (ms: number) => bizTime(ms).format('YYYYMMDDHHmmss');

/** Creates the fake `cloud` and its ledger. */
export function createCloudFake(options: CloudFakeOptions = {}): CloudFake {
  const openid = options.openid ?? (() => undefined);
  const now = options.now ?? (() => Date.now());
  const subMchId = options.subMchId ?? FAKE_SUB_MCH_ID;
  const envId = options.envId ?? 'local';
  const ledger = new Map<string, FakeTrade>();
  const sent: SentMessage[] = [];
  const calls: CloudFake['calls'] = [];
  let sendFailure: ((m: SentMessage) => { errCode: number; errMsg: string } | undefined) | undefined;

  const record = (api: string, params: Record<string, unknown>) => calls.push({ api, params: structuredClone(params) });
  const missing = (params: Record<string, unknown>, names: string[]) => names.filter((n) => params[n] === undefined || params[n] === '');

  const cloudPay: CloudFake['cloud']['cloudPay'] = {
    // Defined below, once the ledger's lookups exist.
    queryRefund: async () => fail('SYSTEMERROR', 'not ready'),

    async unifiedOrder(params) {
      record('unifiedOrder', params);
      const absent = missing(params, ['body', 'outTradeNo', 'spbillCreateIp', 'subMchId', 'totalFee', 'envId', 'functionName', 'nonceStr']);
      if (absent.length) return fail('PARAM_ERROR', `missing ${absent.join(', ')}`);
      if (params.subMchId !== subMchId) return fail('SUB_MCH_ID_ERROR', 'unknown sub-merchant');
      const totalFee = params.totalFee;
      if (!Number.isSafeInteger(totalFee) || (totalFee as number) <= 0) return fail('PARAM_ERROR', 'totalFee must be a positive integer');
      const outTradeNo = String(params.outTradeNo);
      let trade = ledger.get(outTradeNo);
      if (trade && trade.tradeState !== 'NOTPAY') return fail('ORDERPAID', 'the order is paid already');
      if (trade && trade.totalFee !== totalFee) return fail('INVALID_REQUEST', 'outTradeNo reused with other parameters');
      if (!trade) {
        trade = { outTradeNo, totalFee: totalFee as number, tradeState: 'NOTPAY', prepayId: `wx${hex(14)}`, envId: String(params.envId), functionName: String(params.functionName), refunds: [] };
        const payer = openid();
        if (payer) trade.subOpenid = payer;
        ledger.set(outTradeNo, trade);
      }
      const nonceStr = hex(8);
      return ok({
        appid: FAKE_APPID,
        mchId: FAKE_MCH_ID,
        subAppid: FAKE_APPID,
        subMchId,
        nonceStr,
        tradeType: 'JSAPI',
        prepayId: trade.prepayId,
        errMsg: 'cloudPay.unifiedOrder:ok',
        payment: {
          appId: FAKE_APPID,
          timeStamp: String(Math.floor(now() / 1000)),
          nonceStr,
          package: `prepay_id=${trade.prepayId}`,
          signType: 'MD5',
          paySign: hex(16).toUpperCase(),
        },
      });
    },

    async queryOrder(params) {
      record('queryOrder', params);
      if (params.subMchId !== subMchId) return fail('SUB_MCH_ID_ERROR', 'unknown sub-merchant');
      const trade = ledger.get(String(params.outTradeNo ?? ''));
      if (!trade) return fail('ORDERNOTEXIST', 'no such order');
      return ok({
        appid: FAKE_APPID,
        mchId: FAKE_MCH_ID,
        subMchId,
        outTradeNo: trade.outTradeNo,
        tradeState: trade.tradeState,
        totalFee: trade.totalFee,
        feeType: 'CNY',
        ...(trade.subOpenid ? { subOpenid: trade.subOpenid } : {}),
        ...(trade.transactionId ? { transactionId: trade.transactionId, timeEnd: trade.timeEnd, cashFee: trade.totalFee } : {}),
        errMsg: 'cloudPay.queryOrder:ok',
      });
    },

    async refund(params) {
      record('refund', params);
      const absent = missing(params, ['outTradeNo', 'outRefundNo', 'totalFee', 'refundFee', 'subMchId', 'nonceStr']);
      if (absent.length) return fail('PARAM_ERROR', `missing ${absent.join(', ')}`);
      if (params.subMchId !== subMchId) return fail('SUB_MCH_ID_ERROR', 'unknown sub-merchant');
      const trade = ledger.get(String(params.outTradeNo));
      if (!trade) return fail('ORDERNOTEXIST', 'no such order');
      if (trade.tradeState !== 'SUCCESS' && trade.tradeState !== 'REFUND') return fail('TRADE_STATE_ERROR', 'the order is not paid');
      if (params.totalFee !== trade.totalFee) return fail('INVALID_REQUEST', 'totalFee differs from the order');
      const outRefundNo = String(params.outRefundNo);
      const refundFee = params.refundFee as number;
      let refund = trade.refunds.find((r) => r.outRefundNo === outRefundNo);
      if (refund && refund.refundFee !== refundFee) return fail('INVALID_REQUEST', 'outRefundNo reused with another amount');
      if (!refund) {
        const refunded = trade.refunds.reduce((s, r) => s + r.refundFee, 0);
        if (!Number.isSafeInteger(refundFee) || refundFee <= 0 || refunded + refundFee > trade.totalFee) return fail('NOTENOUGH', 'refund exceeds what is left');
        refund = { outRefundNo, refundFee, refundId: `50${digits(26)}`, status: 'PROCESSING' };
        trade.refunds.push(refund);
        trade.tradeState = 'REFUND';
      }
      return ok({
        appid: FAKE_APPID,
        mchId: FAKE_MCH_ID,
        subMchId,
        transactionId: trade.transactionId,
        outTradeNo: trade.outTradeNo,
        outRefundNo,
        refundId: refund.refundId,
        refundFee,
        totalFee: trade.totalFee,
        errMsg: 'cloudPay.refund:ok',
      });
    },
  };

  const refundOf = (outRefundNo: string) => {
    for (const trade of ledger.values()) {
      const refund = trade.refunds.find((r) => r.outRefundNo === outRefundNo);
      if (refund) return { trade, refund };
    }
    return undefined;
  };

  /**
   * queryRefund answers as cloudPay does today: camelCase, the refunds as parallel lists
   * (`outRefundNoList`, `refundStatusList`, ...), looked up by out_refund_no or out_trade_no.
   */
  cloudPay.queryRefund = async (params) => {
    record('queryRefund', params);
    if (params.subMchId !== subMchId) return fail('SUB_MCH_ID_ERROR', 'unknown sub-merchant');
    const found = params.outRefundNo ? refundOf(String(params.outRefundNo)) : undefined;
    const trade = found?.trade ?? (params.outTradeNo ? ledger.get(String(params.outTradeNo)) : undefined);
    const refunds = found ? [found.refund] : (trade?.refunds ?? []);
    if (!trade || refunds.length === 0) return fail('REFUNDNOTEXIST', 'no such refund');
    return ok({
      appid: FAKE_APPID,
      mchId: FAKE_MCH_ID,
      subMchId,
      transactionId: trade.transactionId,
      outTradeNo: trade.outTradeNo,
      totalFee: trade.totalFee,
      cashFee: trade.totalFee,
      refundCount: refunds.length,
      outRefundNoList: refunds.map((r) => r.outRefundNo),
      refundIdList: refunds.map((r) => r.refundId),
      refundFeeList: refunds.map((r) => r.refundFee),
      refundStatusList: refunds.map((r) => r.status),
      refundSuccessTimeList: refunds.map((r) => r.successTime ?? ''),
      errMsg: 'cloudPay.queryRefund:ok',
    });
  };

  const files = new Map<string, Buffer>();
  const filePrefix = `cloud://${envId}.fake-bucket/`;
  return {
    cloud: {
      cloudPay,
      async uploadFile({ cloudPath, fileContent }) {
        files.set(cloudPath, Buffer.from(fileContent));
        return { fileID: `${filePrefix}${cloudPath}` };
      },
      async downloadFile({ fileID }) {
        const f = files.get(fileID.slice(filePrefix.length));
        if (!f) throw Object.assign(new Error('storage file not exists'), { errCode: -503003 });
        return { fileContent: f };
      },
      async getTempFileURL({ fileList }) {
        return { fileList: fileList.map(({ fileID }) => ({ fileID, tempFileURL: `https://fake-bucket.tcb.qcloud.la/${fileID.slice(filePrefix.length)}`, status: 0 })) };
      },
      openapi: {
        wxacode: {
          async getUnlimited({ scene, page }) {
            const buffer = await QRCode.toBuffer(`${page ?? ''}?scene=${scene}`, { type: 'png' });
            return { buffer, contentType: 'image/png', errCode: 0 };
          },
        },
        subscribeMessage: {
          async send(params) {
            const failure = sendFailure?.(params);
            // The platform throws its failures ({ errCode, errMsg }); success answers errCode 0.
            if (failure) throw failure;
            sent.push(structuredClone(params));
            return { errCode: 0, errMsg: 'openapi.subscribeMessage.send:ok' };
          },
        },
      },
      getWXContext: () => {
        const id = openid();
        return { ...(id ? { OPENID: id } : {}), APPID: FAKE_APPID, ENV: envId, SOURCE: 'wx_client' };
      },
    },

    pay(outTradeNo, totalFee, payOptions = {}) {
      let trade = ledger.get(outTradeNo);
      if (trade && trade.totalFee !== totalFee) throw new Error(`cloud fake: trade ${outTradeNo} is for ${trade.totalFee} fen, not ${totalFee}`);
      if (!trade) {
        trade = { outTradeNo, totalFee, tradeState: 'NOTPAY', prepayId: `wx${hex(14)}`, refunds: [] };
        ledger.set(outTradeNo, trade);
      }
      if (payOptions.payerOpenid) trade.subOpenid = payOptions.payerOpenid;
      if (trade.tradeState === 'NOTPAY') {
        trade.tradeState = 'SUCCESS';
        trade.transactionId = `42000${digits(23)}`;
        trade.timeEnd = compactShanghaiTime(now());
      }
      const payer = trade.subOpenid ?? 'unknown-payer';
      return {
        returnCode: 'SUCCESS',
        resultCode: 'SUCCESS',
        appid: FAKE_APPID,
        mchId: FAKE_MCH_ID,
        subAppid: FAKE_APPID,
        subMchId,
        nonceStr: hex(8),
        openid: `sp-${payer}`,
        subOpenid: payer,
        isSubscribe: 'N',
        subIsSubscribe: 'N',
        tradeType: 'JSAPI',
        bankType: 'OTHERS',
        totalFee: trade.totalFee,
        feeType: 'CNY',
        cashFee: trade.totalFee,
        transactionId: trade.transactionId!,
        outTradeNo,
        timeEnd: trade.timeEnd!,
      };
    },

    trade: (outTradeNo) => ledger.get(outTradeNo),
    settleRefund(outRefundNo, status = 'SUCCESS') {
      const found = refundOf(outRefundNo);
      if (!found) throw new Error(`cloud fake: no refund ${outRefundNo}`);
      const { trade, refund } = found;
      if (refund.status === 'PROCESSING') {
        refund.status = status;
        if (status === 'SUCCESS') refund.successTime = bizTime(now()).format('YYYY-MM-DD HH:mm:ss');
      }
      return {
        returnCode: 'SUCCESS',
        appid: FAKE_APPID,
        mchId: FAKE_MCH_ID,
        subAppid: FAKE_APPID,
        subMchId,
        nonceStr: hex(8),
        reqInfo: {
          transactionId: trade.transactionId ?? '',
          outTradeNo: trade.outTradeNo,
          refundId: refund.refundId,
          outRefundNo: refund.outRefundNo,
          totalFee: trade.totalFee,
          refundFee: refund.refundFee,
          settlementRefundFee: refund.refundFee,
          refundStatus: refund.status,
          ...(refund.successTime ? { successTime: refund.successTime } : {}),
          refundRecvAccout: '支付用户零钱',
          refundAccount: 'REFUND_SOURCE_UNSETTLED_FUNDS',
          refundRequestSource: 'API',
        },
      };
    },
    sent,
    calls,
    failSends(answer) {
      sendFailure = answer;
    },
  };
}

/** The configuration a CloudBase function of the `cloud` test stage reads. */
export function cloudEnv(tcbEnv: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    STAGE: 'local',
    PLATFORM: 'cloudbase',
    // AUTH_MODE=dev would add the dev routes; CloudBase has no login (identity is the OPENID).
    AUTH_MODE: 'wechat',
    WX_APPID: FAKE_APPID,
    WX_SECRET: 'x',
    SESSION_SECRET: 'cloud-fake-session-secret-not-for-production-01',
    CONTACT_KEY: 'bG9jYWwtY29udGFjdC1rZXktbm90LWZvci1wcm9kISE=',
    STAFF_OPENIDS: 'demo-staff',
    WXPAY_SUB_MCH_ID: FAKE_SUB_MCH_ID,
    TCB_ENV: tcbEnv,
    ...overrides,
  };
}

export interface InstalledCloud {
  fake: CloudFake;
  platform: CloudPlatform;
  /** Who calls next (the WeChat context's OPENID); undefined for a timer or a payment callback. */
  as(openid: string | undefined): void;
  /** Removes the platform from globalThis (functions already loaded keep theirs). */
  uninstall(): void;
}

/**
 * Puts the fake `cloud` and a database on `globalThis.__groupbuyCloud`, where the CloudBase
 * functions look before loading wx-server-sdk; it must be there before a function's first call.
 */
export function installCloudPlatform(options: { db: unknown; tcbEnv: string; clock?: Clock; env?: Record<string, string> }): InstalledCloud {
  let current: string | undefined;
  const fake = createCloudFake({ openid: () => current, now: () => (options.clock ?? { now: () => Date.now() }).now(), envId: options.tcbEnv });
  const platform: CloudPlatform = {
    cloud: fake.cloud,
    db: options.db,
    openid: () => current,
    env: cloudEnv(options.tcbEnv, options.env),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  globalThis.__groupbuyCloud = platform;
  return {
    fake,
    platform,
    as(openid) {
      current = openid;
    },
    uninstall() {
      if (globalThis.__groupbuyCloud === platform) globalThis.__groupbuyCloud = undefined;
    },
  };
}
