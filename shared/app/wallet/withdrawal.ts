import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { withdrawalPlan } from '#domain/wallet';
import { TransactionCancelled, queryAll, type WriteOp } from '#ports/item-store';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { readWallet, walletChangeOps } from './balance.ts';
import { walletKeys } from './keys.ts';

/**
 * POST /wallet/withdrawal (prepaid-card rules): the whole unused principal is refunded to the
 * recharge payments it came from (newest first, each at most what it paid and has not given
 * back), and the bonus is forfeited in proportion. One transaction: the wallet debit
 * (conditioned, never negative), its ledger entry, and each recharge's `refundedFen` (conditioned
 * on what was read, so two withdrawals never refund the same fen); then each refund goes to the
 * gateway with a stable id (a failed one waits for the refund retry of the expire job).
 */
export async function withdrawWallet(deps: Deps, userId: string) {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const [wallet, recharges] = await Promise.all([readWallet(deps, userId), queryAll(deps.store, { ...walletKeys.recharges(userId), consistent: true })]);
    if (wallet.principalFen <= 0) throw new AppError('INSUFFICIENT_BALANCE', 'no principal to refund', { principalFen: wallet.principalFen });
    const paid = recharges.filter((r) => r.status === 'PAID').sort((a, b) => String(a.paidAt).localeCompare(String(b.paidAt)));
    const plan = withdrawalPlan(
      wallet,
      paid.map((r) => ({ id: String(r.id), amountFen: Number(r.amountFen), refundedFen: Number(r.refundedFen ?? 0) })),
    );
    const principalFen = plan.refunds.reduce((a, r) => a + r.amountFen, 0);
    if (principalFen <= 0) throw new AppError('INSUFFICIENT_BALANCE', 'no recharge left to refund to', {});
    const at = toBizIso(deps.clock.now());
    const withdrawalId = deps.ids.newId();
    const refunds = plan.refunds.map((r) => {
      const rec = paid.find((x) => String(x.id) === r.rechargeId)!;
      const n = ((rec.refunds as unknown[] | undefined) ?? []).length;
      return { ...r, refundId: `${r.rechargeId}-W${n + 1}`, totalFen: Number(rec.amountFen), before: Number(rec.refundedFen ?? 0), list: (rec.refunds as unknown[] | undefined) ?? [] };
    });
    const ops: WriteOp[] = [
      ...walletChangeOps(userId, { entryId: `wd-${withdrawalId}`, kind: 'withdraw', principalFen: -principalFen, bonusFen: -plan.forfeitBonusFen, at }),
      ...refunds.map(
        (r): WriteOp => ({
          type: 'update',
          key: walletKeys.recharge(userId, r.rechargeId),
          update: { set: { refundedFen: r.before + r.amountFen, refunds: [...r.list, { id: r.refundId, amountFen: r.amountFen, at }] } },
          when: [r.before === 0 ? { op: 'or', conditions: [{ op: 'attrNotExists', path: 'refundedFen' }, { op: 'eq', path: 'refundedFen', value: 0 }] } : { op: 'eq', path: 'refundedFen', value: r.before }],
        }),
      ),
    ];
    try {
      await deps.store.transact(ops);
    } catch (e) {
      if (e instanceof TransactionCancelled) continue; // the wallet or a recharge moved meanwhile: read again
      throw e;
    }
    for (const r of refunds) {
      const request = { orderId: r.rechargeId, refundId: r.refundId, amountFen: r.amountFen, totalFen: r.totalFen, reason: '余额退款' };
      await deps.payment.refund(request).catch(async () => {
        logger.warn('wallet refund not submitted, will retry', { refundId: r.refundId });
        await deps.store.write({ type: 'put', item: { ...keys.job('refund-retry', r.refundId), ...request, parkedAt: at } }).catch(() => undefined);
      });
    }
    const after = await readWallet(deps, userId);
    return {
      refundedFen: principalFen,
      forfeitedBonusFen: plan.forfeitBonusFen,
      refunds: refunds.map((r) => ({ rechargeId: r.rechargeId, refundId: r.refundId, amountFen: r.amountFen })),
      wallet: after,
    };
  }
  throw new AppError('INVALID_STATE', 'the wallet changed meanwhile; try again', {});
}
