import * as z from 'zod/mini';

/** Output schemas of the leader's money commands (documentation and tests only: shared/app/outputs.ts). */
const fen = () => z.int().check(z.minimum(0));

export const Balance = z.object({ availableFen: fen(), pendingFen: fen(), withdrawnFen: fen(), reservedFen: fen(), debtFen: fen() });

export const Withdrawal = z.object({
  id: z.string(),
  leaderId: z.string(),
  amountFen: fen(),
  status: z.enum(['PENDING', 'APPROVED', 'PAID', 'REJECTED', 'FAILED']),
  requestedAt: z.string(),
  decidedAt: z.optional(z.string()),
  reason: z.optional(z.string()),
  /** The leader sees only what wx.requestMerchantTransfer needs; staff the whole transfer. */
  transfer: z.optional(z.looseObject({ packageInfo: z.optional(z.string()) })),
  paidAt: z.optional(z.string()),
  failedAt: z.optional(z.string()),
  transferState: z.optional(z.string()),
  decidedBy: z.optional(z.string()),
});

/** A settled period of a leader: its lines, tier bonus, awards and adjustments, in fen. */
export const Statement = z.object({
  leaderId: z.string(),
  period: z.string(),
  from: z.optional(z.string()),
  to: z.string(),
  lines: z.array(
    z.object({ orderId: z.string(), shortNo: z.string(), pickedUpAt: z.string(), productId: z.string(), title: z.string(), qty: z.int(), paidFen: fen(), rate: z.number(), commissionFen: z.int() }),
  ),
  lineCount: z.int(),
  bonuses: z.unknown(),
  adjustments: z.unknown(),
  salesFen: z.int(),
  commissionFen: z.int(),
  bonusFen: z.int(),
  adjustmentFen: z.int(),
  totalFen: z.int(),
  settledAt: z.string(),
});

/** One day of the finance view (and the range's totals, without `date`): money in, out, to leaders, SMS. */
const financeFigures = {
  paidFen: z.int(),
  refundFen: z.int(),
  accruedFen: z.int(),
  settledFen: z.int(),
  requestedFen: z.int(),
  withdrawnFen: z.int(),
  returnedFen: z.int(),
  pendingPayoutFen: z.int(),
  smsCount: z.int().check(z.minimum(0)),
  smsCostFen: fen(),
};

export const FinanceOut = z.object({
  from: z.string(),
  to: z.string(),
  days: z.array(z.object({ date: z.string(), ...financeFigures })),
  totals: z.object(financeFigures),
});

/** Staff's statements of a period: every leader's, with the leader's name and community. */
export const PeriodStatementsOut = z.object({
  items: z.array(z.extend(Statement, { leaderName: z.optional(z.string()), communityId: z.optional(z.string()) })),
  nextCursor: z.optional(z.string()),
});

export const settleOutputs = {
  'settle.finance': FinanceOut,
  'settle.allStatements': PeriodStatementsOut,
  'settle.statements': z.array(Statement),
  'settle.balance': Balance,
  'settle.withdraw': Withdrawal,
  'settle.myWithdrawals': z.array(Withdrawal),
  'settle.withdrawals': z.array(Withdrawal),
};
