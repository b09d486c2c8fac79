import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '#domain/errors';
import { createCode2Session } from './code2session.ts';

// A local HTTP mock of WeChat's jscode2session: never the internet.
describe('jscode2session', () => {
  let server: Server;
  let base = '';
  const seen: URLSearchParams[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      seen.push(url.searchParams);
      const code = url.searchParams.get('js_code');
      res.setHeader('content-type', 'application/json');
      if (code === 'good') res.end(JSON.stringify({ openid: 'o-123', session_key: 'secret-session-key' }));
      else if (code === 'busy') res.end(JSON.stringify({ errcode: 45011, errmsg: 'api minute-quota reach limit' }));
      else if (code === 'hang') setTimeout(() => res.end('{}'), 2000);
      else res.end(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());

  const login = (timeoutMs = 1000) => createCode2Session({ appId: 'wxapp', secret: 'app-secret', baseUrl: base, timeoutMs });
  const codeOf = (e: unknown) => (isAppError(e) ? e.code : String(e));

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
