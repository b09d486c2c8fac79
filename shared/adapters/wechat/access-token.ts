/**
 * WeChat server-API access token from the stable-token endpoint (getStableAccessToken).
 *
 * The token is cached in module memory, so warm invocations reuse it, until about five
 * minutes before it expires. Concurrent callers share one request. A refused token is
 * replaced carefully: stable_token in normal mode already returns the newer token when
 * another instance forced one, so we ask normally first and force only when WeChat still
 * hands back the refused token, and at most once per 30 seconds.
 */

export interface AccessTokenProvider {
  /** A valid token, from the cache when possible. */
  get(): Promise<string>;
  /** A token other than `rejected` (the one WeChat just refused with 40001/42001/40014). */
  refresh(rejected?: string): Promise<string>;
}

/** A token request that failed; `transient` says whether retrying later may help. */
export class AccessTokenError extends Error {
  readonly errcode: number | undefined;
  readonly transient: boolean;

  constructor(message: string, transient: boolean, errcode?: number) {
    super(message);
    this.name = 'AccessTokenError';
    this.transient = transient;
    this.errcode = errcode;
  }
}

export interface StableTokenOptions {
  appId: string;
  appSecret: string;
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Epoch milliseconds. */
  now: () => number;
  timeoutMs?: number;
}

interface CacheEntry {
  token?: string;
  expiresAt: number;
  inflight?: Promise<string>;
  /** Bumped by every forced refresh so a slower normal request cannot overwrite its token. */
  generation: number;
  lastForcedAt?: number;
}

/** Per app and endpoint; survives across invocations of a warm function instance. */
const cache = new Map<string, CacheEntry>();

const EXPIRY_MARGIN_S = 300;
const FORCE_INTERVAL_MS = 30_000;
/** Token endpoint errors worth retrying later: system busy, rate limits. */
const TRANSIENT_ERRCODES = new Set([-1, 45009, 45011]);

export const createStableTokenProvider = (options: StableTokenOptions): AccessTokenProvider => {
  const { appId, appSecret, now, timeoutMs = 5000 } = options;
  const baseUrl = (options.baseUrl ?? 'https://api.weixin.qq.com').replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const key = `${baseUrl}\n${appId}`;
  const entry = (): CacheEntry => {
    let e = cache.get(key);
    if (!e) cache.set(key, (e = { expiresAt: 0, generation: 0 }));
    return e;
  };

  const request = async (forceRefresh: boolean): Promise<{ token: string; expiresIn: number }> => {
    let res: Response;
    try {
      res = await fetchImpl(`${baseUrl}/cgi-bin/stable_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: forceRefresh }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const timedOut = e instanceof Error && e.name === 'TimeoutError';
      throw new AccessTokenError(timedOut ? `access token: timeout after ${timeoutMs}ms` : 'access token: network error', true);
    }
    if (!res.ok) throw new AccessTokenError(`access token: HTTP ${res.status}`, res.status >= 500 || res.status === 429);
    const body = (await res.json().catch(() => undefined)) as
      | { access_token?: unknown; expires_in?: unknown; errcode?: number; errmsg?: string }
      | undefined;
    if (body?.errcode) {
      const errmsg = appSecret ? String(body.errmsg ?? '').replaceAll(appSecret, '***') : String(body.errmsg ?? '');
      throw new AccessTokenError(`access token: ${body.errcode} ${errmsg}`, TRANSIENT_ERRCODES.has(body.errcode), body.errcode);
    }
    if (typeof body?.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new AccessTokenError('access token: malformed response', true);
    }
    return { token: body.access_token, expiresIn: body.expires_in };
  };

  /** One request at a time per app; the result is cached unless a forced refresh started since. */
  const load = (forceRefresh: boolean): Promise<string> => {
    const e = entry();
    if (forceRefresh) {
      e.generation += 1;
      e.lastForcedAt = now();
    }
    const generation = e.generation;
    const promise = request(forceRefresh)
      .then(({ token, expiresIn }) => {
        if (e.generation === generation) {
          e.token = token;
          e.expiresAt = now() + (expiresIn - Math.min(EXPIRY_MARGIN_S, expiresIn / 2)) * 1000;
        }
        return token;
      })
      .finally(() => {
        if (e.inflight === promise) e.inflight = undefined;
      });
    e.inflight = promise;
    return promise;
  };

  const get = async (): Promise<string> => {
    const e = entry();
    if (e.token !== undefined && now() < e.expiresAt) return e.token;
    return e.inflight ?? load(false);
  };

  const refresh = async (rejected?: string): Promise<string> => {
    const e = entry();
    if (rejected !== undefined) {
      // Someone already replaced the refused token (here or, through stable_token, elsewhere).
      if (e.token !== undefined && e.token !== rejected && now() < e.expiresAt) return e.token;
      const current = await (e.inflight ?? load(false));
      if (current !== rejected) return current;
    }
    if (e.lastForcedAt !== undefined && now() - e.lastForcedAt < FORCE_INTERVAL_MS) return e.inflight ?? get();
    return load(true);
  };

  return { get, refresh };
};
