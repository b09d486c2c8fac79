import * as z from 'zod/mini';

/** Output schemas of share cards and referral (documentation and tests only, like shared/app/outputs.ts). */
export const ShareCard = z.object({ scene: z.string().check(z.maxLength(32)), imageUrl: z.string() });

export const SceneLanding = z.object({
  communityId: z.optional(z.string()),
  productId: z.optional(z.string()),
  leaderId: z.optional(z.string()),
  inviterCode: z.optional(z.string()),
});

export const Invites = z.object({
  code: z.string(),
  scene: z.string().check(z.maxLength(32)),
  invitees: z.array(z.object({ name: z.string(), joinedAt: z.string(), rewarded: z.boolean() })),
  rewards: z.array(
    z.object({
      at: z.string(),
      kind: z.enum(['points', 'coupon']),
      amount: z.optional(z.int()),
      couponId: z.optional(z.string()),
      reversed: z.optional(z.boolean()),
    }),
  ),
});

export const shareOutputs = {
  'order.shareCard': ShareCard,
  'order.resolveScene': SceneLanding,
  'auth.invites': Invites,
};
