import { describe, expect, it } from 'vitest';
import { api, login, uniqueOpenid } from '../support/stack.ts';

// Every request no route matches answers the contract's 404 envelope, never the gateway's own
// body: serverless-offline serves the `$default` catch-all route exactly as the HTTP API does.
describe('unknown routes over HTTP', () => {
  const notFound = { error: { code: 'NOT_FOUND', message: expect.any(String) } };

  it('answers unknown paths, unbound methods and empty path segments with 404 NOT_FOUND', async () => {
    const token = await login(uniqueOpenid('routes'));
    for (const [method, path] of [
      ['GET', '/no/such/route'],
      ['GET', '/'],
      ['POST', '/orders//cancel'],
      ['GET', '/orders//'],
      ['DELETE', '/orders'],
      ['PATCH', '/me'],
      ['GET', '/admin/waves//routes'],
    ] as const) {
      const r = await api(method, path, { token, body: method === 'GET' || method === 'DELETE' ? undefined : {} });
      expect(r.status, `${method} ${path}: ${r.text.slice(0, 200)}`).toBe(404);
      expect(r.body, `${method} ${path}`).toEqual(notFound);
    }
  });

  it('answers 404 before reading the token or the body', async () => {
    const r = await api('POST', '/no/such/route', { raw: '{not json', token: 'forged.token.value' });
    expect(r.status).toBe(404);
    expect(r.body).toEqual(notFound);
  });

  it('keeps the local-only routes on the local stage', async () => {
    const r = await api('POST', '/auth/dev-login', { body: { openid: uniqueOpenid('routes') } });
    expect(r.status).toBe(200);
    expect(r.body.data.token).toEqual(expect.any(String));
  });
});
