import * as z from 'zod/mini';

/**
 * Referral (老带新) settings (DESIGN.md §12), under `referral` in the merchant settings:
 * - `inviterReward`: `points` (credit `inviterRewardPoints`) or `coupon` (grant
 *   `inviterRewardCouponId`), given when an invitee's first order is picked up;
 * - `inviteePoints`: the invitee's new-user reward, credited when the invite is bound at their
 *   first sign-in (besides the new-user coupons every new customer gets);
 * - `monthlyCapPerInviter`: at most this many rewards per inviter per calendar month
 *   (Asia/Shanghai); past it an invitee's pickup rewards nothing.
 */
export const ReferralSettingsSchema = z.object({
  inviterReward: z._default(z.enum(['points', 'coupon']), 'points'),
  inviterRewardPoints: z._default(z.int().check(z.minimum(0), z.maximum(1_000_000)), 500),
  inviterRewardCouponId: z.optional(z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/))),
  inviteePoints: z._default(z.int().check(z.minimum(0), z.maximum(1_000_000)), 200),
  monthlyCapPerInviter: z._default(z.int().check(z.minimum(0), z.maximum(10_000)), 20),
});

export type ReferralSettings = z.infer<typeof ReferralSettingsSchema>;
