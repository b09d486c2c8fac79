import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '#ports/message-sender';
import { createCloudSubscribeSender, type SubscribeMessageCloud } from './subscribe-sender.ts';

/** A fake wx-server-sdk cloud object: records calls, answers or throws like CloudSDKError. */
const fakeCloud = (outcome: 'ok' | { errCode?: number; errMsg: string }) => {
  const calls: unknown[] = [];
  const cloud: SubscribeMessageCloud = {
    openapi: {
      subscribeMessage: {
        send: async (params) => {
          calls.push(params);
          if (outcome === 'ok') return { errCode: 0, errMsg: 'openapi.subscribeMessage.send:ok' };
          throw Object.assign(new Error(`errCode: ${outcome.errCode} | errMsg: ${outcome.errMsg}`), outcome);
        },
      },
    },
  };
  return { cloud, calls };
};

const message = (o: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  touser: 'o-openid-1',
  templateId: 'TPL-refund',
  page: 'pages/order/detail/index?id=1',
  data: { phrase4: { value: '退款成功' } },
  ...o,
});

describe('CloudBase subscribe sender', () => {
  it('sends through cloud.openapi.subscribeMessage.send with camelCase parameters', async () => {
    const { cloud, calls } = fakeCloud('ok');

    const result = await createCloudSubscribeSender({ cloud, miniprogramState: 'developer' }).send(message());

    expect(result).toEqual({ status: 'sent' });
    expect(calls).toEqual([
      {
        touser: 'o-openid-1',
        templateId: 'TPL-refund',
        page: 'pages/order/detail/index?id=1',
        data: { phrase4: { value: '退款成功' } },
        miniprogramState: 'developer',
        lang: 'zh_CN',
      },
    ]);
  });

  it.each([
    [43101, 'openapi.subscribeMessage.send:fail user refuse to accept the msg', 'no_quota'],
    [47003, 'openapi.subscribeMessage.send:fail argument invalid! data.thing1.value invalid', 'failed'],
    [40037, 'openapi.subscribeMessage.send:fail invalid template_id', 'failed'],
    [-604101, 'function has no permission to call this API', 'failed'],
    [45009, 'reach max api daily quota limit', 'retry'],
    [-1, 'system error', 'retry'],
    [-501002, 'server timeout', 'retry'],
    [-601003, 'system network error', 'retry'],
  ] as const)('maps a thrown errCode %i to %s', async (errCode, errMsg, status) => {
    const { cloud } = fakeCloud({ errCode, errMsg });

    const result = await createCloudSubscribeSender({ cloud }).send(message());

    expect(result).toMatchObject({ status, errcode: errCode });
    expect(result).toMatchObject({ message: expect.stringContaining(errMsg) });
  });

  it('retries an error without errCode (e.g. a socket timeout)', async () => {
    const { cloud } = fakeCloud({ errMsg: 'ESOCKETTIMEDOUT' });

    expect(await createCloudSubscribeSender({ cloud }).send(message())).toEqual({ status: 'retry', message: 'cloud call: ESOCKETTIMEDOUT' });
  });

  it('maps a non-zero errCode returned instead of thrown', async () => {
    const cloud: SubscribeMessageCloud = {
      openapi: { subscribeMessage: { send: async () => ({ errCode: 43101, errMsg: 'user refuse to accept the msg' }) } },
    };

    expect(await createCloudSubscribeSender({ cloud }).send(message())).toMatchObject({ status: 'no_quota', errcode: 43101 });
  });
});
