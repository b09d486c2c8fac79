import * as z from 'zod/mini';
import { id, bizDateSchema, queryNumber } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { CSV } from '#platform/http';
import { AppError } from '#domain/errors';
import { kindOfPeriod, monthOf, previousMonth } from '#domain/settlement-period';
import { getBalance } from '../ledger.ts';
import { staffFen } from '../catalog/schemas.ts';
import { MAX_ADJUSTMENT_FEN, postAdjustment } from './adjust.ts';
import { readFinance } from './finance.ts';
import { pendingCommission } from './pending.ts';
import { callerLeader } from './leaders.ts';
import { storedRanking } from './monthly.ts';
import { leaderStatements, periodStatements, periodStatementsCsv } from './statements.ts';
import {
  WITHDRAWAL_STATUSES,
  decideWithdrawal,
  leaderWithdrawals,
  receiveTransferNotification,
  requestWithdrawal,
  staffWithdrawals,
} from './withdrawals.ts';

/** `2026-W48` (weekly) or `2026-11-26` (T+1); checked to exist (no W53 in a 52-week year). */
const periodSchema = () =>
  z.string().check(
    z.regex(/^\d{4}-(W\d{2}|\d{2}-\d{2})$/, 'expected a period such as 2026-W48 or 2026-11-26'),
    z.refine((p: string) => {
      try {
        kindOfPeriod(p);
        return true;
      } catch {
        return false;
      }
    }, 'no such period'),
  );
const monthSchema = () => z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month YYYY-MM'));
const limitSchema = (max: number) => z.optional(queryNumber().check(z.multipleOf(1), z.gte(1), z.lte(max)));

export const balanceCommand = defineCommand({
  name: 'settle.balance',
  roles: ['leader'],
  input: z.object({}),
  http: { method: 'GET', path: '/leader/balance' },
  async run(ctx) {
    const { leaderId } = await callerLeader(ctx);
    const b = await getBalance(ctx.deps, leaderId);
    return { availableFen: b.availableFen, pendingFen: b.pendingFen, withdrawnFen: b.withdrawnFen, reservedFen: b.reservedFen, debtFen: b.debtFen };
  },
});

export const statementsCommand = defineCommand({
  name: 'settle.statements',
  roles: ['leader'],
  input: z.object({ period: z.optional(periodSchema()), limit: limitSchema(500) }),
  http: { method: 'GET', path: '/leader/statements' },
  async run(ctx, input) {
    const { leaderId } = await callerLeader(ctx);
    return leaderStatements(ctx.deps, leaderId, { period: input.period, limit: input.limit ?? 100 });
  },
});

export const withdrawCommand = defineCommand({
  name: 'settle.withdraw',
  roles: ['leader'],
  input: z.object({ requestId: id(), amountFen: staffFen(1) }),
  http: { method: 'POST', path: '/leader/withdrawals' },
  async run(ctx, input) {
    return requestWithdrawal(ctx.deps, await callerLeader(ctx), input);
  },
});

export const myWithdrawalsCommand = defineCommand({
  name: 'settle.myWithdrawals',
  roles: ['leader'],
  input: z.object({ limit: limitSchema(500) }),
  http: { method: 'GET', path: '/leader/withdrawals' },
  async run(ctx, input) {
    const { leaderId } = await callerLeader(ctx);
    return leaderWithdrawals(ctx.deps, leaderId, input.limit ?? 100);
  },
});

export const withdrawalsCommand = defineCommand({
  name: 'settle.withdrawals',
  roles: ['owner', 'finance'],
  input: z.object({ status: z.optional(z.enum(WITHDRAWAL_STATUSES)), limit: limitSchema(1000) }),
  http: { method: 'GET', path: '/admin/withdrawals' },
  run: ({ deps }, input) => staffWithdrawals(deps, input.status, input.limit ?? 200),
});

export const decideWithdrawalCommand = defineCommand({
  name: 'settle.decideWithdrawal',
  roles: ['owner', 'finance'],
  input: z.object({ id: id(), decision: z.enum(['approve', 'reject']), reason: z.optional(z.string().check(z.minLength(1), z.maxLength(100))) }),
  http: { method: 'POST', path: '/admin/withdrawals/{id}/decide' },
  async run(ctx, input) {
    return decideWithdrawal(ctx.deps, userOf(ctx).userId, input);
  },
});

/** WeChat Pay's merchant-transfer notification: answered WeChat's way, not with `{ data }`. */
export const transferNotifyCommand = defineCommand({
  name: 'settle.transferNotify',
  roles: 'public',
  input: z.object({}),
  http: { method: 'POST', path: '/pay/transfer-notify' },
  rawResponse: true,
  run: (ctx) => receiveTransferNotification(ctx.deps, ctx.raw ?? { headers: {}, body: '' }),
});

export const allStatementsCommand = defineCommand({
  name: 'settle.allStatements',
  roles: ['owner', 'finance'],
  input: z.object({ period: periodSchema(), format: z.optional(z.enum(['json', 'csv'])), cursor: z.optional(z.string().check(z.maxLength(2000))), limit: limitSchema(500) }),
  http: { method: 'GET', path: '/admin/statements' },
  async run({ deps }, input) {
    if (input.format === 'csv') return { [CSV]: await periodStatementsCsv(deps, input.period), filename: `statements-${input.period}.csv` };
    return periodStatements(deps, input.period, { cursor: input.cursor, limit: input.limit ?? 100 });
  },
});

export const financeCommand = defineCommand({
  name: 'settle.finance',
  roles: ['owner', 'finance', 'integration:finance'],
  input: z.object({ from: bizDateSchema(), to: bizDateSchema() }),
  http: { method: 'GET', path: '/admin/finance' },
  run: ({ deps }, input) => readFinance(deps, input.from, input.to),
});

export const rankingCommand = defineCommand({
  name: 'settle.ranking',
  roles: ['owner', 'operations', 'finance'],
  input: z.object({ month: z.optional(monthSchema()) }),
  http: { method: 'GET', path: '/admin/leaders/ranking' },
  async run({ deps }, input) {
    const month = input.month ?? previousMonth(monthOf(deps.clock.now()));
    const ranking = await storedRanking(deps, month);
    if (!ranking) throw new AppError('NOT_FOUND', `the ranking of ${month} is made by the settle job on the 1st of the next month`, { month });
    return ranking;
  },
});

export const pendingCommand = defineCommand({
  name: 'settle.pending',
  roles: ['leader'],
  input: z.object({}),
  http: { method: 'GET', path: '/leader/commission/pending' },
  async run(ctx) {
    const { leaderId } = await callerLeader(ctx);
    return pendingCommission(ctx.deps, leaderId);
  },
});

export const adjustCommand = defineCommand({
  name: 'settle.adjust',
  roles: ['owner', 'finance'],
  input: z.object({
    id: id(),
    requestId: id(),
    amountFen: z.int().check(z.minimum(-MAX_ADJUSTMENT_FEN), z.maximum(MAX_ADJUSTMENT_FEN), z.refine((n: number) => n !== 0, 'an adjustment of 0 fen changes nothing')),
    reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  }),
  http: { method: 'POST', path: '/admin/leaders/{id}/adjustments' },
  async run(ctx, input) {
    return postAdjustment(ctx.deps, userOf(ctx).userId, { leaderId: input.id, requestId: input.requestId, amountFen: input.amountFen, reason: input.reason });
  },
});

export const settleCommands = [
  balanceCommand,
  statementsCommand,
  withdrawCommand,
  myWithdrawalsCommand,
  withdrawalsCommand,
  decideWithdrawalCommand,
  transferNotifyCommand,
  allStatementsCommand,
  financeCommand,
  rankingCommand,
  pendingCommand,
  adjustCommand,
];
