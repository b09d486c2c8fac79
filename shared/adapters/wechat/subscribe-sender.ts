/**
 * Sends subscription messages over WeChat's HTTPS API (subscribeMessage.send) with a stable
 * access token, and turns every outcome into a SendResult the notify job can act on.
 */
import type { MessageSender, OutgoingMessage, SendResult } from '#ports/message-sender';
import { AccessTokenError, type AccessTokenProvider } from './access-token.ts';

export interface WechatSubscribeSenderOptions {
  tokens: AccessTokenProvider;
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
  /** Which build the card opens; WeChat's default is the released one ('formal'). */
  miniprogramState?: 'developer' | 'trial' | 'formal';
}

/** The token was refused: invalid (40001), expired (42001), or not this app's (40014). */
const TOKEN_REFUSED = new Set([40001, 42001, 40014]);
/** Worth another try later: system busy (-1), rate and quota limits, a token still refused after a refresh. */
const TRANSIENT = new Set([-1, 45009, 45011, ...TOKEN_REFUSED]);
const NO_QUOTA = 43101;

/**
 * Maps a WeChat errcode to what the notify job should do: 43101 is skipped (the user gave no
 * quota), busy and rate limits are retried, anything else (47003 data, 40003 openid, 40037
 * template, 41030 page, unknown codes) is permanent.
 */
export const sendResultFromErrcode = (errcode: number, errmsg: string): SendResult => {
  if (errcode === 0) return { status: 'sent' };
  const message = `wechat ${errcode}: ${errmsg}`;
  if (errcode === NO_QUOTA) return { status: 'no_quota', errcode, message };
  if (TRANSIENT.has(errcode)) return { status: 'retry', errcode, message };
  return { status: 'failed', errcode, message };
};

/** A failure to obtain a token becomes retry or failed; its message never holds the secret. */
export const sendResultFromTokenError = (e: unknown): SendResult => {
  if (!(e instanceof AccessTokenError)) return { status: 'retry', message: 'access token: unexpected error' };
  const base = { message: e.message, ...(e.errcode !== undefined ? { errcode: e.errcode } : {}) };
  return e.transient ? { status: 'retry', ...base } : { status: 'failed', ...base };
};

/** Removes any access token from text that may be logged or stored. */
const redact = (text: string, token: string): string =>
  (token ? text.replaceAll(token, '***') : text).replace(/access_token=[^&\s"']+/g, 'access_token=***');

type Reply = { answer: { errcode: number; errmsg: string } } | { result: SendResult };

export const createWechatSubscribeSender = (options: WechatSubscribeSenderOptions): MessageSender => {
  const { tokens, timeoutMs = 5000, miniprogramState } = options;
  const baseUrl = (options.baseUrl ?? 'https://api.weixin.qq.com').replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;

  const post = async (token: string, m: OutgoingMessage): Promise<Reply> => {
    const body = {
      touser: m.touser,
      template_id: m.templateId,
      page: m.page,
      data: m.data,
      miniprogram_state: miniprogramState,
      lang: 'zh_CN',
    };
    try {
      const res = await fetchImpl(`${baseUrl}/cgi-bin/message/subscribe/send?access_token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) {
        const transient = res.status >= 500 || res.status === 429;
        return { result: { status: transient ? 'retry' : 'failed', message: `wechat: HTTP ${res.status}` } };
      }
      const json = (await res.json().catch(() => undefined)) as { errcode?: unknown; errmsg?: unknown } | undefined;
      if (json === undefined || typeof json !== 'object') return { result: { status: 'retry', message: 'wechat: malformed response' } };
      return { answer: { errcode: typeof json.errcode === 'number' ? json.errcode : 0, errmsg: String(json.errmsg ?? '') } };
    } catch (e) {
      if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
        return { result: { status: 'retry', message: `wechat: timeout after ${timeoutMs}ms` } };
      }
      const code = (e as { cause?: { code?: unknown } } | undefined)?.cause?.code;
      return { result: { status: 'retry', message: `wechat: network error${typeof code === 'string' ? ` ${code}` : ''}` } };
    }
  };

  /** Gets a token, posts, and on a refused token refreshes it once and posts once more. */
  const send = async (m: OutgoingMessage): Promise<SendResult> => {
    let token: string;
    try {
      token = await tokens.get();
    } catch (e) {
      return sendResultFromTokenError(e);
    }
    let reply = await post(token, m);
    if ('answer' in reply && TOKEN_REFUSED.has(reply.answer.errcode)) {
      try {
        token = await tokens.refresh(token);
      } catch (e) {
        return sendResultFromTokenError(e);
      }
      reply = await post(token, m);
    }
    if ('result' in reply) return reply.result;
    return sendResultFromErrcode(reply.answer.errcode, redact(reply.answer.errmsg, token));
  };

  return { send };
};
