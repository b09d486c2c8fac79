import { describe, expect, it } from 'vitest';
import { AppError } from '#domain/errors';
import { CLOUD_PAY_CALLBACK_ANSWER, CloudPayError, createCloudPay, parseCloudPayCallback, shanghaiTimeToIso, type CloudPayModule } from './cloud-pay.ts';

const NOW = Date.parse('2025-06-01T10:00:00+08:00');

/** The callback event as wx-server-sdk hands it to the callback function (camelCase). */
const callbackEvent = {
  returnCode: 'SUCCESS',
  appid: 'wxd2565e6a04246fd1',
  mchId: '1800780001',
  subAppid: 'wxd2565e6a04246fd1',
  subMchId: '1712734762',
  nonceStr: 'f6444fd22de27b16',
  resultCode: 'SUCCESS',
  openid: 'oPoo341Im-roYxAd3WD3D_6J-4bA',
  subOpenid: 'oZWaC4xeOVCUkip5njeEeXi1TEsk',
  tradeType: 'JSAPI',
  bankType: 'OTHERS',
  totalFee: 2590,
  feeType: 'CNY',
  cashFee: 2590,
  transactionId: '4200004561202203217657282768',
  outTradeNo: '01JXORDER0000000000000001',
  timeEnd: '20250601095930',
};

type Call = [api: string, params: Record<string, unknown>];

/** A fake `cloud` recording each cloudPay call and answering from a table. */
function fakeCloud(answers: Partial<Record<'unifiedOrder' | 'refund' | 'queryOrder' | 'queryRefund', unknown>>) {
  const calls: Call[] = [];
  const api = (name: 'unifiedOrder' | 'refund' | 'queryOrder' | 'queryRefund') => async (params: Record<string, unknown>) => {
    calls.push([name, params]);
    const answer = answers[name];
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const cloud: CloudPayModule = { cloudPay: { unifiedOrder: api('unifiedOrder'), refund: api('refund'), queryOrder: api('queryOrder'), queryRefund: api('queryRefund') } };
  return { cloud, calls };
}

const gateway = (cloud: CloudPayModule) => createCloudPay({ cloud, subMchId: '1712734762', envId: 'prod-env-1', functionName: 'payCallback', now: () => NOW });

const prepayInput = { orderId: '01JXORDER0000000000000001', amountFen: 2590, openid: 'oZWaC4xeOVCUkip5njeEeXi1TEsk', description: '社区团购-草莓', expiresAt: '2025-06-01T10:30:00+08:00' };

describe('prepay', () => {
  it('calls unifiedOrder and maps its payment to wx.requestPayment parameters', async () => {
    const fake = fakeCloud({
      unifiedOrder: {
        returnCode: 'SUCCESS',
        resultCode: 'SUCCESS',
        payment: { appId: 'wxd2565e6a04246fd1', timeStamp: '1748743200', nonceStr: 'abc', package: 'prepay_id=wx01', signType: 'MD5', paySign: 'SIGN' },
      },
    });

    const params = await gateway(fake.cloud).prepay(prepayInput);

    expect(params).toEqual({ timeStamp: '1748743200', nonceStr: 'abc', package: 'prepay_id=wx01', signType: 'MD5', paySign: 'SIGN' });
    expect(fake.calls).toHaveLength(1);
    const [api, sent] = fake.calls[0]!;
    expect(api).toBe('unifiedOrder');
    expect(sent).toEqual({
      body: '社区团购-草莓',
      outTradeNo: '01JXORDER0000000000000001',
      spbillCreateIp: '127.0.0.1',
      subMchId: '1712734762',
      totalFee: 2590,
      envId: 'prod-env-1',
      functionName: 'payCallback',
      nonceStr: expect.stringMatching(/^[0-9a-f]{32}$/),
      tradeType: 'JSAPI',
    });
  });

  it('fails clearly when returnCode or resultCode is not SUCCESS', async () => {
    const returnFail = fakeCloud({ unifiedOrder: { returnCode: 'FAIL', returnMsg: 'sub_mch_id与sub_appid不匹配' } });
    await expect(gateway(returnFail.cloud).prepay(prepayInput)).rejects.toMatchObject({ name: 'CloudPayError', code: 'RETURN_FAIL' });

    const resultFail = fakeCloud({ unifiedOrder: { returnCode: 'SUCCESS', resultCode: 'FAIL', errCode: 'ORDERPAID' } });
    const error = await gateway(resultFail.cloud).prepay(prepayInput).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudPayError);
    expect(error).toMatchObject({ code: 'ORDERPAID', message: 'cloudPay.unifiedOrder failed: ORDERPAID' });
  });

  it('reports an SDK exception by its errCode only', async () => {
    const fake = fakeCloud({ unifiedOrder: Object.assign(new Error('secret-ish details'), { errCode: -604101 }) });
    const error = await gateway(fake.cloud).prepay(prepayInput).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '-604101' });
    expect((error as Error).message).not.toContain('secret');
  });

  it('refuses a missing payment object, bad amounts and a closed window', async () => {
    const noPayment = fakeCloud({ unifiedOrder: { returnCode: 'SUCCESS', resultCode: 'SUCCESS' } });
    await expect(gateway(noPayment.cloud).prepay(prepayInput)).rejects.toMatchObject({ code: 'UNEXPECTED_RESPONSE' });
    const fake = fakeCloud({});
    await expect(gateway(fake.cloud).prepay({ ...prepayInput, amountFen: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(gateway(fake.cloud).prepay({ ...prepayInput, amountFen: 1.5 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(gateway(fake.cloud).prepay({ ...prepayInput, expiresAt: '2025-06-01T09:00:00+08:00' })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(fake.calls).toEqual([]);
  });

  it('keeps the body within 128 UTF-8 bytes', async () => {
    const fake = fakeCloud({ unifiedOrder: { returnCode: 'SUCCESS', resultCode: 'SUCCESS', payment: { timeStamp: 1, nonceStr: 'n', package: 'prepay_id=x', signType: 'MD5', paySign: 's' } } });
    await gateway(fake.cloud).prepay({ ...prepayInput, description: '草'.repeat(100) });
    expect(Buffer.byteLength(fake.calls[0]![1].body as string)).toBe(126);
  });
});

describe('refund', () => {
  it('calls refund with the stable out_refund_no and reports PROCESSING', async () => {
    const fake = fakeCloud({ refund: { returnCode: 'SUCCESS', resultCode: 'SUCCESS', refundId: '50000' } });

    const result = await gateway(fake.cloud).refund({ orderId: 'O1', refundId: 'R-O1-1', amountFen: 590, totalFen: 2590, reason: '售后' });

    expect(result).toEqual({ refundId: 'R-O1-1', status: 'PROCESSING' });
    expect(fake.calls[0]).toEqual([
      'refund',
      {
        outTradeNo: 'O1',
        outRefundNo: 'R-O1-1',
        totalFee: 2590,
        refundFee: 590,
        subMchId: '1712734762',
        envId: 'prod-env-1',
        functionName: 'payCallback',
        nonceStr: expect.stringMatching(/^[0-9a-f]{32}$/),
        refundDesc: '售后',
      },
    ]);
  });

  it('fails with the WeChat error code and refuses a refund above the total', async () => {
    const fake = fakeCloud({ refund: { returnCode: 'SUCCESS', resultCode: 'FAIL', errCode: 'NOTENOUGH' } });
    await expect(gateway(fake.cloud).refund({ orderId: 'O1', refundId: 'R1', amountFen: 1, totalFen: 2, reason: '' })).rejects.toMatchObject({ code: 'NOTENOUGH' });
    await expect(gateway(fake.cloud).refund({ orderId: 'O1', refundId: 'R1', amountFen: 3, totalFen: 2, reason: '' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('parseCloudPayCallback', () => {
  it('reads a successful payment with Beijing time as ISO', () => {
    expect(parseCloudPayCallback(callbackEvent)).toEqual({
      orderId: '01JXORDER0000000000000001',
      transactionId: '4200004561202203217657282768',
      amountFen: 2590,
      payerOpenid: 'oZWaC4xeOVCUkip5njeEeXi1TEsk',
      paidAt: '2025-06-01T09:59:30+08:00',
      tradeState: 'SUCCESS',
    });
    expect(Date.parse(parseCloudPayCallback(callbackEvent).paidAt)).toBe(Date.parse('2025-06-01T01:59:30Z'));
  });

  it('refuses anything but a complete success', () => {
    const bad = [
      { ...callbackEvent, returnCode: 'FAIL' },
      { ...callbackEvent, resultCode: 'FAIL' },
      { ...callbackEvent, resultCode: undefined },
      { ...callbackEvent, outTradeNo: '' },
      { ...callbackEvent, totalFee: 25.9 },
      { ...callbackEvent, transactionId: undefined },
      { ...callbackEvent, timeEnd: '2025-06-01 09:59:30' },
      { ...callbackEvent, timeEnd: '20251301095930' },
      { ...callbackEvent, timeEnd: '20250231095930' }, // Date.parse would roll it to 3 March
      { ...callbackEvent, timeEnd: '20250601240000' },
      null,
    ];
    for (const event of bad) {
      expect(() => parseCloudPayCallback(event), JSON.stringify(event)).toThrow(AppError);
      expect(() => parseCloudPayCallback(event)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });

  it('converts across the day line in Beijing time', () => {
    expect(shanghaiTimeToIso('20250601000500')).toBe('2025-06-01T00:05:00+08:00');
    expect(new Date(shanghaiTimeToIso('20250601000500')).toISOString()).toBe('2025-05-31T16:05:00.000Z');
  });

  it('exports the answer that stops WeChat from calling again', () => {
    expect(CLOUD_PAY_CALLBACK_ANSWER).toEqual({ errcode: 0, errmsg: '' });
  });
});

describe('confirmCallback / parseNotification', () => {
  const paidOrder = { returnCode: 'SUCCESS', resultCode: 'SUCCESS', tradeState: 'SUCCESS', outTradeNo: callbackEvent.outTradeNo, transactionId: callbackEvent.transactionId, totalFee: 2590 };

  it('believes a callback that queryOrder confirms', async () => {
    const fake = fakeCloud({ queryOrder: paidOrder });
    await expect(gateway(fake.cloud).parseNotification({ headers: {}, body: JSON.stringify(callbackEvent) })).resolves.toMatchObject({ orderId: callbackEvent.outTradeNo, amountFen: 2590, tradeState: 'SUCCESS' });
    expect(fake.calls[0]).toEqual(['queryOrder', { subMchId: '1712734762', outTradeNo: callbackEvent.outTradeNo, nonceStr: expect.any(String) }]);
  });

  it('refuses a made-up callback that WeChat does not confirm', async () => {
    const forgedAmount = fakeCloud({ queryOrder: { ...paidOrder, totalFee: 1 } });
    await expect(gateway(forgedAmount.cloud).confirmCallback(callbackEvent)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const unpaid = fakeCloud({ queryOrder: { ...paidOrder, tradeState: 'NOTPAY', transactionId: undefined } });
    await expect(gateway(unpaid.cloud).confirmCallback(callbackEvent)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const otherTransaction = fakeCloud({ queryOrder: { ...paidOrder, transactionId: '4200000000000000000000000000' } });
    await expect(gateway(otherTransaction.cloud).confirmCallback(callbackEvent)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('reports a refunded order as REFUND', async () => {
    const fake = fakeCloud({ queryOrder: { ...paidOrder, tradeState: 'REFUND' } });
    await expect(gateway(fake.cloud).confirmCallback(callbackEvent)).resolves.toMatchObject({ tradeState: 'REFUND' });
  });

  it('reports a malformed body as VALIDATION_FAILED without querying', async () => {
    const fake = fakeCloud({ queryOrder: paidOrder });
    await expect(gateway(fake.cloud).parseNotification({ headers: {}, body: 'not json' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(fake.calls).toEqual([]);
  });
});

describe('queryRefund / parseRefundNotification (refund result callbacks)', () => {
  const ORDER = '01JXORDER0000000000000001';
  const REFUND = `${ORDER}-CANCEL`;
  const refundCallback = (refundStatus: string, refundFee = 2590) => ({
    returnCode: 'SUCCESS',
    appid: 'wxd2565e6a04246fd1',
    mchId: '1800780001',
    subMchId: '1712734762',
    nonceStr: 'abc',
    reqInfo: { transactionId: '4200004561202203217657282768', outTradeNo: ORDER, refundId: '50300000000000000000000001', outRefundNo: REFUND, totalFee: 2590, refundFee, settlementRefundFee: refundFee, refundStatus, successTime: '2025-06-01 10:05:00' },
  });
  const lists = (status: string, fee = 2590) => ({ returnCode: 'SUCCESS', resultCode: 'SUCCESS', outTradeNo: ORDER, refundCount: 1, outRefundNoList: [REFUND], refundFeeList: [fee], refundStatusList: [status] });
  const body = (event: unknown) => ({ headers: {}, body: JSON.stringify(event) });

  it('asks queryRefund by out_refund_no and records WeChat\'s answer, not the event\'s claim', async () => {
    const fake = fakeCloud({ queryRefund: lists('PROCESSING') });
    const notice = await gateway(fake.cloud).parseRefundNotification(body(refundCallback('SUCCESS')));
    expect(notice).toEqual({ orderId: ORDER, refundId: REFUND, status: 'PROCESSING', amountFen: 2590 });
    expect(fake.calls).toEqual([['queryRefund', { subMchId: '1712734762', outRefundNo: REFUND, nonceStr: expect.any(String) }]]);
  });

  it('maps SUCCESS, REFUNDCLOSE and CHANGE; reads numbered fields as well as lists', async () => {
    for (const [wx, ours] of [['SUCCESS', 'SUCCESS'], ['REFUNDCLOSE', 'CLOSED'], ['CHANGE', 'ABNORMAL']] as const) {
      const fake = fakeCloud({ queryRefund: lists(wx) });
      expect(await gateway(fake.cloud).queryRefund({ orderId: ORDER, refundId: REFUND })).toMatchObject({ status: ours });
    }
    const numbered = fakeCloud({ queryRefund: { returnCode: 'SUCCESS', resultCode: 'SUCCESS', outTradeNo: ORDER, refundCount: 1, outRefundNo0: REFUND, refundFee0: 2590, refundStatus0: 'SUCCESS' } });
    expect(await gateway(numbered.cloud).queryRefund({ orderId: ORDER, refundId: REFUND })).toEqual({ orderId: ORDER, refundId: REFUND, status: 'SUCCESS', amountFen: 2590 });
  });

  it('refuses a forged callback: a refund WeChat does not know, another order, another amount', async () => {
    const unknown = fakeCloud({ queryRefund: { returnCode: 'SUCCESS', resultCode: 'FAIL', errCode: 'REFUNDNOTEXIST' } });
    await expect(gateway(unknown.cloud).parseRefundNotification(body(refundCallback('SUCCESS')))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const otherOrder = fakeCloud({ queryRefund: { ...lists('SUCCESS'), outTradeNo: 'another-order' } });
    await expect(gateway(otherOrder.cloud).parseRefundNotification(body(refundCallback('SUCCESS')))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const otherAmount = fakeCloud({ queryRefund: lists('SUCCESS', 100) });
    await expect(gateway(otherAmount.cloud).parseRefundNotification(body(refundCallback('SUCCESS')))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses what is no refund callback without asking WeChat', async () => {
    const fake = fakeCloud({});
    for (const event of [{ returnCode: 'SUCCESS' }, { returnCode: 'FAIL', reqInfo: refundCallback('SUCCESS').reqInfo }, 'x']) {
      await expect(gateway(fake.cloud).parseRefundNotification(body(event))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    await expect(gateway(fake.cloud).parseRefundNotification({ headers: {}, body: '{' })).rejects.toBeInstanceOf(AppError);
    expect(fake.calls).toEqual([]);
  });

  it('a failed query is an error (the callback is answered so WeChat calls again), never a recorded result', async () => {
    const fake = fakeCloud({ queryRefund: Object.assign(new Error('timeout'), { errCode: -1 }) });
    await expect(gateway(fake.cloud).parseRefundNotification(body(refundCallback('SUCCESS')))).rejects.toBeInstanceOf(CloudPayError);
  });
});
