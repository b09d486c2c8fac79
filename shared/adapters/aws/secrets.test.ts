import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startHttpMock, type HttpMock } from '#test/http-mock';
import { resolveSecretParameters } from './secrets.ts';

// A local stand-in of SSM Parameter Store (AmazonSSM.GetParameters, AWS JSON 1.1): never the internet.
describe('secrets from SSM Parameter Store', () => {
  let server: HttpMock;
  let endpoint = '';
  const calls: { Names: string[]; WithDecryption: boolean }[] = [];
  const stored: Record<string, string> = { '/app/prod/session': 's3cr3t-session-value', '/app/prod/wx': 'wx-secret-value' };
  beforeAll(async () => {
    server = await startHttpMock(async (request) => {
      const input = JSON.parse(await request.text());
      calls.push(input);
      const headers = { 'content-type': 'application/x-amz-json-1.1' };
      if (input.Names.includes('/app/prod/boom')) return json({ __type: 'AccessDeniedException', message: 'not allowed' }, { status: 400, headers });
      return json(
        {
          Parameters: input.Names.filter((n: string) => n in stored).map((n: string) => ({ Name: n, Type: 'SecureString', Value: stored[n] })),
          InvalidParameters: input.Names.filter((n: string) => !(n in stored)),
        },
        { headers },
      );
    });
    endpoint = server.url;
  });
  afterAll(() => server.close());
  const options = () => ({ endpoint, region: 'ap-east-1' });
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

  it('reads every named parameter in one decrypted call and merges the values', async () => {
    const before = calls.length;
    const env = await resolveSecretParameters({ STAGE: 'prod', SESSION_SECRET_PARAM: '/app/prod/session', WX_SECRET_PARAM: '/app/prod/wx' }, ['SESSION_SECRET', 'WX_SECRET', 'CONTACT_KEY'], options());
    expect(env).toMatchObject({ SESSION_SECRET: 's3cr3t-session-value', WX_SECRET: 'wx-secret-value', STAGE: 'prod' });
    expect(calls.slice(before)).toEqual([{ Names: ['/app/prod/session', '/app/prod/wx'], WithDecryption: true }]);
  });

  it('does not call SSM when no parameter is named (the local stage)', async () => {
    const before = calls.length;
    const env = { STAGE: 'local', SESSION_SECRET: 'plain' };
    expect(await resolveSecretParameters(env, ['SESSION_SECRET'], options())).toBe(env);
    expect(calls.length).toBe(before);
  });

  it('names a missing parameter and its setting; never prints a value', async () => {
    const e = await resolveSecretParameters({ SESSION_SECRET_PARAM: '/app/prod/session', CONTACT_KEY_PARAM: '/app/prod/nope' }, ['SESSION_SECRET', 'CONTACT_KEY'], options()).catch((x) => x);
    expect(e.message).toContain('CONTACT_KEY (SSM parameter /app/prod/nope not found)');
    expect(e.message).not.toContain('s3cr3t');
  });

  it('refuses a secret given both as a value and as a parameter, and reports a refused call', async () => {
    const both = await resolveSecretParameters({ SESSION_SECRET: 'x', SESSION_SECRET_PARAM: '/app/prod/session' }, ['SESSION_SECRET'], options()).catch((x) => x);
    expect(both.message).toContain('SESSION_SECRET and SESSION_SECRET_PARAM are both set');
    const denied = await resolveSecretParameters({ SESSION_SECRET_PARAM: '/app/prod/boom' }, ['SESSION_SECRET'], options()).catch((x) => x);
    expect(denied.message).toMatch(/SSM GetParameters failed: AccessDeniedException/);
  });
});
