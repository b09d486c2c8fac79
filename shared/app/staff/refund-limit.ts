import { AppError } from '#domain/errors';
import { mayRefundAnyAmount, type Role } from '#platform/command';
import type { MerchantSettings } from '../settings.ts';

/**
 * Issue 14: `finance` handles refunds above a threshold. A staff refund (admin.refundOrder, an
 * after-sales approval) of more than the merchant's `staffRefundLimitFen` needs a role that
 * refunds any amount (`mayRefundAnyAmount`: finance, or the owner); anyone else gets FORBIDDEN
 * before anything is written. Called where the refund's amount is known, before the write.
 */
export function checkRefundLimit(settings: Pick<MerchantSettings, 'staffRefundLimitFen'>, held: readonly Role[], refundFen: number): void {
  if (refundFen <= settings.staffRefundLimitFen || mayRefundAnyAmount(held)) return;
  throw new AppError('FORBIDDEN', `a refund above ${settings.staffRefundLimitFen} fen needs the finance role`, {
    refundFen,
    limitFen: settings.staffRefundLimitFen,
    role: 'finance',
  });
}
