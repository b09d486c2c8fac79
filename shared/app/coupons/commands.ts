import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { id } from '#platform/schema';
import { claimableCoupons, claimCoupon, listCoupons } from './centre.ts';
import { GiftInput, listGifts, upsertGift } from './gifts.ts';

/** Customer: the coupon centre (领券中心): claimable coupons, what is left and what the caller claimed. */
export const claimableCouponsCommand = defineCommand({
  name: 'order.claimableCoupons',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'GET', path: '/coupons/claimable' },
  output: z.array(
    z.looseObject({
      id: z.string(),
      title: z.string(),
      kind: z.string(),
      thresholdFen: z.int(),
      validFrom: z.string(),
      validTo: z.string(),
      validDays: z.optional(z.int()),
      claimable: z.object({ totalCap: z.int(), perUserCap: z.int() }),
      remaining: z.int(),
      claimedByMe: z.int(),
    }),
  ),
  run: (ctx) => claimableCoupons(ctx.deps, userOf(ctx).userId),
});

/** Customer: claims one coupon (never over the total cap: OUT_OF_STOCK; per-customer cap: LIMIT_EXCEEDED). */
export const claimCouponCommand = defineCommand({
  name: 'order.claimCoupon',
  roles: ['customer'],
  input: z.object({ id: id() }),
  http: { method: 'POST', path: '/coupons/{id}/claim' },
  output: z.object({ id: z.string(), couponId: z.string(), status: z.literal('available'), validFrom: z.optional(z.string()), validTo: z.optional(z.string()) }),
  run: (ctx, input) => claimCoupon(ctx.deps, userOf(ctx).userId, input.id),
});

export const couponCentreCommands = [claimableCouponsCommand, claimCouponCommand];

const GiftOut = z.object({ id: z.string(), productId: z.string(), title: z.string(), thresholdFen: z.int(), stock: z.int(), given: z.int(), updatedAt: z.string() });

/** Staff: creates or replaces a 满赠 gift (a line at 0 fen added to orders reaching the threshold while its stock lasts). */
export const upsertGiftCommand = defineCommand({
  name: 'admin.upsertGift',
  roles: ['owner', 'operations'],
  input: GiftInput,
  http: { method: 'POST', path: '/admin/gifts' },
  output: GiftOut,
  run: ({ deps }, input) => upsertGift(deps, input),
});

/** Staff: every gift with the units given. */
export const listGiftsCommand = defineCommand({
  name: 'admin.gifts',
  roles: ['owner', 'operations'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/gifts' },
  output: z.array(GiftOut),
  run: ({ deps }) => listGifts(deps),
});

/** Staff: every coupon with how many were claimed (the coupon centre's page). */
export const listCouponsCommand = defineCommand({
  name: 'admin.coupons',
  roles: ['owner', 'operations'],
  input: z.object({}),
  http: { method: 'GET', path: '/admin/coupons' },
  output: z.array(z.looseObject({ id: z.string(), title: z.string(), kind: z.string(), thresholdFen: z.int(), validFrom: z.string(), validTo: z.string(), claimed: z.int() })),
  run: ({ deps }) => listCoupons(deps),
});

export const couponAdminCommands = [upsertGiftCommand, listGiftsCommand, listCouponsCommand];
