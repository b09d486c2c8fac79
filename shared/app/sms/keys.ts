import type { Key } from '#ports/item-store';

/**
 * Keys of the SMS fallback (shared/app/sms):
 * - `U#<userId>` / `SMSDAY#<date>`: texts sent to the customer that business day (`count`,
 *   conditional: never above `smsDailyCapPerCustomer`); in the user's partition, so erasing the
 *   account removes it.
 * - `SMS#BUDGET` / `<YYYY-MM>`: the merchant's texts of the month (`count`, `spentFen`,
 *   conditional: never above `smsMonthlyBudgetFen`).
 * - the fallback itself is an outbox entry (`MSG#sms#<kind>#<orderId>`, `channel: 'sms'`): one per
 *   order and kind, by its key.
 */
export const smsKeys = {
  userDay: (userId: string, date: string): Key => ({ pk: `U#${userId}`, sk: `SMSDAY#${date}` }),
  budgetMonth: (month: string): Key => ({ pk: 'SMS#BUDGET', sk: month }),
} as const;

/** The outbox id of an order's SMS of one kind: at most one ever (the put is conditioned on its absence). */
export const smsEntryId = (kind: string, orderId: string) => `sms#${kind}#${orderId}`.replace(/[^A-Za-z0-9_#:.-]/g, '_');
