import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '#ports/message-sender';
import { json, startHttpMock, type HttpMock } from '#test/http-mock';
import { createStableTokenProvider } from './access-token.ts';
import { createWechatSubscribeSender } from './subscribe-sender.ts';

const APP_ID = 'wx-test-app';
const SECRET = 'super-secret-app-secret';

type Scripted = Record<string, unknown> | { status: number } | 'hang';

/**
 * A local stand-in for api.weixin.qq.com. The token endpoint behaves like stable_token: the
 * same token until a forced refresh (or `replaceTokenElsewhere`) issues a new one. The send
 * endpoint refuses any token but the current one with 40001, then plays its script.
 */
class FakeWechat {
  readonly tokenCalls: { force_refresh: boolean; appid: string; secret: string }[] = [];
  readonly sendCalls: { accessToken: string | null; body: Record<string, unknown> }[] = [];
  readonly sendScript: Scripted[] = [];
  tokenScript: Scripted[] = [];
  tokenDelayMs = 0;
  expiresIn = 7200;
  private generation = 1;
  private server: HttpMock | undefined;
  baseUrl = '';

  get currentToken(): string {
    return `TOKEN-${this.generation}`;
  }

  replaceTokenElsewhere(): void {
    this.generation += 1;
  }

  async start(): Promise<void> {
    this.server = await startHttpMock((request) => this.handle(request));
    this.baseUrl = this.server.url;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  private async handle(request: Request): Promise<Response> {
    const body = JSON.parse(await request.text()) as Record<string, unknown>;
    const url = new URL(request.url);
    if (url.pathname === '/cgi-bin/stable_token') {
      this.tokenCalls.push(body as (typeof this.tokenCalls)[number]);
      await new Promise((r) => setTimeout(r, this.tokenDelayMs));
      const scripted = this.tokenScript.shift();
      if (scripted) return this.reply(scripted);
      if (body.force_refresh === true) this.generation += 1;
      return this.reply({ access_token: this.currentToken, expires_in: this.expiresIn });
    }
    if (url.pathname === '/cgi-bin/message/subscribe/send') {
      const accessToken = url.searchParams.get('access_token');
      this.sendCalls.push({ accessToken, body });
      if (accessToken !== this.currentToken) {
        return this.reply({ errcode: 40001, errmsg: `invalid credential, access_token is ${accessToken}` });
      }
      return this.reply(this.sendScript.shift() ?? { errcode: 0, errmsg: 'ok' });
    }
    return new Response(null, { status: 404 });
  }

  private reply(scripted: Scripted): Promise<Response> | Response {
    if (scripted === 'hang') return new Promise<Response>(() => {}); // never answers; the client must time out
    if ('status' in scripted && typeof scripted.status === 'number') return new Response('<html>busy</html>', { status: scripted.status });
    return json(scripted);
  }
}

const message = (o: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  touser: 'o-openid-1',
  templateId: 'TPL-arrival',
  page: 'pages/order/detail/index?id=1',
  data: { thing2: { value: '阳光花园' }, character_string3: { value: '83920174' } },
  ...o,
});

let wechat: FakeWechat;
let clockMs: number;

beforeEach(async () => {
  wechat = new FakeWechat();
  await wechat.start();
  clockMs = Date.parse('2026-11-25T08:00:00Z');
});

afterEach(async () => {
  await wechat.stop();
});

const tokens = () => createStableTokenProvider({ appId: APP_ID, appSecret: SECRET, baseUrl: wechat.baseUrl, now: () => clockMs });
const sender = (timeoutMs = 2000) =>
  createWechatSubscribeSender({ tokens: tokens(), baseUrl: wechat.baseUrl, timeoutMs, miniprogramState: 'trial' });

describe('stable token provider', () => {
  it('asks stable_token with the app credentials and caches the token until 5 minutes before expiry', async () => {
    const provider = tokens();

    expect(await provider.get()).toBe('TOKEN-1');
    clockMs += (7200 - 301) * 1000;
    expect(await provider.get()).toBe('TOKEN-1');
    expect(wechat.tokenCalls).toEqual([{ grant_type: 'client_credential', appid: APP_ID, secret: SECRET, force_refresh: false }]);

    clockMs += 2000;
    await provider.get();
    expect(wechat.tokenCalls).toHaveLength(2);
  });

  it('keeps the cache in module memory: a provider created later (next invocation) reuses it', async () => {
    await tokens().get();
    await tokens().get();
    expect(wechat.tokenCalls).toHaveLength(1);
  });

  it('forces a refresh at most once per 30 seconds', async () => {
    const provider = tokens();
    await provider.get();

    expect(await provider.refresh()).toBe('TOKEN-2');
    await provider.refresh();
    expect(wechat.tokenCalls.filter((c) => c.force_refresh)).toHaveLength(1);

    clockMs += 31_000;
    expect(await provider.refresh()).toBe('TOKEN-3');
  });
});

describe('WeChat subscribe sender', () => {
  it('posts the message with the cached token: one token call for many sends', async () => {
    const s = sender();

    for (let i = 0; i < 5; i += 1) expect(await s.send(message({ touser: `o-${i}` }))).toEqual({ status: 'sent' });

    expect(wechat.tokenCalls).toHaveLength(1);
    expect(wechat.sendCalls).toHaveLength(5);
    expect(wechat.sendCalls[0]).toEqual({
      accessToken: 'TOKEN-1',
      body: {
        touser: 'o-0',
        template_id: 'TPL-arrival',
        page: 'pages/order/detail/index?id=1',
        data: { thing2: { value: '阳光花园' }, character_string3: { value: '83920174' } },
        miniprogram_state: 'trial',
        lang: 'zh_CN',
      },
    });
  });

  it('concurrent first sends share one token request', async () => {
    wechat.tokenDelayMs = 50;
    const s = sender();

    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.send(message({ touser: `o-${i}` }))));

    expect(results.every((r) => r.status === 'sent')).toBe(true);
    expect(wechat.tokenCalls).toHaveLength(1);
  });

  it('on 40001 refreshes the token once and succeeds', async () => {
    const s = sender();
    await s.send(message());
    wechat.sendScript.push({ errcode: 40001, errmsg: 'invalid credential' });

    const result = await s.send(message());

    expect(result).toEqual({ status: 'sent' });
    expect(wechat.tokenCalls.map((c) => c.force_refresh)).toEqual([false, false, true]);
    expect(wechat.sendCalls.map((c) => c.accessToken)).toEqual(['TOKEN-1', 'TOKEN-1', 'TOKEN-2']);
  });

  it('picks up a token replaced by another instance without forcing a new one', async () => {
    const s = sender();
    await s.send(message());
    wechat.replaceTokenElsewhere();

    expect(await s.send(message())).toEqual({ status: 'sent' });
    expect(wechat.tokenCalls.map((c) => c.force_refresh)).toEqual([false, false]);
  });

  it('retries a still-refused token later instead of refreshing again', async () => {
    const s = sender();
    wechat.sendScript.push({ errcode: 40001, errmsg: 'invalid credential' });
    // After the forced refresh WeChat still refuses: the send is retried later, no third token.
    wechat.tokenScript = [{ access_token: 'TOKEN-1', expires_in: 7200 }, { access_token: 'TOKEN-1', expires_in: 7200 }, { access_token: 'TOKEN-X', expires_in: 7200 }];

    const result = await s.send(message());

    expect(result).toMatchObject({ status: 'retry', errcode: 40001 });
    expect(wechat.sendCalls).toHaveLength(2);
    expect(wechat.tokenCalls).toHaveLength(3);
    expect(JSON.stringify(result)).not.toContain('TOKEN-X');
  });

  it.each([
    [{ errcode: 43101, errmsg: 'user refuse to accept the msg' }, { status: 'no_quota', errcode: 43101 }],
    [{ errcode: 47003, errmsg: 'argument invalid! data.thing2.value invalid' }, { status: 'failed', errcode: 47003 }],
    [{ errcode: 40003, errmsg: 'invalid openid' }, { status: 'failed', errcode: 40003 }],
    [{ errcode: 40037, errmsg: 'invalid template_id' }, { status: 'failed', errcode: 40037 }],
    [{ errcode: 45009, errmsg: 'reach max api daily quota limit' }, { status: 'retry', errcode: 45009 }],
    [{ errcode: -1, errmsg: 'system error' }, { status: 'retry', errcode: -1 }],
    [{ status: 502 }, { status: 'retry' }],
    [{ status: 404 }, { status: 'failed' }],
  ] as const)('maps %j to %j', async (answer, expected) => {
    wechat.sendScript.push(answer);

    const result = await sender().send(message());

    expect(result).toMatchObject(expected);
    expect(wechat.sendCalls).toHaveLength(1);
  });

  it('gives up on a hanging response after timeoutMs and asks for a retry', async () => {
    wechat.sendScript.push('hang');
    const started = performance.now();

    const result = await sender(100).send(message());

    expect(result).toEqual({ status: 'retry', message: 'wechat: timeout after 100ms' });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('asks for a retry on a network error', async () => {
    const s = sender();
    await s.send(message());
    await wechat.stop();

    const result = await s.send(message());

    expect(result.status).toBe('retry');
    expect(result).toMatchObject({ message: expect.stringMatching(/^wechat: network error/) });
  });

  it('never puts the access token or the secret in a result', async () => {
    const s = sender();
    await s.send(message());
    wechat.sendScript.push({ errcode: 47003, errmsg: 'argument invalid, access_token=TOKEN-1 rid: 1' });
    const bad = await s.send(message());
    expect(JSON.stringify(bad)).not.toContain('TOKEN-1');

    wechat.tokenScript = [{ errcode: 40125, errmsg: `invalid appsecret ${SECRET}` }];
    const fresh = createWechatSubscribeSender({
      tokens: createStableTokenProvider({ appId: 'other-app', appSecret: SECRET, baseUrl: wechat.baseUrl, now: () => clockMs }),
      baseUrl: wechat.baseUrl,
    });
    const tokenFailure = await fresh.send(message());
    expect(tokenFailure).toMatchObject({ status: 'failed', errcode: 40125 });
    expect(JSON.stringify(tokenFailure)).not.toContain(SECRET);
  });

  it('asks for a retry when the token endpoint is busy', async () => {
    wechat.tokenScript = [{ errcode: -1, errmsg: 'system error' }];

    expect(await sender().send(message())).toMatchObject({ status: 'retry', errcode: -1 });
    expect(wechat.sendCalls).toHaveLength(0);
  });
});
