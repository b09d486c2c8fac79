import type { MiniProgramCodes } from '#ports/mini-program-code';
import type { AccessTokenProvider } from './access-token.ts';

/** Access-token errors after which a fresh token is asked for once. */
const TOKEN_ERRCODES = new Set([40001, 42001, 40014]);

/**
 * `wxacode.getUnlimited` over HTTPS (`POST /wxa/getwxacodeunlimit?access_token=`): the body is
 * the image on success, a JSON `{ errcode, errmsg }` on failure (an expired token is refreshed
 * once). `check_path: false` so a page not yet released still gets a code.
 */
export function createWechatCodes(options: { tokens: AccessTokenProvider; baseUrl?: string; fetch?: typeof globalThis.fetch; envVersion?: 'release' | 'trial' | 'develop' }): MiniProgramCodes {
  const base = (options.baseUrl ?? 'https://api.weixin.qq.com').replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    async unlimited({ scene, page, width }) {
      let token = await options.tokens.get();
      for (let attempt = 1; ; attempt++) {
        const res = await doFetch(`${base}/wxa/getwxacodeunlimit?access_token=${encodeURIComponent(token)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ scene, ...(page ? { page } : {}), width: width ?? 430, check_path: false, env_version: options.envVersion ?? 'release' }),
          signal: AbortSignal.timeout(10_000),
        });
        const type = res.headers.get('content-type') ?? '';
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (res.ok && type.startsWith('image/')) return { bytes, contentType: type.split(';')[0]! };
        let errcode: number | undefined;
        try {
          errcode = (JSON.parse(new TextDecoder().decode(bytes)) as { errcode?: number }).errcode;
        } catch {
          /* not JSON */
        }
        if (attempt === 1 && errcode !== undefined && TOKEN_ERRCODES.has(errcode)) {
          token = await options.tokens.refresh(token);
          continue;
        }
        throw new Error(`wxacode.getUnlimited failed: HTTP ${res.status}${errcode !== undefined ? `, errcode ${errcode}` : ''}`);
      }
    },
  };
}
