import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { json, startHttpMock, type HttpMock } from '#test/http-mock';
import { createCode2Session } from './code2session.ts';

// A local HTTP mock of WeChat's jscode2session: never the internet.
describe('jscode2session', () => {
  let server: HttpMock;
  let base = '';
  const seen: URLSearchParams[] = [];
  beforeAll(async () => {
    server = await startHttpMock(async (request) => {
      const url = new URL(request.url);
      seen.push(url.searchParams);
      const code = url.searchParams.get('js_code');
      if (code === 'good') return json({ openid: 'o-123', session_key: 'secret-session-key' });
      if (code === 'busy') return json({ errcode: 45011, errmsg: 'api minute-quota reach limit' });
      if (code === 'hang') return new Promise((r) => setTimeout(() => r(json({})), 2000));
      return json({ errcode: 40029, errmsg: 'invalid code' });
    });
    base = server.url;
  });
  afterAll(() => server.close());

  const login = (timeoutMs = 1000) => createCode2Session({ appId: 'wxapp', secret: 'app-secret', baseUrl: base, timeoutMs });

  it('exchanges a code for the openid, sending the app credentials and grant type', async () => {
    expect(await login().exchange('good')).toEqual({ openid: 'o-123' });
    const q = seen.at(-1)!;
    expect(Object.fromEntries(q)).toEqual({ appid: 'wxapp', secret: 'app-secret', js_code: 'good', grant_type: 'authorization_code' });
  });

  it('maps an invalid code to UNAUTHENTICATED and the rate limit to RATE_LIMITED', async () => {
    expect(await login().exchange('bad').catch(codeOf)).toBe('UNAUTHENTICATED');
    expect(await login().exchange('busy').catch(codeOf)).toBe('RATE_LIMITED');
  });

  it('gives up on a hanging WeChat with INTERNAL, leaking nothing', async () => {
    const e = await login(100).exchange('hang').catch((x) => x);
    expect(codeOf(e)).toBe('INTERNAL');
    expect(String(e.message)).not.toContain('app-secret');
  });
});
