import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import {
  type CouponTerms,
  DEFAULT_PRICING,
  type PricedProduct,
  type PricingInput,
  type PricingSettings,
  type Quote,
  priceBasket,
} from './pricing.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

// ---- builders -------------------------------------------------------------------------------

const NOW = Date.parse('2026-11-24T12:00:00+08:00');
const VALID_FROM = '2026-11-01T00:00:00+08:00';
const VALID_TO = '2026-11-30T23:59:59+08:00';

const product = (over: Partial<PricedProduct> = {}): PricedProduct => ({
  id: 'p1',
  title: 'Eggs 10 pcs',
  priceFen: 1000,
  ...over,
});

const line = (p: PricedProduct, qty = 1, flash = false) => ({ product: p, qty, flash });

const coupon = (over: Partial<CouponTerms> = {}): CouponTerms => ({
  id: 'c1',
  kind: 'fixed',
  valueFen: 300,
  thresholdFen: 0,
  validFrom: VALID_FROM,
  validTo: VALID_TO,
  ...over,
});

const basket = (over: Partial<PricingInput> = {}): PricingInput => ({
  lines: [line(product())],
  isMember: false,
  isNewCustomer: false,
  pointsRequested: 0,
  pointsAvailable: 0,
  now: NOW,
  settings: DEFAULT_PRICING,
  ...over,
});

/** A basket of one line worth exactly `amountFen` at the regular price. */
const worth = (amountFen: number, over: Partial<PricingInput> = {}): PricingInput =>
  basket({ lines: [line(product({ priceFen: amountFen }))], ...over });

function failure(input: PricingInput): unknown {
  try {
    priceBasket(input);
  } catch (e) {
    return e;
  }
  throw new Error('expected priceBasket to throw');
}

function expectCouponRefused(input: PricingInput, reason: string): void {
  const e = failure(input);
  expect(e).toBeInstanceOf(AppError);
  expect(e).toMatchObject({ code: 'INVALID_STATE', details: { couponId: 'c1', reason } });
}

function expectInvalidInput(input: PricingInput, path: string): void {
  const e = failure(input);
  expect(e).toBeInstanceOf(AppError);
  expect(e).toMatchObject({
    code: 'VALIDATION_FAILED',
    details: { issues: [expect.objectContaining({ path })] },
  });
}

const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);

// ---- rules ----------------------------------------------------------------------------------

describe('priceBasket: regular, member and flash prices', () => {
  it('charges the regular price to a non-member', () => {
    const q = priceBasket(basket({ lines: [line(product({ memberPriceFen: 800 }), 3)] }));
    expect(q.lines).toEqual([
      { productId: 'p1', title: 'Eggs 10 pcs', qty: 3, unitPriceFen: 1000, paidFen: 3000, flash: false },
    ]);
    expect(q.amounts).toEqual({
      goodsFen: 3000,
      memberDiscountFen: 0,
      couponFen: 0,
      firstOrderFen: 0,
      pointsFen: 0,
      payableFen: 3000,
    });
    expect(q).toMatchObject({ pointsUsed: 0, firstOrder: false });
    expect(q.couponId).toBeUndefined();
  });

  it('charges the member price to a member and reports the difference as member discount', () => {
    const q = priceBasket(basket({ isMember: true, lines: [line(product({ memberPriceFen: 800 }), 3)] }));
    expect(q.lines[0]).toMatchObject({ unitPriceFen: 800, paidFen: 2400 });
    expect(q.amounts).toMatchObject({ goodsFen: 3000, memberDiscountFen: 600, payableFen: 2400 });
  });

  it('charges a member the regular price where a product has no member price', () => {
    const q = priceBasket(basket({ isMember: true }));
    expect(q.lines[0]!.unitPriceFen).toBe(1000);
    expect(q.amounts.memberDiscountFen).toBe(0);
  });

  it('ignores a member price that is not below the regular price', () => {
    for (const memberPriceFen of [1000, 1200]) {
      const q = priceBasket(basket({ isMember: true, lines: [line(product({ memberPriceFen }), 2)] }));
      expect(q.lines[0]!.unitPriceFen).toBe(1000);
      expect(q.amounts).toMatchObject({ goodsFen: 2000, memberDiscountFen: 0, payableFen: 2000 });
    }
  });

  it('charges the flash price on a flash line, counted in goods, with no member price on top', () => {
    const p = product({ memberPriceFen: 800, flashSale: { priceFen: 500 } });
    for (const isMember of [false, true]) {
      const q = priceBasket(basket({ isMember, lines: [line(p, 2, true)] }));
      expect(q.lines[0]).toMatchObject({ unitPriceFen: 500, paidFen: 1000, flash: true });
      expect(q.amounts).toMatchObject({ goodsFen: 1000, memberDiscountFen: 0, payableFen: 1000 });
    }
  });

  it('uses the member price when the caller does not buy the line under the flash sale', () => {
    const p = product({ memberPriceFen: 800, flashSale: { priceFen: 500 } });
    const q = priceBasket(basket({ isMember: true, lines: [line(p, 1, false)] }));
    expect(q.lines[0]).toMatchObject({ unitPriceFen: 800, flash: false });
  });

  it('prices a mixed basket line by line', () => {
    const q = priceBasket(
      basket({
        isMember: true,
        lines: [
          line(product({ id: 'a', memberPriceFen: 800, flashSale: { priceFen: 500 } }), 2, true),
          line(product({ id: 'b', priceFen: 2000, memberPriceFen: 1500 }), 1),
          line(product({ id: 'c', priceFen: 300 }), 4),
        ],
      }),
    );
    expect(q.lines.map((l) => [l.productId, l.unitPriceFen, l.paidFen])).toEqual([
      ['a', 500, 1000],
      ['b', 1500, 1500],
      ['c', 300, 1200],
    ]);
    expect(q.amounts).toMatchObject({ goodsFen: 1000 + 2000 + 1200, memberDiscountFen: 500, payableFen: 3700 });
  });

  it('refuses a flash line for a product without a flash sale', () => {
    const e = failure(basket({ lines: [line(product(), 1, true)] }));
    expect(e).toMatchObject({ code: 'INVALID_STATE', details: { productId: 'p1', reason: 'NO_FLASH_SALE' } });
  });
});

describe('priceBasket: coupons', () => {
  const threshold = coupon({ thresholdFen: 2000 });

  it('applies a fixed coupon at exactly its threshold and above it', () => {
    for (const amount of [2000, 2001, 5000]) {
      const q = priceBasket(worth(amount, { coupon: threshold }));
      expect(q.amounts).toMatchObject({ couponFen: 300, payableFen: amount - 300 });
      expect(q.couponId).toBe('c1');
    }
  });

  it('refuses a coupon one fen below its threshold, saying by how much', () => {
    expectCouponRefused(worth(1999, { coupon: threshold }), 'BELOW_THRESHOLD');
    expect(failure(worth(1999, { coupon: threshold }))).toMatchObject({
      details: { thresholdFen: 2000, amountFen: 1999 },
    });
  });

  it('measures the threshold after member price', () => {
    const lines = [line(product({ priceFen: 2000, memberPriceFen: 1999 }))];
    expectCouponRefused(basket({ lines, isMember: true, coupon: threshold }), 'BELOW_THRESHOLD');
    expect(priceBasket(basket({ lines, isMember: false, coupon: threshold })).amounts.couponFen).toBe(300);
    const atThreshold = [line(product({ priceFen: 2100, memberPriceFen: 2000 }))];
    expect(priceBasket(basket({ lines: atThreshold, isMember: true, coupon: threshold })).amounts).toMatchObject({
      memberDiscountFen: 100,
      couponFen: 300,
      payableFen: 1700,
    });
  });

  it('measures the threshold on the flash price', () => {
    const lines = [line(product({ priceFen: 3000, flashSale: { priceFen: 1999 } }), 1, true)];
    expectCouponRefused(basket({ lines, coupon: threshold }), 'BELOW_THRESHOLD');
  });

  it('is valid from validFrom to validTo inclusive', () => {
    const from = Date.parse(VALID_FROM);
    const to = Date.parse(VALID_TO);
    expect(priceBasket(basket({ coupon: coupon(), now: from })).amounts.couponFen).toBe(300);
    expect(priceBasket(basket({ coupon: coupon(), now: to })).amounts.couponFen).toBe(300);
    expectCouponRefused(basket({ coupon: coupon(), now: from - 1 }), 'NOT_YET_VALID');
    expectCouponRefused(basket({ coupon: coupon(), now: to + 1 }), 'EXPIRED');
  });

  it('compares instants, whatever offset the window is written in', () => {
    // 2026-11-30T23:59:59+08:00 is 2026-11-30T15:59:59Z
    const c = coupon({ validTo: '2026-11-30T15:59:59Z' });
    expect(priceBasket(basket({ coupon: c, now: Date.parse(VALID_TO) })).couponId).toBe('c1');
    expectCouponRefused(basket({ coupon: c, now: Date.parse(VALID_TO) + 1 }), 'EXPIRED');
  });

  it('gives a new-user coupon only to a customer without a paid order', () => {
    const c = coupon({ newUserOnly: true });
    expectCouponRefused(basket({ coupon: c, isNewCustomer: false }), 'NEW_USERS_ONLY');
    const q = priceBasket(worth(2000, { coupon: c, isNewCustomer: true }));
    expect(q.amounts).toMatchObject({ couponFen: 300, firstOrderFen: 500, payableFen: 1200 });
  });

  it('takes a whole percent off, rounded half up to the fen', () => {
    const tenPercent = coupon({ kind: 'percent', percent: 10, valueFen: undefined });
    expect(priceBasket(worth(1005, { coupon: tenPercent })).amounts.couponFen).toBe(101); // 100.5
    expect(priceBasket(worth(1004, { coupon: tenPercent })).amounts.couponFen).toBe(100); // 100.4
    expect(priceBasket(worth(1006, { coupon: tenPercent })).amounts.couponFen).toBe(101); // 100.6
    const members = basket({
      isMember: true,
      coupon: tenPercent,
      lines: [line(product({ priceFen: 1000, memberPriceFen: 900 }), 3)],
    });
    expect(priceBasket(members).amounts).toMatchObject({ memberDiscountFen: 300, couponFen: 270, payableFen: 2430 });
  });

  it('applies the threshold to a percent coupon too', () => {
    const c = coupon({ kind: 'percent', percent: 20, thresholdFen: 5000 });
    expect(priceBasket(worth(5000, { coupon: c })).amounts.couponFen).toBe(1000);
    expectCouponRefused(worth(4999, { coupon: c }), 'BELOW_THRESHOLD');
  });

  it('never takes the payable amount below 1 fen', () => {
    const q = priceBasket(worth(250, { coupon: coupon({ valueFen: 300 }) }));
    expect(q.amounts).toMatchObject({ couponFen: 249, payableFen: 1 });
    const ninetyNine = priceBasket(worth(1, { coupon: coupon({ kind: 'percent', percent: 99 }) }));
    expect(ninetyNine.amounts).toMatchObject({ couponFen: 0, payableFen: 1 });
  });

  it('treats malformed coupon terms as a data error', () => {
    for (const bad of [
      coupon({ kind: 'percent', percent: 0 }),
      coupon({ kind: 'percent', percent: 100 }),
      coupon({ kind: 'percent', percent: 12.5 }),
      coupon({ kind: 'percent', percent: undefined }),
      coupon({ kind: 'fixed', valueFen: undefined }),
      coupon({ kind: 'fixed', valueFen: -1 }),
      coupon({ validFrom: '2026-11-01' }),
      coupon({ validTo: '2026-11-30T23:59:59' }),
      coupon({ thresholdFen: 1.5 }),
    ]) {
      expect(() => priceBasket(worth(5000, { coupon: bad }))).toThrow(RangeError);
    }
  });
});

describe('priceBasket: first-order discount', () => {
  it('takes firstOrderDiscountFen off a new customer’s order', () => {
    const q = priceBasket(worth(2000, { isNewCustomer: true }));
    expect(q.amounts).toMatchObject({ firstOrderFen: 500, payableFen: 1500 });
    expect(q.firstOrder).toBe(true);
  });

  it('gives nothing to a customer who has paid an order before', () => {
    const q = priceBasket(worth(2000, { isNewCustomer: false }));
    expect(q.amounts.firstOrderFen).toBe(0);
    expect(q.firstOrder).toBe(false);
  });

  it('comes after the coupon: the threshold sees the amount before it, the cap the amount after the coupon', () => {
    const q = priceBasket(worth(2000, { isNewCustomer: true, coupon: coupon({ thresholdFen: 2000 }) }));
    expect(q.amounts).toMatchObject({ couponFen: 300, firstOrderFen: 500, payableFen: 1200 });
    const small = priceBasket(worth(600, { isNewCustomer: true, coupon: coupon({ valueFen: 300 }) }));
    expect(small.amounts).toMatchObject({ couponFen: 300, firstOrderFen: 299, payableFen: 1 });
  });

  it('follows the setting, and grants nothing when it is 0', () => {
    const settings: PricingSettings = { ...DEFAULT_PRICING, firstOrderDiscountFen: 800 };
    expect(priceBasket(worth(2000, { isNewCustomer: true, settings })).amounts.firstOrderFen).toBe(800);
    const none = priceBasket(worth(2000, { isNewCustomer: true, settings: { ...settings, firstOrderDiscountFen: 0 } }));
    expect(none.amounts.firstOrderFen).toBe(0);
    expect(none.firstOrder).toBe(false);
  });

  it('is capped so the payable amount stays at least 1 fen', () => {
    expect(priceBasket(worth(501, { isNewCustomer: true })).amounts).toMatchObject({ firstOrderFen: 500, payableFen: 1 });
    expect(priceBasket(worth(500, { isNewCustomer: true })).amounts).toMatchObject({ firstOrderFen: 499, payableFen: 1 });
    const one = priceBasket(worth(1, { isNewCustomer: true }));
    expect(one.amounts).toMatchObject({ firstOrderFen: 0, payableFen: 1 });
    expect(one.firstOrder).toBe(false);
  });
});

describe('priceBasket: points', () => {
  const points = (amountFen: number, pointsRequested: number, pointsAvailable: number, over: Partial<PricingInput> = {}) =>
    priceBasket(worth(amountFen, { pointsRequested, pointsAvailable, ...over }));

  it('spends 100 points per yuan by default', () => {
    const q = points(1000, 300, 1000);
    expect(q.pointsUsed).toBe(300);
    expect(q.amounts).toMatchObject({ pointsFen: 300, payableFen: 700 });
  });

  it('is capped by the balance', () => {
    expect(points(1000, 300, 120)).toMatchObject({ pointsUsed: 120, amounts: { pointsFen: 120 } });
    expect(points(1000, 300, 0)).toMatchObject({ pointsUsed: 0, amounts: { pointsFen: 0 } });
  });

  it('pays at most maxPointsPercent of the amount, rounded down', () => {
    expect(points(1000, 500, 10_000).pointsUsed).toBe(500); // at the cap
    expect(points(1000, 499, 10_000).pointsUsed).toBe(499); // below
    expect(points(1000, 501, 10_000).pointsUsed).toBe(500); // above
    expect(points(1001, 10_000, 10_000).pointsUsed).toBe(500); // 50% of 1001 = 500.5
    expect(points(1002, 10_000, 10_000).pointsUsed).toBe(501);
    expect(points(1, 10_000, 10_000).pointsUsed).toBe(0);
  });

  it('measures the cap after the coupon and the first-order discount', () => {
    const q = points(2000, 10_000, 10_000, { coupon: coupon({ valueFen: 300 }), isNewCustomer: true });
    expect(q.amounts).toMatchObject({ couponFen: 300, firstOrderFen: 500, pointsFen: 600, payableFen: 600 });
  });

  it('follows maxPointsPercent, keeping the payable amount at least 1 fen', () => {
    const all = { ...DEFAULT_PRICING, maxPointsPercent: 100 };
    expect(points(1000, 10_000, 10_000, { settings: all }).amounts).toMatchObject({ pointsFen: 999, payableFen: 1 });
    const none = { ...DEFAULT_PRICING, maxPointsPercent: 0 };
    expect(points(1000, 10_000, 10_000, { settings: none }).pointsUsed).toBe(0);
  });

  it('spends only points worth a whole number of fen under other rates', () => {
    const tenPerFen = { ...DEFAULT_PRICING, pointsPerYuan: 1000 };
    expect(points(10_000, 1234, 10_000, { settings: tenPerFen })).toMatchObject({
      pointsUsed: 1230,
      amounts: { pointsFen: 123 },
    });
    // 30 points = ¥1: only multiples of 3 points are worth whole fen (3 points = 10 fen)
    const thirty = { ...DEFAULT_PRICING, pointsPerYuan: 30 };
    expect(points(10_000, 10, 10_000, { settings: thirty })).toMatchObject({ pointsUsed: 9, amounts: { pointsFen: 30 } });
    // one point = ¥1: the 50% cap of 1999 fen is 999 fen → 9 points
    const yuanPoints = { ...DEFAULT_PRICING, pointsPerYuan: 1 };
    expect(points(1999, 100, 100, { settings: yuanPoints })).toMatchObject({ pointsUsed: 9, amounts: { pointsFen: 900 } });
  });

  it('treats a negative, missing or broken balance as 0 available, never failing', () => {
    for (const balance of [-1, -500, Number.NaN, undefined as unknown as number, 1.5, Number.POSITIVE_INFINITY]) {
      expect(points(1000, 300, balance)).toMatchObject({ pointsUsed: 0, amounts: { pointsFen: 0, payableFen: 1000 } });
    }
    expect(points(1000, 0, -1).amounts.payableFen).toBe(1000);
  });

  it('refuses a negative or fractional request', () => {
    expectInvalidInput(worth(1000, { pointsRequested: -1, pointsAvailable: 100 }), 'points');
    expectInvalidInput(worth(1000, { pointsRequested: 1.5, pointsAvailable: 100 }), 'points');
  });
});

describe('priceBasket: allocation to lines', () => {
  it('splits order-level discounts in proportion to line amounts', () => {
    const q = priceBasket(
      basket({
        coupon: coupon({ valueFen: 1000 }),
        lines: [line(product({ id: 'a', priceFen: 1000 })), line(product({ id: 'b', priceFen: 1000 }), 3)],
      }),
    );
    expect(q.lines.map((l) => l.paidFen)).toEqual([750, 2250]);
  });

  it('gives the leftover fen by largest remainder, ties to the earlier line', () => {
    const q = priceBasket(
      basket({
        coupon: coupon({ valueFen: 100 }),
        lines: ['a', 'b', 'c'].map((id) => line(product({ id }))),
      }),
    );
    // 100 over three equal lines: 34 / 33 / 33
    expect(q.lines.map((l) => l.paidFen)).toEqual([966, 967, 967]);
  });

  it('allocates coupon, first order and points together on top of member prices', () => {
    const q = priceBasket(
      basket({
        isMember: true,
        isNewCustomer: true,
        coupon: coupon({ valueFen: 500 }),
        pointsRequested: 777,
        pointsAvailable: 777,
        lines: [
          line(product({ id: 'a', priceFen: 1200, memberPriceFen: 999 }), 3),
          line(product({ id: 'b', priceFen: 450 }), 7),
        ],
      }),
    );
    expect(q.amounts).toEqual({
      goodsFen: 3600 + 3150,
      memberDiscountFen: 603,
      couponFen: 500,
      firstOrderFen: 500,
      pointsFen: 777,
      payableFen: 6147 - 1777,
    });
    expect(sum(q.lines.map((l) => l.paidFen))).toBe(q.amounts.payableFen);
    // 1777 over 2997 and 3150: quotas 866.39 and 910.61 → 866 / 911 (the leftover fen to .61)
    expect(q.lines.map((l) => l.paidFen)).toEqual([2997 - 866, 3150 - 911]);
  });
});

describe('priceBasket: input checks', () => {
  it('refuses an empty basket and bad quantities', () => {
    expectInvalidInput(basket({ lines: [] }), 'items');
    expectInvalidInput(basket({ lines: [line(product(), 0)] }), 'items.0.qty');
    expectInvalidInput(basket({ lines: [line(product()), line(product(), 1.5)] }), 'items.1.qty');
  });

  it('treats impossible product data and settings as data errors', () => {
    expect(() => priceBasket(basket({ lines: [line(product({ priceFen: 0 }))] }))).toThrow(RangeError);
    expect(() => priceBasket(basket({ lines: [line(product({ priceFen: 9.99 }))] }))).toThrow(RangeError);
    expect(() =>
      priceBasket(basket({ isMember: true, lines: [line(product({ memberPriceFen: 0 }))] })),
    ).toThrow(RangeError);
    expect(() =>
      priceBasket(basket({ lines: [line(product({ flashSale: { priceFen: 0 } }), 1, true)] })),
    ).toThrow(RangeError);
    expect(() => priceBasket(basket({ settings: { ...DEFAULT_PRICING, pointsPerYuan: 0 } }))).toThrow(RangeError);
    expect(() => priceBasket(basket({ settings: { ...DEFAULT_PRICING, maxPointsPercent: 101 } }))).toThrow(RangeError);
    expect(() => priceBasket(basket({ settings: { ...DEFAULT_PRICING, firstOrderDiscountFen: -5 } }))).toThrow(
      RangeError,
    );
  });
});

// ---- properties -----------------------------------------------------------------------------

const lineArb = fc
  .record({
    priceFen: fc.integer({ min: 1, max: 100_000 }),
    memberPriceFen: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
    flashPriceFen: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
    buyFlash: fc.boolean(),
    qty: fc.integer({ min: 1, max: 50 }),
  })
  .map(({ priceFen, memberPriceFen, flashPriceFen, buyFlash, qty }) => ({
    product: {
      priceFen,
      ...(memberPriceFen === undefined ? {} : { memberPriceFen }),
      ...(flashPriceFen === undefined ? {} : { flashSale: { priceFen: flashPriceFen } }),
    },
    qty,
    flash: buyFlash && flashPriceFen !== undefined,
  }));

/** Coupons that apply (threshold 0, valid now, for everyone): the invariants then cover them. */
const applicableCouponArb: fc.Arbitrary<CouponTerms | undefined> = fc.option(
  fc.oneof(
    fc.integer({ min: 0, max: 500_000 }).map((valueFen) => coupon({ kind: 'fixed', valueFen })),
    fc.integer({ min: 1, max: 99 }).map((percent) => coupon({ kind: 'percent', percent, valueFen: undefined })),
  ),
  { nil: undefined },
);

const settingsArb: fc.Arbitrary<PricingSettings> = fc.oneof(
  fc.constant(DEFAULT_PRICING),
  fc.record({
    firstOrderDiscountFen: fc.integer({ min: 0, max: 5000 }),
    pointsPerYuan: fc.constantFrom(1, 7, 30, 100, 250, 1000),
    maxPointsPercent: fc.integer({ min: 0, max: 100 }),
  }),
);

const basketArb = (couponArb: fc.Arbitrary<CouponTerms | undefined>): fc.Arbitrary<PricingInput> =>
  fc
    .record({
      lines: fc.array(lineArb, { minLength: 1, maxLength: 20 }),
      isMember: fc.boolean(),
      isNewCustomer: fc.boolean(),
      coupon: couponArb,
      pointsRequested: fc.nat({ max: 10_000_000 }),
      pointsAvailable: fc.nat({ max: 10_000_000 }),
      settings: settingsArb,
    })
    .map(({ lines, coupon: c, ...rest }) => ({
      ...rest,
      ...(c ? { coupon: c } : {}),
      now: NOW,
      lines: lines.map((l, i) => ({ ...l, product: { id: `p${i}`, title: `Product ${i}`, ...l.product } })),
    }));

/** The unit price the rules say a line pays, worked out independently of pricing.ts. */
function expectedUnit(l: PricingInput['lines'][number], isMember: boolean): number {
  if (l.flash) return l.product.flashSale!.priceFen;
  const m = l.product.memberPriceFen;
  return isMember && m !== undefined && m < l.product.priceFen ? m : l.product.priceFen;
}

function checkInvariants(input: PricingInput, q: Quote): void {
  const { amounts: a, settings } = { amounts: q.amounts, settings: input.settings };
  const paid = q.lines.map((l) => l.paidFen);

  // lines add up exactly, none negative, none above its own amount
  expect(sum(paid)).toBe(a.payableFen);
  q.lines.forEach((l, i) => {
    const source = input.lines[i]!;
    expect(l.unitPriceFen).toBe(expectedUnit(source, input.isMember));
    expect(l).toMatchObject({ productId: source.product.id, qty: source.qty, flash: source.flash });
    expect(Number.isSafeInteger(l.paidFen)).toBe(true);
    expect(l.paidFen).toBeGreaterThanOrEqual(0);
    expect(l.paidFen).toBeLessThanOrEqual(l.unitPriceFen * l.qty);
  });

  // amounts
  expect(a.payableFen).toBeGreaterThanOrEqual(1);
  expect(a.goodsFen - a.memberDiscountFen - a.couponFen - a.firstOrderFen - a.pointsFen).toBe(a.payableFen);
  const listFen = input.lines.map((l) => (l.flash ? l.product.flashSale!.priceFen : l.product.priceFen) * l.qty);
  expect(a.goodsFen).toBe(sum(listFen));
  expect(a.memberDiscountFen).toBe(a.goodsFen - sum(q.lines.map((l) => l.unitPriceFen * l.qty)));
  for (const fen of [a.memberDiscountFen, a.couponFen, a.firstOrderFen, a.pointsFen]) {
    expect(Number.isSafeInteger(fen) && fen >= 0).toBe(true);
  }
  if (!input.coupon) expect(a.couponFen).toBe(0);
  expect(a.firstOrderFen).toBeLessThanOrEqual(input.isNewCustomer ? settings.firstOrderDiscountFen : 0);
  expect(q.firstOrder).toBe(a.firstOrderFen > 0);

  // points: within request and balance, whole fen at the configured rate, within the cap
  expect(q.pointsUsed).toBeLessThanOrEqual(Math.min(input.pointsRequested, input.pointsAvailable));
  expect(a.pointsFen * settings.pointsPerYuan).toBe(q.pointsUsed * 100);
  expect(a.pointsFen * 100).toBeLessThanOrEqual((a.payableFen + a.pointsFen) * settings.maxPointsPercent);
}

describe('priceBasket: properties over random baskets', () => {
  it('keeps every invariant and is deterministic', () => {
    fc.assert(
      fc.property(basketArb(applicableCouponArb), (input) => {
        const before = structuredClone(input);
        const q = priceBasket(input);
        checkInvariants(input, q);
        expect(input).toEqual(before); // the input is not mutated
        expect(priceBasket(structuredClone(input))).toEqual(q);
      }),
      { numRuns: 1000 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('applies a coupon exactly when the amount after member and flash prices reaches its threshold', () => {
    fc.assert(
      fc.property(basketArb(fc.constant(undefined)), fc.nat({ max: 3_000_000 }), (input, thresholdFen) => {
        const base = priceBasket(input).amounts;
        const amount = base.goodsFen - base.memberDiscountFen;
        const withCoupon = { ...input, coupon: coupon({ thresholdFen }) };
        if (amount >= thresholdFen) {
          const q = priceBasket(withCoupon);
          expect(q.couponId).toBe('c1');
          expect(q.amounts.couponFen).toBe(Math.min(300, amount - 1));
          checkInvariants(withCoupon, q);
        } else {
          expectCouponRefused(withCoupon, 'BELOW_THRESHOLD');
        }
      }),
      { numRuns: 1000 },
    );
  }, PROPERTY_TIMEOUT_MS);
});
