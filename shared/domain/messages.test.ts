import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import {
  MESSAGE_AUDIENCE,
  MESSAGE_KEYS,
  MESSAGES,
  renderMessage,
  type ArrivalNoticePayload,
  type CutoffSummaryPayload,
  type MessageKey,
  type MessagePayload,
  type RefundResultPayload,
  type StatementPayload,
  type WithdrawalResultPayload,
} from './messages.ts';
import { validateField, type FieldKind } from './template-fields.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

// Fixture builders: a realistic payload per message, overridable per test.
const cutoff = (o: Partial<CutoffSummaryPayload> = {}): CutoffSummaryPayload => ({
  waveDate: '2026-11-24',
  orderCount: 12,
  itemCount: 30,
  expectedArrivalAt: '2026-11-25T08:00:00.000Z', // 16:00 in Shanghai
  ...o,
});
const arrival = (o: Partial<ArrivalNoticePayload> = {}): ArrivalNoticePayload => ({
  orderId: '01JD0000000000000000000000',
  orderShortNo: 'A-0042',
  pickupPointName: '阳光花园3栋便利店',
  pickupCode: '83920174',
  pickupDeadline: '2026-11-27T14:00:00Z',
  ...o,
});
const refund = (o: Partial<RefundResultPayload> = {}): RefundResultPayload => ({
  orderId: '01JD0000000000000000000001',
  orderShortNo: 'A-0043',
  amountFen: 1250,
  reason: '商品缺货',
  status: 'succeeded',
  ...o,
});
const statement = (o: Partial<StatementPayload> = {}): StatementPayload => ({
  period: '2026-W48',
  totalFen: 123_456,
  availableFen: 200_000,
  ...o,
});
const withdrawal = (o: Partial<WithdrawalResultPayload> = {}): WithdrawalResultPayload => ({
  withdrawalId: '01JD0000000000000000000002',
  amountFen: 50_000,
  result: 'approved',
  at: '2026-11-30T02:05:00Z',
  ...o,
});

const fixtures: { [K in MessageKey]: MessagePayload<K> } = {
  cutoffSummary: cutoff(),
  arrivalReminder: { waveDate: '2026-11-24', pickupPointName: '阳光花园3栋便利店', orderCount: 12, arrivedAt: '2026-11-25T07:40:00Z' },
  arrivalNotice: arrival(),
  pickupReminder: arrival(),
  refundResult: refund(),
  statement: statement(),
  withdrawalResult: withdrawal(),
  refundAlert: { orderId: 'o-1', orderShortNo: '000123', amountFen: 2590, problem: 'refundAbnormal', at: '2026-11-24T22:00:00+08:00' },
  jobFailed: { job: 'cutoff', runId: '01JD0000000000000000000000', code: 'INTERNAL', at: '2026-11-24T22:05:00+08:00' },
  leaderApplication: { applicationId: 'app-1', pointName: '阳光花园3栋便利店', result: 'approved', at: '2026-11-24T22:05:00+08:00' },
  announcement: { announcementId: 'ann-1', title: '新团长培训：核销与售后', kind: 'training', publishedAt: '2026-11-24T22:05:00+08:00' },
  lateNotice: { orderId: 'o-1', orderShortNo: '000123', pickupPointName: '阳光花园3栋便利店', newArrivalAt: '2026-11-25T19:00:00+08:00', reason: '暴雨封路，延迟到货' },
  lateNoticeLeader: { waveDate: '2026-11-24', pickupPointName: '阳光花园3栋便利店', orderCount: 12, newArrivalAt: '2026-11-25T19:00:00+08:00', reason: '暴雨封路，延迟到货' },
};

const values = (data: Record<string, { value: string }>): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.value]));

describe('catalogue', () => {
  it('lists every message with its audience', () => {
    expect(MESSAGE_KEYS.sort()).toEqual(
      ['arrivalNotice', 'arrivalReminder', 'cutoffSummary', 'pickupReminder', 'refundResult', 'statement', 'withdrawalResult', 'refundAlert', 'jobFailed', 'leaderApplication', 'announcement', 'lateNotice', 'lateNoticeLeader'].sort(),
    );
    expect(MESSAGE_AUDIENCE).toEqual({
      cutoffSummary: 'leader',
      arrivalReminder: 'leader',
      arrivalNotice: 'customer',
      pickupReminder: 'customer',
      refundResult: 'customer',
      statement: 'leader',
      withdrawalResult: 'leader',
      refundAlert: 'staff',
      jobFailed: 'staff',
      leaderApplication: 'customer',
      announcement: 'leader',
      lateNotice: 'customer',
      lateNoticeLeader: 'leader',
    });
  });

  it('names every data key by its field kind and an index, and builds exactly those keys', () => {
    for (const key of MESSAGE_KEYS) {
      const { fields } = MESSAGES[key];
      for (const [dataKey, kind] of Object.entries(fields)) expect(dataKey).toMatch(new RegExp(`^${kind}\\d+$`));
      expect(Object.keys(renderMessage(key, fixtures[key]).data).sort()).toEqual(Object.keys(fields).sort());
    }
  });
});

describe('renderMessage', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = originalTz;
  });

  it('renders the cutoff summary in Shanghai time whatever the process time zone', () => {
    process.env.TZ = 'America/Los_Angeles';

    const out = renderMessage('cutoffSummary', cutoff());

    expect(values(out.data)).toEqual({
      date1: '2026-11-24',
      number2: '12',
      number3: '30',
      time4: '2026-11-25 16:00',
      thing5: '12单/30件，预计明日16:00到货',
    });
    expect(out.page).toBe('pages/leader/wave/index?date=2026-11-24');
  });

  it('keeps the cutoff line within 20 characters for large counts and a later arrival', () => {
    const out = renderMessage('cutoffSummary', cutoff({ orderCount: 123, itemCount: 4567 }));
    expect(out.data.thing5?.value).toBe('123单/4567件，明日16:00到货');
    const huge = renderMessage('cutoffSummary', cutoff({ orderCount: 12345, itemCount: 67890 }));
    expect(huge.data.thing5?.value).toBe('12345单/67890件，明日16:…');

    const late = renderMessage('cutoffSummary', cutoff({ expectedArrivalAt: '2026-11-26T02:30:00Z' }));
    expect(late.data.thing5?.value).toBe('12单/30件，预计26日10:30到货');
  });

  it('renders the arrival notice with code, point and deadline, and encodes the page query', () => {
    const out = renderMessage('arrivalNotice', arrival({ orderId: 'a&b' }));

    expect(values(out.data)).toEqual({
      character_string1: 'A-0042',
      thing2: '阳光花园3栋便利店',
      character_string3: '83920174',
      time4: '2026-11-27 22:00',
      thing5: '商品已到货，请凭取货码自提',
    });
    expect(out.page).toBe('pages/order/detail/index?id=a%26b');
  });

  it('sanitizes values from the payload: a long point name, an emoji', () => {
    const out = renderMessage('pickupReminder', arrival({ pickupPointName: '🏠阳光花园小区南门东侧三十米处的社区团购自提点' }));
    expect(out.data.thing2?.value).toBe('阳光花园小区南门东侧三十米处的社区团购…');
  });

  it('renders refund results with a yuan amount and a status phrase', () => {
    expect(values(renderMessage('refundResult', refund()).data)).toEqual({
      character_string1: 'A-0043',
      amount2: '¥12.50',
      thing3: '商品缺货',
      phrase4: '退款成功',
    });
    expect(renderMessage('refundResult', refund({ status: 'processing' })).data.phrase4?.value).toBe('退款中');
    expect(renderMessage('refundResult', refund({ amountFen: 1_234_567_890 })).data.amount2?.value).toBe('¥12345678.90');
  });

  it('renders a weekly statement, and words a net deduction without a negative amount', () => {
    expect(values(renderMessage('statement', statement()).data)).toEqual({
      thing1: '2026年第48周佣金结算',
      amount2: '¥1234.56',
      amount3: '¥2000.00',
      thing4: '结算单已生成，可申请提现',
    });
    const negative = values(renderMessage('statement', statement({ period: '2026-11-26', totalFen: -500 })).data);
    expect(negative).toMatchObject({ thing1: '2026-11-26佣金结算', amount2: '¥0.00', thing4: '退款扣减¥5.00，详见账单' });
  });

  it('renders withdrawal results with a default note or the given reason', () => {
    expect(values(renderMessage('withdrawalResult', withdrawal()).data)).toEqual({
      amount1: '¥500.00',
      phrase2: '已通过',
      thing3: '请在小程序中确认收款',
      time4: '2026-11-30 10:05',
    });
    const rejected = renderMessage('withdrawalResult', withdrawal({ result: 'rejected', reason: '账户信息有误' }));
    expect(rejected.data.phrase2?.value).toBe('已驳回');
    expect(rejected.data.thing3?.value).toBe('账户信息有误');
    expect(renderMessage('withdrawalResult', withdrawal({ result: 'failed' })).data.phrase2?.value).toBe('转账失败');
  });

  it('refuses a bad payload with VALIDATION_FAILED naming the field', () => {
    const bad = () => renderMessage('refundResult', refund({ amountFen: 12.5 }));
    expect(bad).toThrow(AppError);
    try {
      bad();
    } catch (e) {
      expect((e as AppError).code).toBe('VALIDATION_FAILED');
      expect((e as AppError).details).toMatchObject({ issues: [{ path: 'amountFen' }] });
    }
    expect(() => renderMessage('arrivalNotice', arrival({ pickupDeadline: '2026-11-27 22:00' }))).toThrow(AppError);
  });

  it('always produces values WeChat accepts, whatever the free text in the payload', () => {
    const anyText = fc.string({ unit: 'binary', minLength: 1, maxLength: 60 });
    const emojiText = fc.string({ unit: fc.constantFrom('团', '购', '🍓', '👨‍👩‍👧', ' ', '\n', 'A', '9'), minLength: 1, maxLength: 40 });
    const text = fc.oneof(anyText, emojiText);
    const moment = fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2099-12-31') }).map((ms) => new Date(ms).toISOString());
    fc.assert(
      fc.property(text, text, text, fc.integer({ min: 0, max: 2 ** 50 }), moment, (a, b, c, amountFen, at) => {
        const rendered = [
          renderMessage('arrivalNotice', arrival({ orderShortNo: a, pickupPointName: b, pickupCode: c, pickupDeadline: at })),
          renderMessage('refundResult', refund({ orderShortNo: a, reason: b, amountFen })),
          renderMessage('withdrawalResult', withdrawal({ reason: c, amountFen, at })),
          renderMessage('arrivalReminder', { waveDate: '2026-11-24', pickupPointName: b, orderCount: amountFen, arrivedAt: at }),
        ];
        const keys = ['arrivalNotice', 'refundResult', 'withdrawalResult', 'arrivalReminder'] as const;
        rendered.forEach((r, i) => {
          const fields = MESSAGES[keys[i]!].fields as Record<string, FieldKind>;
          for (const [dataKey, { value }] of Object.entries(r.data)) {
            expect(validateField(fields[dataKey]!, value)).toEqual({ ok: true });
          }
        });
      }),
      { numRuns: 300 },
    );
  }, PROPERTY_TIMEOUT_MS);
});
