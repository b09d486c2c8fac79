import * as z from 'zod/mini';
import { Payment } from '../orders/outputs.ts';

/** Output schemas of the wallet and membership commands (documentation and tests only: shared/app/outputs.ts). */
const fen = () => z.int().check(z.minimum(0));
const signedFen = () => z.int();

export const Recharge = z.object({ id: z.string(), amountFen: fen(), bonusFen: fen(), status: z.enum(['PENDING', 'PAID']) });

export const Wallet = z.object({
  principalFen: fen(),
  bonusFen: fen(),
  entries: z.array(
    z.object({
      at: z.string(),
      kind: z.enum(['recharge', 'bonus', 'pay', 'back', 'withdraw', 'forfeit']),
      amountFen: signedFen(),
      principalFen: signedFen(),
      bonusFen: signedFen(),
      orderId: z.optional(z.string()),
      rechargeId: z.optional(z.string()),
    }),
  ),
});

export const MembershipOrder = z.object({
  id: z.string(),
  planId: z.string(),
  title: z.string(),
  amountFen: fen(),
  days: z.int(),
  status: z.enum(['PENDING', 'PAID']),
  createdAt: z.string(),
  paidAt: z.optional(z.string()),
  memberUntil: z.optional(z.string()),
});

export const walletOutputs = {
  'order.recharge': z.object({ recharge: Recharge, payment: Payment }),
  'order.wallet': Wallet,
  'order.walletRefund': z.object({
    refundedFen: fen(),
    forfeitedBonusFen: fen(),
    refunds: z.array(z.object({ rechargeId: z.string(), refundId: z.string(), amountFen: fen() })),
    wallet: z.object({ principalFen: fen(), bonusFen: fen() }),
  }),
  'order.buyMembership': z.object({ order: MembershipOrder, payment: Payment }),
};
