import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { json, startHttpMock, type HttpMock } from '#test/http-mock';
import { createTencentSms, sendSmsRequest } from './sms.ts';

const CONFIG = {
  secretId: 'AKID-test',
  secretKey: 'test-secret-key-never-sent',
  sdkAppId: '1400000001',
  signName: '邻里团',
  templateIds: { arrivalNotice: '100001', pickupReminder: '100002' },
};

/** A stand-in for sms.tencentcloudapi.com: records each request and plays its script. */
describe('Tencent Cloud SMS adapter (tencentcloud-sdk-nodejs-sms over HTTP)', () => {
  let mock: HttpMock;
  const calls: { action: string | null; version: string | null; auth: string | null; body: Record<string, unknown> }[] = [];
  let script: (() => Response)[] = [];
  beforeEach(async () => {
    calls.length = 0;
    script = [];
    mock = await startHttpMock(async (req) => {
      calls.push({ action: req.headers.get('x-tc-action'), version: req.headers.get('x-tc-version'), auth: req.headers.get('authorization'), body: (await req.json()) as Record<string, unknown> });
      const next = script.shift();
      return next ? next() : json({ Response: { SendStatusSet: [{ Code: 'Ok', Message: 'send success', PhoneNumber: '+8613912345678' }], RequestId: 'r-1' } });
    });
  });
  afterEach(() => mock.close());
  const sender = () => createTencentSms({ ...CONFIG, endpoint: mock.url.replace('http://', ''), protocol: 'http://' });

  it('sends SendSms 2021-01-11 with the +86 number, app id, sign, the template id of the notice and its parameters, signed TC3 (the key never on the wire)', async () => {
    const r = await sender().send({ phone: '13912345678', template: 'arrivalNotice', params: ['A12', '静安小区', '2026-11-27 22:00'] });
    expect(r).toEqual({ status: 'sent' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.action).toBe('SendSms');
    expect(calls[0]!.version).toBe('2021-01-11');
    expect(calls[0]!.auth).toMatch(/^TC3-HMAC-SHA256 Credential=AKID-test\//);
    expect(JSON.stringify(calls[0])).not.toContain(CONFIG.secretKey);
    expect(calls[0]!.body).toEqual({
      PhoneNumberSet: ['+8613912345678'],
      SmsSdkAppId: '1400000001',
      SignName: '邻里团',
      TemplateId: '100001',
      TemplateParamSet: ['A12', '静安小区', '2026-11-27 22:00'],
    });
  });

  it('maps the status code: a bad number is permanent, a frequency limit and a provider error are retried, and no answer text carries the number', async () => {
    script.push(() => json({ Response: { SendStatusSet: [{ Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: 'bad +8613912345678' }], RequestId: 'r' } }));
    script.push(() => json({ Response: { SendStatusSet: [{ Code: 'LimitExceeded.PhoneNumberThirtySecondLimit', Message: 'x' }], RequestId: 'r' } }));
    script.push(() => json({ Response: { Error: { Code: 'InternalError.Timeout', Message: 'busy' }, RequestId: 'r' } }));
    script.push(() => json({ Response: { Error: { Code: 'FailedOperation.SignatureIncorrectOrUnapproved', Message: 'sign' }, RequestId: 'r' } }));
    const s = sender();
    const send = () => s.send({ phone: '+86 139-1234-5678', template: 'pickupReminder', params: ['A12'] });
    const results = [await send(), await send(), await send(), await send()];
    expect(results.map((r) => r.status)).toEqual(['failed', 'retry', 'retry', 'failed']);
    for (const r of results) expect(JSON.stringify(r)).not.toContain('13912345678');
    expect(calls.every((c) => (c.body.PhoneNumberSet as string[])[0] === '+8613912345678' && c.body.TemplateId === '100002')).toBe(true);
  });

  it('a refused connection is retried; a notice without a configured template is permanent and sends nothing', async () => {
    const closed = createTencentSms({ ...CONFIG, endpoint: '127.0.0.1:1', protocol: 'http://' });
    expect((await closed.send({ phone: '13912345678', template: 'arrivalNotice', params: [] })).status).toBe('retry');
    const noTemplate = createTencentSms({ ...CONFIG, templateIds: {}, endpoint: mock.url.replace('http://', ''), protocol: 'http://' });
    expect(await noTemplate.send({ phone: '13912345678', template: 'arrivalNotice', params: [] })).toEqual({ status: 'failed', message: 'no Tencent SMS template id configured for arrivalNotice' });
    expect(calls).toHaveLength(0);
  });

  it('builds the request from an injected client too', async () => {
    const seen: unknown[] = [];
    const s = createTencentSms(CONFIG, { SendSms: async (req) => (seen.push(req), { SendStatusSet: [{ Code: 'Ok' }] }) });
    expect(await s.send({ phone: '8613912345678', template: 'arrivalNotice', params: ['1'] })).toEqual({ status: 'sent' });
    expect(seen).toEqual([sendSmsRequest(CONFIG, { phone: '13912345678', template: 'arrivalNotice', params: ['1'] })]);
  });
});
