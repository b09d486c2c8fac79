/**
 * The catalogue of subscription messages the product sends. Each entry names its audience,
 * the WeChat data keys of its template (kind + index, as WeChat names them), the mini-program
 * page it opens and how a payload becomes field values. Template ids are deployment
 * configuration and live elsewhere; the outbox stores `{ key, payload }` and renders at send time.
 */
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import * as z from 'zod/mini';
import { AppError } from './errors.ts';
import { amountFromFen, sanitizeField, type FieldKind } from './template-fields.ts';
import { BUSINESS_TZ } from './time.ts';

dayjs.extend(utc);
dayjs.extend(timezone);


export type Audience = 'customer' | 'leader' | 'staff';

// ---- payloads ---------------------------------------------------------------------------

const fen = z.int().check(z.minimum(0));
const count = z.int().check(z.minimum(0));
const isoTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();
const text = z.string().check(z.minLength(1));

export const MESSAGE_PAYLOADS = {
  /** Leader, at cutoff: the wave's totals and when the goods should arrive. */
  cutoffSummary: z.object({ waveDate: isoDate, orderCount: count, itemCount: count, expectedArrivalAt: isoTime }),
  /** Leader: the goods of a wave reached the pickup point; please confirm arrival. */
  arrivalReminder: z.object({ waveDate: isoDate, pickupPointName: text, orderCount: count, arrivedAt: isoTime }),
  /** Customer: the order can be picked up with its code until the deadline. */
  arrivalNotice: z.object({
    orderId: text,
    orderShortNo: text,
    pickupPointName: text,
    pickupCode: text,
    pickupDeadline: isoTime,
  }),
  /** Customer, the day before the deadline: pick up or lose the goods (逾期不保留). */
  pickupReminder: z.object({
    orderId: text,
    orderShortNo: text,
    pickupPointName: text,
    pickupCode: text,
    pickupDeadline: isoTime,
  }),
  /** Customer: a refund's outcome. */
  refundResult: z.object({
    orderId: text,
    orderShortNo: text,
    amountFen: fen,
    reason: text,
    status: z.enum(['succeeded', 'processing', 'failed']),
  }),
  /** Leader: a settlement statement was issued (total may be negative after refunds). */
  statement: z.object({
    period: text,
    totalFen: z.int(),
    availableFen: fen,
  }),
  /** Leader: a withdrawal was decided or its transfer finished. */
  withdrawalResult: z.object({
    withdrawalId: text,
    amountFen: fen,
    result: z.enum(['approved', 'rejected', 'paid', 'failed']),
    reason: z.optional(z.string()),
    at: isoTime,
  }),
  /** Staff: money needs a person — a refund ended ABNORMAL or CLOSED, or a payment's amount differed from its order. */
  refundAlert: z.object({
    orderId: text,
    orderShortNo: text,
    amountFen: fen,
    problem: z.enum(['refundAbnormal', 'refundClosed', 'amountMismatch']),
    at: isoTime,
  }),
  /** Staff: a job run failed (scheduled or started by staff); the run's record has the details. */
  jobFailed: z.object({ job: text, runId: text, code: text, at: isoTime }),
  // -- leader workspace (issue 17 items 1 and 4) --
  /** Applicant: their leader application was decided (approved: they lead `pointName` now). */
  leaderApplication: z.object({ applicationId: text, pointName: text, result: z.enum(['approved', 'rejected']), reason: z.optional(z.string()), at: isoTime }),
  /** Leader: staff published an announcement or training material addressed to them. */
  announcement: z.object({ announcementId: text, title: text, kind: z.enum(['notice', 'training']), publishedAt: isoTime }),
  /** Customer: the goods of their order will arrive late (`cutoff.late`): the new time and why. */
  lateNotice: z.object({ orderId: text, orderShortNo: text, pickupPointName: text, newArrivalAt: isoTime, reason: text }),
  /** Leader: the goods of their wave will arrive late (`cutoff.late`). */
  lateNoticeLeader: z.object({ waveDate: isoDate, pickupPointName: text, orderCount: count, newArrivalAt: isoTime, reason: text }),
};

export type MessageKey = keyof typeof MESSAGE_PAYLOADS;
export type MessagePayload<K extends MessageKey> = z.infer<(typeof MESSAGE_PAYLOADS)[K]>;
export type CutoffSummaryPayload = MessagePayload<'cutoffSummary'>;
export type ArrivalReminderPayload = MessagePayload<'arrivalReminder'>;
export type ArrivalNoticePayload = MessagePayload<'arrivalNotice'>;
export type PickupReminderPayload = MessagePayload<'pickupReminder'>;
export type RefundResultPayload = MessagePayload<'refundResult'>;
export type StatementPayload = MessagePayload<'statement'>;
export type WithdrawalResultPayload = MessagePayload<'withdrawalResult'>;
export type RefundAlertPayload = MessagePayload<'refundAlert'>;
export type JobFailedPayload = MessagePayload<'jobFailed'>;
export type LateNoticePayload = MessagePayload<'lateNotice'>;
export type LateNoticeLeaderPayload = MessagePayload<'lateNoticeLeader'>;

// ---- formatting -------------------------------------------------------------------------

/** 'YYYY-MM-DD HH:mm' in Asia/Shanghai, whatever the process time zone. */
const shanghaiTime = (iso: string): string => dayjs.utc(iso).tz(BUSINESS_TZ).format('YYYY-MM-DD HH:mm');

/** '明日16:00' when `iso` falls on the day after `day` in Shanghai, else '26日16:00' (the full time is in its own field). */
const dayAfterOrDate = (day: string, iso: string): string => {
  const at = dayjs.utc(iso).tz(BUSINESS_TZ);
  const tomorrow = dayjs.tz(day, BUSINESS_TZ).add(1, 'day').format('YYYY-MM-DD');
  return at.format('YYYY-MM-DD') === tomorrow ? `明日${at.format('HH:mm')}` : at.format('D日HH:mm');
};

/** '2026-W48' → '2026年第48周'; a T+1 period ('2026-11-26') or anything else as is. */
const periodLabel = (period: string): string => {
  const week = /^(\d{4})-W(\d{2})$/.exec(period);
  return week ? `${week[1]}年第${Number(week[2])}周` : period;
};

/** '12单/30件，预计明日16:00到货', dropping '预计' when large counts would overflow the thing. */
const cutoffLine = (p: CutoffSummaryPayload): string => {
  const totals = `${p.orderCount}单/${p.itemCount}件`;
  const when = dayAfterOrDate(p.waveDate, p.expectedArrivalAt);
  const full = `${totals}，预计${when}到货`;
  return Array.from(full).length <= 20 ? full : `${totals}，${when}到货`;
};

/** A page path with its query values encoded. */
const pageWith = (path: string, query: Record<string, string>): string => `${path}?${new URLSearchParams(query).toString()}`;

// ---- catalogue --------------------------------------------------------------------------

export interface MessageDefinition<K extends MessageKey, F extends Record<string, FieldKind>> {
  key: K;
  audience: Audience;
  /** WeChat data key → field kind, as configured in the template on the WeChat console. */
  fields: F;
  /** Mini-program page (with query) the card opens. */
  page(payload: MessagePayload<K>): string;
  /** Raw field values; renderMessage sanitizes them. */
  build(payload: MessagePayload<K>): { [D in keyof F]: string };
}

const define = <K extends MessageKey, F extends Record<string, FieldKind>>(d: MessageDefinition<K, F>) => d;

const REFUND_STATUS = { succeeded: '退款成功', processing: '退款中', failed: '退款失败' } as const;
const WITHDRAWAL_RESULT = { approved: '已通过', rejected: '已驳回', paid: '已到账', failed: '转账失败' } as const;
const REFUND_PROBLEM = { refundAbnormal: '退款异常', refundClosed: '退款关闭', amountMismatch: '金额不符' } as const;
const WITHDRAWAL_NOTE = {
  approved: '请在小程序中确认收款',
  rejected: '金额已退回可提现余额',
  paid: '提现已到账，请查收',
  failed: '金额已退回可提现余额',
} as const;

export const MESSAGES = {
  cutoffSummary: define({
    key: 'cutoffSummary',
    audience: 'leader',
    fields: { date1: 'date', number2: 'number', number3: 'number', time4: 'time', thing5: 'thing' },
    page: (p) => pageWith('pages/leader/wave/index', { date: p.waveDate }),
    build: (p) => ({
      date1: p.waveDate,
      number2: String(p.orderCount),
      number3: String(p.itemCount),
      time4: shanghaiTime(p.expectedArrivalAt),
      thing5: cutoffLine(p),
    }),
  }),
  arrivalReminder: define({
    key: 'arrivalReminder',
    audience: 'leader',
    fields: { thing1: 'thing', date2: 'date', number3: 'number', time4: 'time', thing5: 'thing' },
    page: (p) => pageWith('pages/leader/arrival/index', { date: p.waveDate }),
    build: (p) => ({
      thing1: p.pickupPointName,
      date2: p.waveDate,
      number3: String(p.orderCount),
      time4: shanghaiTime(p.arrivedAt),
      // Sent when the route is dispatched (cutoff.dispatch): time4 is the expected arrival.
      thing5: '货已发车，到货后请确认到货',
    }),
  }),
  arrivalNotice: define({
    key: 'arrivalNotice',
    audience: 'customer',
    fields: { character_string1: 'character_string', thing2: 'thing', character_string3: 'character_string', time4: 'time', thing5: 'thing' },
    page: (p) => pageWith('pages/order/detail/index', { id: p.orderId }),
    build: (p) => ({
      character_string1: p.orderShortNo,
      thing2: p.pickupPointName,
      character_string3: p.pickupCode,
      time4: shanghaiTime(p.pickupDeadline),
      thing5: '商品已到货，请凭取货码自提',
    }),
  }),
  pickupReminder: define({
    key: 'pickupReminder',
    audience: 'customer',
    fields: { character_string1: 'character_string', thing2: 'thing', character_string3: 'character_string', time4: 'time', thing5: 'thing' },
    page: (p) => pageWith('pages/order/detail/index', { id: p.orderId }),
    build: (p) => ({
      character_string1: p.orderShortNo,
      thing2: p.pickupPointName,
      character_string3: p.pickupCode,
      time4: shanghaiTime(p.pickupDeadline),
      // Worded without "tomorrow": a retried push may go out later than planned.
      thing5: '请在截止前取货，逾期不保留',
    }),
  }),
  refundResult: define({
    key: 'refundResult',
    audience: 'customer',
    fields: { character_string1: 'character_string', amount2: 'amount', thing3: 'thing', phrase4: 'phrase' },
    page: (p) => pageWith('pages/order/detail/index', { id: p.orderId }),
    build: (p) => ({
      character_string1: p.orderShortNo,
      amount2: amountFromFen(p.amountFen),
      thing3: p.reason,
      phrase4: REFUND_STATUS[p.status],
    }),
  }),
  statement: define({
    key: 'statement',
    audience: 'leader',
    fields: { thing1: 'thing', amount2: 'amount', amount3: 'amount', thing4: 'thing' },
    page: (p) => pageWith('pages/leader/statements/index', { period: p.period }),
    build: (p) => ({
      thing1: `${periodLabel(p.period)}佣金结算`,
      // An amount cannot carry a sign: a net deduction shows ¥0.00 and is explained in thing4.
      amount2: amountFromFen(Math.max(p.totalFen, 0)),
      amount3: amountFromFen(p.availableFen),
      thing4: p.totalFen < 0 ? `退款扣减${amountFromFen(-p.totalFen)}，详见账单` : '结算单已生成，可申请提现',
    }),
  }),
  withdrawalResult: define({
    key: 'withdrawalResult',
    audience: 'leader',
    fields: { amount1: 'amount', phrase2: 'phrase', thing3: 'thing', time4: 'time' },
    page: (p) => pageWith('pages/leader/withdrawals/index', { id: p.withdrawalId }),
    build: (p) => ({
      amount1: amountFromFen(p.amountFen),
      phrase2: WITHDRAWAL_RESULT[p.result],
      thing3: p.reason?.trim() ? p.reason : WITHDRAWAL_NOTE[p.result],
      time4: shanghaiTime(p.at),
    }),
  }),
  refundAlert: define({
    key: 'refundAlert',
    audience: 'staff',
    fields: { character_string1: 'character_string', amount2: 'amount', phrase3: 'phrase', time4: 'time', thing5: 'thing' },
    page: (p) => pageWith('pages/admin/refunds/index', { orderId: p.orderId }),
    build: (p) => ({
      character_string1: p.orderShortNo,
      amount2: amountFromFen(p.amountFen),
      phrase3: REFUND_PROBLEM[p.problem],
      time4: shanghaiTime(p.at),
      thing5: p.problem === 'amountMismatch' ? '已自动退款，请核对订单' : '请在商户平台处理该退款',
    }),
  }),
  jobFailed: define({
    key: 'jobFailed',
    audience: 'staff',
    fields: { thing1: 'thing', character_string2: 'character_string', thing3: 'thing', time4: 'time' },
    page: (p) => pageWith('pages/admin/jobs/index', { runId: p.runId }),
    build: (p) => ({
      thing1: `任务失败：${p.job}`,
      character_string2: p.runId,
      thing3: p.code,
      time4: shanghaiTime(p.at),
    }),
  }),
  leaderApplication: define({
    key: 'leaderApplication',
    audience: 'customer',
    fields: { thing1: 'thing', phrase2: 'phrase', thing3: 'thing', time4: 'time' },
    page: (p) => pageWith('pages/leader/application/index', { id: p.applicationId }),
    build: (p) => ({
      thing1: p.pointName,
      phrase2: p.result === 'approved' ? '已通过' : '未通过',
      thing3: p.result === 'approved' ? '欢迎成为团长，请先阅读培训资料' : p.reason?.trim() ? p.reason : '请完善资料后重新申请',
      time4: shanghaiTime(p.at),
    }),
  }),
  announcement: define({
    key: 'announcement',
    audience: 'leader',
    fields: { thing1: 'thing', phrase2: 'phrase', time3: 'time' },
    page: (p) => pageWith('pages/leader/announcements/index', { id: p.announcementId }),
    build: (p) => ({
      thing1: p.title,
      phrase2: p.kind === 'training' ? '培训资料' : '团长公告',
      time3: shanghaiTime(p.publishedAt),
    }),
  }),
  lateNotice: define({
    key: 'lateNotice',
    audience: 'customer',
    fields: { character_string1: 'character_string', thing2: 'thing', time3: 'time', thing4: 'thing' },
    page: (p) => pageWith('pages/order/detail/index', { id: p.orderId }),
    build: (p) => ({
      character_string1: p.orderShortNo,
      thing2: p.pickupPointName,
      time3: shanghaiTime(p.newArrivalAt),
      thing4: p.reason,
    }),
  }),
  lateNoticeLeader: define({
    key: 'lateNoticeLeader',
    audience: 'leader',
    fields: { thing1: 'thing', date2: 'date', number3: 'number', time4: 'time', thing5: 'thing' },
    page: (p) => pageWith('pages/leader/wave/index', { date: p.waveDate }),
    build: (p) => ({
      thing1: p.pickupPointName,
      date2: p.waveDate,
      number3: String(p.orderCount),
      time4: shanghaiTime(p.newArrivalAt),
      thing5: p.reason,
    }),
  }),
} as const;

export const MESSAGE_KEYS = Object.keys(MESSAGES) as MessageKey[];

/** Who receives each message: leaders' and customers' templates are asked for on different pages. */
export const MESSAGE_AUDIENCE = Object.fromEntries(MESSAGE_KEYS.map((k) => [k, MESSAGES[k].audience])) as Record<MessageKey, Audience>;

export const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(MESSAGES, key);

export interface RenderedMessage {
  data: Record<string, { value: string }>;
  page: string;
}

/**
 * Checks the payload, builds the template data and sanitizes every field into WeChat's rules,
 * so a rendered message is never refused with 47003. A bad payload is VALIDATION_FAILED.
 */
export const renderMessage = <K extends MessageKey>(key: K, payload: MessagePayload<K>): RenderedMessage => {
  const parsed = MESSAGE_PAYLOADS[key].safeParse(payload);
  if (!parsed.success) {
    throw new AppError('VALIDATION_FAILED', `invalid payload for message ${key}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  // Each entry's payload type matches its key; TypeScript cannot correlate the two here.
  const definition = MESSAGES[key] as unknown as MessageDefinition<K, Record<string, FieldKind>>;
  const p = parsed.data as MessagePayload<K>;
  const raw = definition.build(p);
  const data: Record<string, { value: string }> = {};
  for (const [dataKey, kind] of Object.entries(definition.fields)) {
    data[dataKey] = { value: sanitizeField(kind, raw[dataKey] ?? '') };
  }
  return { data, page: definition.page(p) };
};
