/**
 * Leader commission and statements (DESIGN.md §7), plus the merchant's settlement settings.
 * Each picked-up line earns round-half-up(paidFen × rate) in fen, where paidFen is what the
 * customer paid for the line after every discount; a statement adds the lines' commission,
 * bonuses and adjustments, and its total may be negative (a clawback larger than the week).
 */
import * as z from 'zod/mini';
import { AppError } from './errors.ts';
import { assertFen, formatYuan, percentOfFen, rateOfFen } from './money.ts';
import { kindOfPeriod, periodOf, toMillis } from './settlement-period.ts';

/**
 * Product setting `commissionRate`: a fraction, 5%–15% inclusive, in whole basis points. A
 * product without one earns the merchant setting `defaultCommissionRate` (shared/app/settings.ts).
 */
export const MIN_COMMISSION_RATE = 0.05;
export const MAX_COMMISSION_RATE = 0.15;
const MIN_RATE_BP = 500;
const MAX_RATE_BP = 1500;

// ---------------------------------------------------------------------------------------------
// Settings

const nonNegativeInt = () => z.int().check(z.minimum(0));
const positiveInt = () => z.int().check(z.minimum(1));

const TierSchema = z.object({
  /** The period's picked-up paid sales must reach this (inclusive) for the tier. */
  minSalesFen: positiveInt(),
  /** Whole percentage points added to the rate, on the whole period's sales. */
  extraRatePoints: z.int().check(z.minimum(1), z.maximum(10)),
});

const awardSchema = (amountFen: number, minOrders: number) =>
  z.prefault(
    z.object({
      amountFen: z._default(nonNegativeInt(), amountFen),
      minOrders: z._default(positiveInt(), minOrders),
    }),
    {},
  );

/** The merchant's settlement settings; every field has a default, so `{}` is valid. */
export const SettlementSettingsSchema = z.object({
  settlementPeriod: z._default(z.enum(['weekly', 't+1']), 'weekly'),
  /** Shanghai hour at which a period is settled (the day after it ends). */
  settleHour: z._default(z.int().check(z.minimum(0), z.maximum(23)), 2),
  tiers: z._default(
    z.array(TierSchema).check(
      z.maxLength(10),
      z.refine((tiers) => tiers.every((t, i) => i === 0 || t.minSalesFen > tiers[i - 1]!.minSalesFen), {
        message: 'tiers must be in strictly ascending minSalesFen',
      }),
    ),
    () => [
      { minSalesFen: 1_000_000, extraRatePoints: 1 },
      { minSalesFen: 3_000_000, extraRatePoints: 2 },
    ],
  ),
  /** Paid when a leader's first full ISO week has at least `minOrders` picked-up orders. */
  newLeaderAward: awardSchema(10_000, 20),
  /** Paid to the referring leader when the referred leader's first full week reaches `minOrders`. */
  referralAward: awardSchema(5_000, 20),
  /** Award of rank 1, 2, ... by the past month's picked-up sales. */
  rankingAwards: z._default(z.array(nonNegativeInt()).check(z.maxLength(50)), () => [30_000, 20_000, 10_000]),
  review: z.prefault(
    z.object({
      /** A week under this many picked-up orders is a weak week... */
      minWeeklyOrders: z._default(nonNegativeInt(), 10),
      /** ...and this many weak weeks in a row fail the review. */
      weeks: z._default(z.int().check(z.minimum(1), z.maximum(52)), 4),
      /** More after-sales complaints than this in the month fail the review. */
      maxMonthlyComplaints: z._default(nonNegativeInt(), 5),
      /** A share of low ratings (1–2 stars) above this in the month fails the review (issue 17 item 8)... */
      maxLowRatingShare: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.3),
      /** ...once the month has at least this many ratings (fewer say too little). */
      minRatings: z._default(z.int().check(z.minimum(1), z.maximum(10_000)), 5),
    }),
    {},
  ),
  withdrawal: z.prefault(
    z
      .object({
        minFen: z._default(positiveInt(), 100),
        maxFen: z._default(positiveInt(), 2_000_000),
        maxPerDayFen: z._default(positiveInt(), 5_000_000),
      })
      .check(
        z.refine((w) => w.minFen <= w.maxFen, { message: 'must not exceed maxFen', path: ['minFen'] }),
        z.refine((w) => w.maxFen <= w.maxPerDayFen, { message: 'must not exceed maxPerDayFen', path: ['maxFen'] }),
      ),
    {},
  ),
});

export type SettlementSettings = z.infer<typeof SettlementSettingsSchema>;
export type CommissionTier = z.infer<typeof TierSchema>;

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return issue.origin === 'array' ? `needs at least ${String(issue.minimum)} items` : `must be ≥ ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' ? `allows at most ${String(issue.maximum)} items` : `must be ≤ ${String(issue.maximum)}`;
    case 'invalid_type':
      return `must be ${issue.expected === 'int' ? 'an integer' : `a(n) ${issue.expected}`}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    default:
      return issue.message;
  }
}

/**
 * Validates the merchant's settlement settings and fills in the defaults. Throws
 * VALIDATION_FAILED naming the first bad field (e.g. `tiers.1.minSalesFen`).
 */
export function parseSettlementSettings(raw: unknown): SettlementSettings {
  const result = SettlementSettingsSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(settings)';
  throw new AppError('VALIDATION_FAILED', `settlement settings: ${field} ${describeIssue(issue)}`, {
    field,
    issues: result.error.issues.map((i) => ({ field: i.path.map(String).join('.'), problem: describeIssue(i) })),
  });
}

/** A fresh copy of the default settings. */
export function defaultSettlementSettings(): SettlementSettings {
  return parseSettlementSettings({});
}

// ---------------------------------------------------------------------------------------------
// Rates and commission

function invalidRate(rate: unknown): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    `commissionRate must be ${COMMISSION_RATE_RULE}`,
    { field: 'commissionRate', value: rate },
  );
}

/**
 * THE commission-rate rule (the product form, the settings document, placement and redeem all
 * use it): the rate in integer basis points (0.125 → 1250) when it is a fraction from 0.05 to
 * 0.15 inclusive that is a whole number of basis points, so commission is exact; otherwise
 * undefined. 0.07 × 10000 = 700.0000000000001 is binary noise and accepted; 0.12345 is not.
 */
export function commissionRateBasisPoints(rate: unknown): number | undefined {
  if (typeof rate !== 'number' || !Number.isFinite(rate)) return undefined;
  const bp = Math.round(rate * 10_000);
  if (Math.abs(rate * 10_000 - bp) > 1e-6) return undefined;
  return bp >= MIN_RATE_BP && bp <= MAX_RATE_BP ? bp : undefined;
}

export const COMMISSION_RATE_RULE = `a fraction from ${MIN_COMMISSION_RATE} to ${MAX_COMMISSION_RATE} in whole basis points`;

/** The rule as a schema field, for input schemas (product form, settings document). */
export const commissionRateSchema = () =>
  z.number().check(z.refine((rate) => commissionRateBasisPoints(rate) !== undefined, { message: `must be ${COMMISSION_RATE_RULE}` }));

/** Checks a commission rate by the rule above. Returns the rate; VALIDATION_FAILED otherwise. */
export function validateRate(rate: number): number {
  rateBasisPoints(rate);
  return rate;
}

/** The rate in integer basis points (0.125 → 1250); VALIDATION_FAILED when it breaks the rule. */
export function rateBasisPoints(rate: number): number {
  const bp = commissionRateBasisPoints(rate);
  if (bp === undefined) throw invalidRate(rate);
  return bp;
}

/**
 * The rate a product's line earns: the product's `commissionRate`, or — explicitly, never a
 * silent constant — the merchant's `defaultCommissionRate` when the product has none. Both
 * are checked by the rule.
 */
export function commissionRateOf(productRate: number | undefined | null, defaultRate: number): number {
  return validateRate(productRate ?? defaultRate);
}

/**
 * Commission of one picked-up line: round-half-up(paidFen × rate) in fen, exact (integer
 * arithmetic on basis points, so 0.145 × 100 fen is 15, not the float 14.4999…).
 */
export function lineCommissionFen(paidFen: number, rate: number): number {
  return rateOfFen(assertFen(paidFen, 'paidFen'), rateBasisPoints(rate));
}

/** The highest tier the period's picked-up sales reach (thresholds inclusive), if any. */
export function tierFor(settings: Pick<SettlementSettings, 'tiers'>, periodSalesFen: number): CommissionTier | undefined {
  assertFen(periodSalesFen, 'periodSalesFen');
  let reached: CommissionTier | undefined;
  for (const tier of settings.tiers) {
    if (periodSalesFen >= tier.minSalesFen && (!reached || tier.minSalesFen > reached.minSalesFen)) reached = tier;
  }
  return reached;
}

/**
 * Tier bonus (setting `tiers`): the reached tier's extra rate points applied once to the whole
 * period's picked-up paid sales, rounded half-up once on that total — not per line — so the
 * leader can check it by hand from the statement ("+1 point on ¥12,345.67"). Null below the
 * first tier. A refund after settlement does not claw the tier bonus back (only the refunded
 * lines' own commission is reversed).
 */
export function tierBonus(settings: Pick<SettlementSettings, 'tiers'>, periodSalesFen: number): StatementBonus | null {
  const tier = tierFor(settings, periodSalesFen);
  if (!tier) return null;
  return {
    kind: 'tier',
    amountFen: percentOfFen(periodSalesFen, tier.extraRatePoints),
    note: `+${tier.extraRatePoints} rate point(s) on ${formatYuan(periodSalesFen)} picked-up sales (tier from ${formatYuan(tier.minSalesFen)})`,
  };
}

// ---------------------------------------------------------------------------------------------
// Statements

export interface StatementLine {
  orderId: string;
  shortNo: string;
  /** ISO 8601 with offset (or epoch ms); decides the period. */
  pickedUpAt: string;
  productId: string;
  title: string;
  qty: number;
  /** What the customer paid for the line after every discount. */
  paidFen: number;
  rate: number;
  commissionFen: number;
}

export type BonusKind = 'tier' | 'newLeader' | 'referral' | 'ranking';

export interface StatementBonus {
  kind: BonusKind;
  amountFen: number;
  note: string;
}

export type AdjustmentKind = 'refund' | 'manual';

export interface StatementAdjustment {
  kind: AdjustmentKind;
  orderId?: string;
  /** Negative for a clawback. */
  amountFen: number;
  note: string;
}

export interface StatementInput {
  leaderId: string;
  period: string;
  lines: StatementLine[];
  adjustments: StatementAdjustment[];
  bonuses: StatementBonus[];
}

export interface Statement extends StatementInput {
  /** Σ paidFen of the lines. */
  salesFen: number;
  commissionFen: number;
  bonusFen: number;
  adjustmentFen: number;
  /** commissionFen + bonusFen + adjustmentFen; may be negative. */
  totalFen: number;
}

/**
 * Reverses the settled commission of refunded lines: a refund after settlement becomes this
 * negative adjustment in the next period, exactly the lines' own `commissionFen` (for a
 * partial refund pass the share of commission that was refunded).
 */
export function refundAdjustment(input: {
  orderId: string;
  shortNo?: string;
  lines: readonly Pick<StatementLine, 'commissionFen'>[];
  note?: string;
}): StatementAdjustment {
  const clawback = input.lines.reduce((sum, l, i) => sum + assertFen(l.commissionFen, `lines[${i}].commissionFen`), 0);
  return {
    kind: 'refund',
    orderId: input.orderId,
    amountFen: 0 - clawback,
    note: input.note ?? `refund after settlement of order ${input.shortNo ?? input.orderId}`,
  };
}

function assertSafeInt(n: number, what: string): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be a safe integer of fen, got ${String(n)}`);
  return n;
}

function byPickup(a: StatementLine, b: StatementLine): number {
  const cmp = (x: string | number, y: string | number) => (x < y ? -1 : x > y ? 1 : 0);
  return (
    cmp(toMillis(a.pickedUpAt), toMillis(b.pickedUpAt)) ||
    cmp(a.orderId, b.orderId) ||
    cmp(a.productId, b.productId) ||
    // an order may hold one product on two lines (e.g. flash-sale and normal price): a total order
    cmp(a.paidFen, b.paidFen) ||
    cmp(a.qty, b.qty) ||
    cmp(a.rate, b.rate) ||
    cmp(a.title, b.title) ||
    cmp(a.shortNo, b.shortNo)
  );
}

/**
 * One leader's statement for one period: the lines (sorted by pickup time, then order,
 * product and the other fields, so the same lines in any order give the same statement),
 * bonuses and adjustments as given, and their sums. Refuses (RangeError: a data error, not
 * user input) a line outside the period or whose commission is not its rate × paidFen, a
 * negative bonus, or a non-integer fen.
 */
export function buildStatement(input: StatementInput): Statement {
  if (!input.leaderId) throw new RangeError('leaderId is required');
  const kind = kindOfPeriod(input.period);
  input.lines.forEach((line, i) => {
    assertFen(line.paidFen, `lines[${i}].paidFen`);
    if (!Number.isSafeInteger(line.qty) || line.qty < 1) throw new RangeError(`lines[${i}].qty must be a positive integer`);
    if (periodOf(kind, line.pickedUpAt) !== input.period) {
      throw new RangeError(`lines[${i}] was picked up at ${line.pickedUpAt}, outside period ${input.period}`);
    }
    if (line.commissionFen !== lineCommissionFen(line.paidFen, line.rate)) {
      throw new RangeError(`lines[${i}].commissionFen ${String(line.commissionFen)} is not ${String(line.rate)} × ${line.paidFen} fen`);
    }
  });
  input.bonuses.forEach((b, i) => assertFen(b.amountFen, `bonuses[${i}].amountFen`));
  input.adjustments.forEach((a, i) => assertSafeInt(a.amountFen, `adjustments[${i}].amountFen`));

  const sum = (xs: readonly number[]) => assertSafeInt(xs.reduce((a, x) => a + x, 0), 'a statement sum');
  const salesFen = sum(input.lines.map((l) => l.paidFen));
  const commissionFen = sum(input.lines.map((l) => l.commissionFen));
  const bonusFen = sum(input.bonuses.map((b) => b.amountFen));
  const adjustmentFen = sum(input.adjustments.map((a) => a.amountFen));
  return {
    leaderId: input.leaderId,
    period: input.period,
    lines: [...input.lines].sort(byPickup),
    bonuses: [...input.bonuses],
    adjustments: [...input.adjustments],
    salesFen,
    commissionFen,
    bonusFen,
    adjustmentFen,
    totalFen: assertSafeInt(commissionFen + bonusFen + adjustmentFen, 'totalFen'),
  };
}
