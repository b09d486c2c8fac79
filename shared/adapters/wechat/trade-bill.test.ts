import { describe, expect, it } from 'vitest';
import { fenOf, parseTradeBill, renderTradeBill } from './trade-bill.ts';

describe('WeChat Pay trade bill', () => {
  it('amounts in yuan become exact fen', () => {
    expect([fenOf('0.01'), fenOf('12.3'), fenOf('100.00'), fenOf('19.99')]).toEqual([1, 1230, 10000, 1999]);
    expect(() => fenOf('1,00')).toThrow();
  });
  it('parses what it renders: payment and refund lines, the summary skipped', () => {
    const common = { transactionId: '4200000001', appId: 'wx1', mchId: '1900000001' };
    const text = renderTradeBill([
      { kind: 'PAYMENT', outTradeNo: 'o-1', amountFen: 1999, at: '2028-02-04 09:00:00', ...common },
      { kind: 'REFUND', outTradeNo: 'o-1', outRefundNo: 'o-1-rf-1', amountFen: 500, at: '2028-02-04 09:30:00', ...common },
    ]);
    expect(text.split('\r\n')[1]!.startsWith('`2028-02-04 09:00:00,`wx1')).toBe(true);
    expect(parseTradeBill(text)).toEqual([
      { kind: 'PAYMENT', outTradeNo: 'o-1', amountFen: 1999, at: '2028-02-04 09:00:00' },
      { kind: 'REFUND', outTradeNo: 'o-1', outRefundNo: 'o-1-rf-1', amountFen: 500, at: '2028-02-04 09:30:00' },
    ]);
    expect(() => parseTradeBill('nonsense')).toThrow();
  });
});
