import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { commissionRateBasisPoints, commissionRateOf, commissionRateSchema, lineCommissionFen, rateBasisPoints } from './commission.ts';
import { AppError } from './errors.ts';

/** The one commission-rate rule (issue 12): whole basis points, 5–15%, no silent default. */
describe('the commission-rate rule', () => {
  it.each([
    [0.05, 500],
    [0.0501, 501],
    [0.07, 700], // 0.07 × 10000 = 700.0000000000001: binary noise, accepted
    [0.0725, 725],
    [0.1, 1000],
    [0.145, 1450],
    [0.15, 1500],
  ])('accepts %d as %d basis points', (rate, bp) => {
    expect(commissionRateBasisPoints(rate)).toBe(bp);
    expect(rateBasisPoints(rate)).toBe(bp);
    expect(commissionRateSchema().safeParse(rate).success).toBe(true);
  });

  it.each([0.04999, 0.0499, 0.1501, 0.16, 0.12345, 0.10005, 0, -0.1, 1, Number.NaN, Number.POSITIVE_INFINITY, '0.1', null, undefined])('refuses %s everywhere', (rate) => {
    expect(commissionRateBasisPoints(rate)).toBeUndefined();
    expect(commissionRateSchema().safeParse(rate).success).toBe(false);
    expect(() => rateBasisPoints(rate as number)).toThrow(AppError);
    if (typeof rate === 'number') expect(() => lineCommissionFen(1000, rate)).toThrow(AppError);
  });

  it('names the field in a schema', () => {
    const r = z.object({ commissionRate: commissionRateSchema() }).safeParse({ commissionRate: 0.12345 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['commissionRate']);
  });

  it('a product without a rate earns the default it is given, checked by the same rule; never a constant', () => {
    expect(commissionRateOf(undefined, 0.12)).toBe(0.12);
    expect(commissionRateOf(null, 0.05)).toBe(0.05);
    expect(commissionRateOf(0.08, 0.12)).toBe(0.08);
    expect(() => commissionRateOf(undefined, 0.2)).toThrow(AppError);
    expect(() => commissionRateOf(0.12345, 0.1)).toThrow(AppError);
  });
});
