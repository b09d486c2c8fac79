import * as z from 'zod/mini';

/**
 * Output schemas of the auth commands (documentation and tests only: shared/app/outputs.ts; no
 * function imports this file).
 */
const role = z.string();

/** A session: the token for `Authorization: Bearer`, when it expires, who it is. */
export const Session = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ id: z.string(), roles: z.array(role) }),
  /** Present when the sign-in came with a `scene`: what it did about an invite (referral). */
  invite: z.optional(z.object({ status: z.enum(['BOUND', 'NO_INVITE', 'SELF', 'EXISTING', 'ALREADY_BOUND', 'NOT_FIRST_SIGN_IN']) })),
});

export const Me = z.object({
  id: z.string(),
  roles: z.array(role),
  points: z.int(),
  coupons: z.array(
    z.looseObject({
      id: z.string(),
      kind: z.string(),
      title: z.string(),
      validFrom: z.string(),
      validTo: z.string(),
      status: z.enum(['available', 'used', 'expired']),
    }),
  ),
  memberUntil: z.optional(z.string()),
  leader: z.optional(z.object({ id: z.string(), communityId: z.string(), status: z.string() })),
  /** The member level and the wallet (wallet/me.ts). */
  level: z.optional(z.looseObject({ name: z.string(), growth: z.int(), nextAt: z.optional(z.int()) })),
  wallet: z.optional(z.object({ principalFen: z.int(), bonusFen: z.int() })),
});

export const authOutputs = {
  'auth.login': Session,
  'dev.login': Session,
  'auth.me': Me,
};
