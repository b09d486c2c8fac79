import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { findWithdrawal, receiveTransferNotification, withdrawalView } from './withdrawals.ts';

/**
 * Local stage only (`POST /dev/payout/{withdrawalId}`): the sandbox completes an approved
 * withdrawal's transfer — it signs the transfer notification WeChat Pay would send, and the
 * transfer-notify use case runs on that raw request, exactly the production path. `state`
 * defaults to SUCCESS; FAIL and CANCELLED rehearse the failures. Calling it twice delivers the
 * notification twice.
 */
export const devPayoutCommand = defineCommand({
  name: 'dev.payout',
  roles: ['customer'],
  input: z.object({ withdrawalId: id(), state: z.optional(z.enum(['SUCCESS', 'FAIL', 'CANCELLED'])) }),
  http: { method: 'POST', path: '/dev/payout/{withdrawalId}' },
  async run({ deps }, input) {
    if (!deps.devMode || !deps.sandbox) throw new AppError('NOT_FOUND', `no route POST /dev/payout/${input.withdrawalId}`);
    const w = await findWithdrawal(deps, input.withdrawalId);
    if (!w) throw new AppError('NOT_FOUND', `withdrawal ${input.withdrawalId} not found`);
    if (w.status === 'PENDING' || w.status === 'REJECTED') throw new AppError('INVALID_STATE', `the withdrawal is ${w.status}; approve it first`, { status: w.status });
    const state = input.state ?? 'SUCCESS';
    const raw = deps.sandbox.signedTransferNotification({
      withdrawalId: w.id,
      ...(w.transfer?.billNo ? { billNo: w.transfer.billNo } : {}),
      amountFen: w.amountFen,
      state,
      openid: w.openid,
      ...(state === 'SUCCESS' ? {} : { failReason: state === 'CANCELLED' ? 'TRANSFER_CANCELLED' : 'PAYEE_ACCOUNT_ABNORMAL' }),
    });
    const response = await receiveTransferNotification(deps, raw);
    const after = await findWithdrawal(deps, w.id);
    return { notification: { status: response.status, body: JSON.parse(response.body) as unknown }, withdrawal: withdrawalView(after ?? w, 'leader') };
  },
});
