import type { BillLine } from '#ports/payment';

/**
 * WeChat Pay's trade bill (交易账单, v3 `GET /v3/bill/tradebill?bill_type=ALL`): CSV text, a
 * header line, one line per trade event with every value prefixed by a backtick, then a
 * summary header and a summary line. `ALL` lists payments (交易状态 SUCCESS) and refunds
 * (REFUND) of the day, so the fund-flow bill is not needed for order reconciliation.
 */
export const TRADE_BILL_HEADER = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
  '付款银行', '货币种类', '应结订单总金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型', '退款状态',
  '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
] as const;
const col = (name: (typeof TRADE_BILL_HEADER)[number]) => TRADE_BILL_HEADER.indexOf(name);

const yuan = (fen: number) => `${Math.trunc(fen / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;

/** Fen of a bill amount ("12.30"), exact (no float arithmetic). */
export function fenOf(text: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) throw new Error(`not an amount: ${text}`);
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '0').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}

export interface TradeBillRow extends BillLine {
  transactionId: string;
  refundNo?: string;
  appId: string;
  mchId: string;
  openid?: string;
}

/** Renders a bill as WeChat Pay does (what the sandbox serves). `at` is `YYYY-MM-DD HH:mm:ss` Beijing time. */
export function renderTradeBill(rows: TradeBillRow[]): string {
  const lines = [TRADE_BILL_HEADER.join(',')];
  let paid = 0;
  let refunded = 0;
  for (const r of rows) {
    const cells: string[] = Array.from({ length: TRADE_BILL_HEADER.length }, () => '');
    cells[col('交易时间')] = r.at;
    cells[col('公众账号ID')] = r.appId;
    cells[col('商户号')] = r.mchId;
    cells[col('微信订单号')] = r.transactionId;
    cells[col('商户订单号')] = r.outTradeNo;
    cells[col('用户标识')] = r.openid ?? '';
    cells[col('交易类型')] = 'JSAPI';
    cells[col('交易状态')] = r.kind === 'PAYMENT' ? 'SUCCESS' : 'REFUND';
    cells[col('货币种类')] = 'CNY';
    cells[col('应结订单总金额')] = r.kind === 'PAYMENT' ? yuan(r.amountFen) : '0.00';
    cells[col('代金券金额')] = '0.00';
    cells[col('微信退款单号')] = r.refundNo ?? '0';
    cells[col('商户退款单号')] = r.outRefundNo ?? '0';
    cells[col('退款金额')] = r.kind === 'REFUND' ? yuan(r.amountFen) : '0.00';
    cells[col('充值券退款金额')] = '0.00';
    cells[col('退款类型')] = r.kind === 'REFUND' ? 'ORIGINAL' : '';
    cells[col('退款状态')] = r.kind === 'REFUND' ? 'SUCCESS' : '';
    cells[col('商品名称')] = '社区团购';
    cells[col('手续费')] = '0.00';
    cells[col('费率')] = '0.60%';
    cells[col('订单金额')] = r.kind === 'PAYMENT' ? yuan(r.amountFen) : '0.00';
    cells[col('申请退款金额')] = r.kind === 'REFUND' ? yuan(r.amountFen) : '0.00';
    lines.push(cells.map((c) => `\`${c}`).join(','));
    if (r.kind === 'PAYMENT') paid += r.amountFen;
    else refunded += r.amountFen;
  }
  lines.push('总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额');
  lines.push([rows.length, yuan(paid), yuan(refunded), '0.00', '0.00', yuan(paid), yuan(refunded)].map((c) => `\`${c}`).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** The trade and refund lines of a bill (the summary lines are skipped). */
export function parseTradeBill(text: string): BillLine[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',').map((h) => h.trim());
  if (!header || header[0] !== '交易时间') throw new Error('not a trade bill');
  const at = (name: string) => header.indexOf(name);
  const out: BillLine[] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith('总交易单数')) break;
    const cells = line.split(',').map((c) => c.replace(/^`/, '').trim());
    const state = cells[at('交易状态')];
    const outTradeNo = cells[at('商户订单号')] ?? '';
    const time = cells[at('交易时间')] ?? '';
    if (state === 'SUCCESS') out.push({ kind: 'PAYMENT', outTradeNo, amountFen: fenOf(cells[at('订单金额')] ?? cells[at('应结订单总金额')] ?? '0'), at: time });
    else if (state === 'REFUND') out.push({ kind: 'REFUND', outTradeNo, outRefundNo: cells[at('商户退款单号')] ?? '', amountFen: fenOf(cells[at('申请退款金额')] ?? cells[at('退款金额')] ?? '0'), at: time });
  }
  return out;
}
