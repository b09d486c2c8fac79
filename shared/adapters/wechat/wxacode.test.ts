import { describe, expect, it } from 'vitest';
import { createWechatCodes } from './wxacode.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

function tokens() {
  const seen: (string | undefined)[] = [];
  let n = 1;
  return {
    seen,
    get: async () => `tok-${n}`,
    refresh: async (rejected?: string) => {
      seen.push(rejected);
      n++;
      return `tok-${n}`;
    },
  };
}

describe('wxacode.getUnlimited over HTTPS', () => {
  it('posts the scene and page with the access token and answers the image', async () => {
    const calls: { url: string; body: any }[] = [];
    const codes = createWechatCodes({
      tokens: tokens(),
      baseUrl: 'https://wx.test',
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, body: JSON.parse(String(init.body)) });
        return new Response(PNG, { status: 200, headers: { 'content-type': 'image/png' } });
      }) as typeof fetch,
    });
    const out = await codes.unlimited({ scene: 'sabc', page: 'pages/index/index' });
    expect(out.contentType).toBe('image/png');
    expect([...out.bytes]).toEqual([...PNG]);
    expect(calls).toEqual([{ url: 'https://wx.test/wxa/getwxacodeunlimit?access_token=tok-1', body: { scene: 'sabc', page: 'pages/index/index', width: 430, check_path: false, env_version: 'release' } }]);
  });

  it('an expired token (42001) is refreshed once; another error fails naming its errcode', async () => {
    const t = tokens();
    let answers = [{ errcode: 42001, errmsg: 'access_token expired' }, { errcode: 41030, errmsg: 'invalid page' }];
    const codes = createWechatCodes({
      tokens: t,
      fetch: (async () => new Response(JSON.stringify(answers.shift()), { status: 200, headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch,
    });
    await expect(codes.unlimited({ scene: 's1' })).rejects.toThrow(/errcode 41030/);
    expect(t.seen).toEqual(['tok-1']);
    answers = [{ errcode: 40001, errmsg: 'x' }, { errcode: 40001, errmsg: 'x' }];
    await expect(codes.unlimited({ scene: 's1' })).rejects.toThrow(/errcode 40001/);
  });
});
