/**
 * Basket pricing (DESIGN.md §5): the server's own computation of what a customer pays. Client
 * amounts are never an input; products, coupon terms, settings and `now` come from the caller.
 *
 * Order of the rules:
 *   1. unit price per line: flash-sale price on a flash line, else member price for a member,
 *      else the regular price (member price does not stack on a flash line);
 *   2. one coupon (fixed or percent) on the amount after step 1, if its terms allow;
 *   3. the new-user first-order discount (`firstOrderDiscountFen`);
 *   4. points (`pointsPerYuan`), at most `maxPointsPercent`% of the amount after 2–3;
 *   5. the order-level discounts (2–4) are allocated to lines in whole fen.
 * Every discount is capped so the payable amount stays at least 1 fen.
 */
import { AppError } from './errors.ts';
import { allocateFen, assertFen, percentOfFen, percentOfFenDown } from './money.ts';

export interface PricedProduct {
  id: string;
  title: string;
  priceFen: number;
  memberPriceFen?: number;
  flashSale?: { priceFen: number };
}

export interface CouponTerms {
  id: string;
  kind: 'fixed' | 'percent';
  /** Fen taken off (kind `fixed`). */
  valueFen?: number;
  /** Whole percent taken off, 1..99 (kind `percent`): 10 → 10% off. */
  percent?: number;
  /** The coupon applies only when the amount after member / flash prices reaches this. */
  thresholdFen: number;
  /** ISO 8601 with offset, inclusive. */
  validFrom: string;
  /** ISO 8601 with offset, inclusive. */
  validTo: string;
  newUserOnly?: boolean;
}

export interface PricingSettings {
  /** Off a new customer's first order, after the coupon (default ¥5). */
  firstOrderDiscountFen: number;
  /** Points worth one yuan (default 100). */
  pointsPerYuan: number;
  /** Points pay at most this whole percent of the amount after the other discounts (default 50). */
  maxPointsPercent: number;
}

export interface PricingInput {
  lines: { product: PricedProduct; qty: number; flash: boolean }[];
  isMember: boolean;
  /** No paid order yet: first-order discount and `newUserOnly` coupons. */
  isNewCustomer: boolean;
  coupon?: CouponTerms;
  pointsRequested: number;
  /** The customer's balance as stored; missing, negative or not a whole number counts as 0 available. */
  pointsAvailable: number;
  /** Epoch milliseconds, from the Clock port. */
  now: number;
  settings: PricingSettings;
}

export interface QuoteLine {
  productId: string;
  title: string;
  qty: number;
  /** The unit price actually used: flash, member or regular. */
  unitPriceFen: number;
  /** This line's share of the payable amount, after every discount. */
  paidFen: number;
  flash: boolean;
}

export interface Quote {
  lines: QuoteLine[];
  amounts: {
    goodsFen: number;
    memberDiscountFen: number;
    couponFen: number;
    firstOrderFen: number;
    pointsFen: number;
    payableFen: number;
    /** Home delivery's fee, already in payableFen (shared/app/delivery/pricing.ts); absent for a pickup order. */
    deliveryFen?: number;
  };
  pointsUsed: number;
  /** Set when a coupon was applied (the caller marks it used). */
  couponId?: string;
  /** True when a first-order discount was granted (the caller claims it). */
  firstOrder: boolean;
}

export const DEFAULT_PRICING: PricingSettings = Object.freeze({
  firstOrderDiscountFen: 500,
  pointsPerYuan: 100,
  maxPointsPercent: 50,
});

/** Why a coupon does not apply; sent as `details.reason` of an INVALID_STATE error. */
export type CouponRefusal = 'BELOW_THRESHOLD' | 'NOT_YET_VALID' | 'EXPIRED' | 'NEW_USERS_ONLY';

/** Prices a basket; throws VALIDATION_FAILED for bad quantities or points, INVALID_STATE for a coupon that does not apply. */
export function priceBasket(input: PricingInput): Quote {
  checkInput(input);
  const { settings } = input;

  const priced = input.lines.map((line) => {
    const unit = unitPrice(line.product, line.flash, input.isMember);
    return { line, ...unit, amountFen: assertFen(unit.unitPriceFen * line.qty, 'line amount') };
  });
  const goodsFen = assertFen(priced.reduce((a, p) => a + p.listUnitFen * p.line.qty, 0), 'goodsFen');
  const memberDiscountFen = priced.reduce((a, p) => a + (p.listUnitFen - p.unitPriceFen) * p.line.qty, 0);
  const afterMemberFen = goodsFen - memberDiscountFen;

  const couponFen = input.coupon
    ? Math.min(couponDiscount(input.coupon, afterMemberFen, input), afterMemberFen - 1)
    : 0;
  const afterCouponFen = afterMemberFen - couponFen;

  const firstOrderFen = input.isNewCustomer
    ? Math.min(settings.firstOrderDiscountFen, afterCouponFen - 1)
    : 0;
  const afterFirstOrderFen = afterCouponFen - firstOrderFen;

  const { pointsUsed, pointsFen } = redeemPoints(input, afterFirstOrderFen);
  const payableFen = afterFirstOrderFen - pointsFen;

  const shares = allocateFen(
    couponFen + firstOrderFen + pointsFen,
    priced.map((p) => p.amountFen),
  );
  const lines = priced.map(
    (p, i): QuoteLine => ({
      productId: p.line.product.id,
      title: p.line.product.title,
      qty: p.line.qty,
      unitPriceFen: p.unitPriceFen,
      paidFen: p.amountFen - shares[i]!,
      flash: p.line.flash,
    }),
  );

  return {
    lines,
    amounts: { goodsFen, memberDiscountFen, couponFen, firstOrderFen, pointsFen, payableFen },
    pointsUsed,
    ...(input.coupon ? { couponId: input.coupon.id } : {}),
    firstOrder: firstOrderFen > 0,
  };
}

/**
 * The unit price used for a line and the list price it counts towards `goodsFen`: a flash
 * line's list price is the flash price (no member price on top); a member line's list price is
 * the regular price and the difference is the member discount. A member price that is not
 * below the regular price is ignored.
 */
function unitPrice(
  product: PricedProduct,
  flash: boolean,
  isMember: boolean,
): { listUnitFen: number; unitPriceFen: number } {
  if (flash) {
    if (!product.flashSale) {
      throw new AppError('INVALID_STATE', `Product ${product.id} has no flash sale`, {
        productId: product.id,
        reason: 'NO_FLASH_SALE',
      });
    }
    const fen = positiveFen(product.flashSale.priceFen, `flash price of ${product.id}`);
    return { listUnitFen: fen, unitPriceFen: fen };
  }
  const regular = positiveFen(product.priceFen, `price of ${product.id}`);
  const member = product.memberPriceFen;
  if (isMember && member !== undefined && positiveFen(member, `member price of ${product.id}`) < regular) {
    return { listUnitFen: regular, unitPriceFen: member };
  }
  return { listUnitFen: regular, unitPriceFen: regular };
}

/** The coupon's discount before the payable cap, or INVALID_STATE naming why it does not apply. */
function couponDiscount(coupon: CouponTerms, amountFen: number, input: PricingInput): number {
  const refuse = (reason: CouponRefusal, message: string, extra: Record<string, unknown> = {}): never => {
    throw new AppError('INVALID_STATE', message, { couponId: coupon.id, reason, ...extra });
  };
  const from = parseInstant(coupon.validFrom, `validFrom of coupon ${coupon.id}`);
  const to = parseInstant(coupon.validTo, `validTo of coupon ${coupon.id}`);
  if (input.now < from) refuse('NOT_YET_VALID', 'Coupon is not valid yet', { validFrom: coupon.validFrom });
  if (input.now > to) refuse('EXPIRED', 'Coupon has expired', { validTo: coupon.validTo });
  if (coupon.newUserOnly && !input.isNewCustomer) refuse('NEW_USERS_ONLY', 'Coupon is for new customers only');
  if (amountFen < assertFen(coupon.thresholdFen, `threshold of coupon ${coupon.id}`)) {
    refuse('BELOW_THRESHOLD', 'Order amount is below the coupon threshold', {
      thresholdFen: coupon.thresholdFen,
      amountFen,
    });
  }
  if (coupon.kind === 'fixed') return assertFen(coupon.valueFen ?? NaN, `valueFen of coupon ${coupon.id}`);
  const percent = coupon.percent ?? NaN;
  if (!Number.isInteger(percent) || percent < 1 || percent > 99) {
    throw new RangeError(`percent of coupon ${coupon.id} must be a whole number 1..99, got ${String(percent)}`);
  }
  return percentOfFen(amountFen, percent);
}

/**
 * Points spent: the request, capped by the balance, by `maxPointsPercent`% of the amount and
 * by the 1-fen floor, then rounded down to a count worth a whole number of fen.
 */
function redeemPoints(input: PricingInput, amountFen: number): { pointsUsed: number; pointsFen: number } {
  const { pointsPerYuan, maxPointsPercent } = input.settings;
  const maxFen = Math.min(percentOfFenDown(amountFen, maxPointsPercent), amountFen - 1);
  const maxPointsByFen = Math.floor((maxFen * pointsPerYuan) / 100);
  // Points worth a whole fen come in steps of pointsPerYuan / gcd(pointsPerYuan, 100).
  const step = pointsPerYuan / gcd(pointsPerYuan, 100);
  let points = Math.min(input.pointsRequested, availablePoints(input.pointsAvailable), maxPointsByFen);
  points -= points % step;
  return { pointsUsed: points, pointsFen: (points * 100) / pointsPerYuan };
}

/**
 * Points a customer can spend: the stored balance when it is a whole number ≥ 0, else 0. A
 * balance can be missing (a profile never created) or, from data written before after-sales
 * kept points at zero or above, negative: pricing never fails on it.
 */
export function availablePoints(balance: unknown): number {
  return typeof balance === 'number' && Number.isSafeInteger(balance) && balance > 0 ? balance : 0;
}

/** Client-sized inputs get VALIDATION_FAILED (API.md issues shape); stored data gets RangeError. */
function checkInput(input: PricingInput): void {
  const issues: { path: string; message: string }[] = [];
  if (input.lines.length === 0) issues.push({ path: 'items', message: 'at least one item' });
  input.lines.forEach((line, i) => {
    if (!Number.isSafeInteger(line.qty) || line.qty < 1) {
      issues.push({ path: `items.${i}.qty`, message: 'must be a whole number ≥ 1' });
    }
  });
  if (!Number.isSafeInteger(input.pointsRequested) || input.pointsRequested < 0) {
    issues.push({ path: 'points', message: 'must be a whole number ≥ 0' });
  }
  if (issues.length > 0) throw new AppError('VALIDATION_FAILED', 'Invalid basket', { issues });

  if (!Number.isFinite(input.now)) throw new RangeError('now must be epoch milliseconds');
  const s = input.settings;
  assertFen(s.firstOrderDiscountFen, 'firstOrderDiscountFen');
  if (!Number.isSafeInteger(s.pointsPerYuan) || s.pointsPerYuan < 1) {
    throw new RangeError('pointsPerYuan must be a whole number ≥ 1');
  }
  if (!Number.isInteger(s.maxPointsPercent) || s.maxPointsPercent < 0 || s.maxPointsPercent > 100) {
    throw new RangeError('maxPointsPercent must be a whole number 0..100');
  }
}

function positiveFen(n: number, what: string): number {
  if (assertFen(n, what) < 1) throw new RangeError(`${what} must be at least 1 fen`);
  return n;
}

// An instant must carry its offset: without one, Date.parse would read it in the process time zone.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseInstant(iso: string, what: string): number {
  const ms = ISO_WITH_OFFSET.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${what} must be ISO 8601 with an offset, got ${iso}`);
  return ms;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
