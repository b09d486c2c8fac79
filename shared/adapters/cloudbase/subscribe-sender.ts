/**
 * Sends subscription messages through CloudBase cloud calls (cloud.openapi.subscribeMessage.send
 * from wx-server-sdk): no access token to manage, the function's config.json must grant
 * `subscribeMessage.send`. Failures arrive as thrown errors carrying `errCode` and `errMsg`.
 */
import type { MessageSender, OutgoingMessage, SendResult } from '#ports/message-sender';
import { sendResultFromErrcode } from '#adapters/wechat/subscribe-sender';

/** The slice of the wx-server-sdk `cloud` object this sender uses. */
export interface SubscribeMessageCloud {
  openapi: {
    subscribeMessage: {
      send(params: {
        touser: string;
        templateId: string;
        page?: string;
        data: Record<string, { value: string }>;
        miniprogramState?: 'developer' | 'trial' | 'formal';
        lang?: string;
      }): Promise<{ errCode?: number; errMsg?: string } | undefined>;
    };
  };
}

/**
 * SDK and platform errors worth retrying: system error, server timeout and request limits of
 * the cloud SDK (-501001…-501004), and WeChat-side system, network and timeout errors.
 */
const CLOUD_TRANSIENT = new Set([-501001, -501002, -501003, -501004, -601001, -601003, -601008]);

/** Maps a cloud-call outcome (errCode 0 or an error) to a SendResult, like the HTTPS sender. */
export const sendResultFromCloud = (errCode: unknown, errMsg: unknown): SendResult => {
  const message = String(errMsg ?? '');
  if (typeof errCode !== 'number') return { status: 'retry', message: `cloud call: ${message || 'unknown error'}` };
  if (CLOUD_TRANSIENT.has(errCode)) return { status: 'retry', errcode: errCode, message: `cloud call ${errCode}: ${message}` };
  return sendResultFromErrcode(errCode, message);
};

export const createCloudSubscribeSender = (options: {
  cloud: SubscribeMessageCloud;
  miniprogramState?: 'developer' | 'trial' | 'formal';
}): MessageSender => {
  const { cloud, miniprogramState } = options;

  const send = async (m: OutgoingMessage): Promise<SendResult> => {
    try {
      const res = await cloud.openapi.subscribeMessage.send({
        touser: m.touser,
        templateId: m.templateId,
        ...(m.page !== undefined ? { page: m.page } : {}),
        data: m.data,
        ...(miniprogramState !== undefined ? { miniprogramState } : {}),
        lang: 'zh_CN',
      });
      return sendResultFromCloud(res?.errCode ?? 0, res?.errMsg);
    } catch (e) {
      const err = (e ?? {}) as { errCode?: unknown; errMsg?: unknown; message?: unknown };
      return sendResultFromCloud(err.errCode, err.errMsg ?? (typeof err.message === 'string' ? err.message : undefined));
    }
  };

  return { send };
};
