import { AppError } from '#domain/errors';
import type { WechatLogin } from '#ports/session';

/** WeChat's `jscode2session`: exchanges a `wx.login` code for the openid. */
export function createCode2Session(options: { appId: string; secret: string; baseUrl: string; fetch?: typeof fetch; timeoutMs?: number }): WechatLogin {
  const f = options.fetch ?? fetch;
  return {
    async exchange(code) {
      const url = new URL('/sns/jscode2session', options.baseUrl);
      url.search = new URLSearchParams({ appid: options.appId, secret: options.secret, js_code: code, grant_type: 'authorization_code' }).toString();
      let body: { openid?: string; unionid?: string; errcode?: number };
      try {
        const res = await f(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
        body = (await res.json()) as typeof body;
      } catch {
        throw new AppError('INTERNAL', 'WeChat login is unavailable, try again');
      }
      if (body.errcode || !body.openid) {
        // 40029 invalid code, 40163 code used, 45011 too frequent.
        if (body.errcode === 45011) throw new AppError('RATE_LIMITED', 'too many logins, try again in a minute');
        throw new AppError('UNAUTHENTICATED', 'the login code is invalid or used', { errcode: body.errcode });
      }
      return { openid: body.openid, ...(body.unionid ? { unionid: body.unionid } : {}) };
    },
  };
}
