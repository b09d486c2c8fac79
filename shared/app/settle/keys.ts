import type { Key } from '#ports/item-store';
import { complaintsKey } from '../after-sales/model.ts';

/**
 * Keys of the settle function's own items (the shared builders live in app/keys.ts).
 *
 * - A statement whose lines do not fit one item keeps the rest in parts
 *   (`L#<leaderId>` / `STMTL#<period>#<n>`), written in the statement's transaction.
 * - Statements are listed per period for staff on GSI1 `STMT#<period>` / `<leaderId>`.
 * - Withdrawals are found by id alone through `WD#<id>` / `REF`, and listed for staff on GSI1
 *   `WD#<status>` / `<requestedAt>#<id>` (moved when the status changes).
 * - A leader's withdrawn amount per day (`L#<leaderId>` / `WDDAY#<date>`) enforces the daily cap.
 * - Finance counters per day: `FIN` / `<date>#<shard>` (sharded: every payment adds to it) and
 *   `FIN#PAYOUT` / `<date>` for the withdrawal flows (rare writes, read from the beginning to
 *   know what is pending at the end of each day).
 * - The monthly ranking and review result: `JOB#settle` / `MONTH#<YYYY-MM>`; each leader's
 *   review decision of a month: `L#<leaderId>` / `REVIEW#<YYYY-MM>` (applied once).
 * - After-sales complaints per leader and month: after-sales' `complaintsKey` (`L#<leaderId>` / `COMPLAINTS#<YYYY-MM>`), the one definition.
 */
export const settleKeys = {
  statementPart: (leaderId: string, period: string, part: number): Key => ({ pk: `L#${leaderId}`, sk: `STMTL#${period}#${String(part).padStart(3, '0')}` }),
  statements: (leaderId: string) => ({ pk: `L#${leaderId}`, prefix: 'STMT#' }),
  statementIndex: (period: string, leaderId: string) => ({ gsi1pk: `STMT#${period}`, gsi1sk: leaderId }),
  statementsOfPeriod: (period: string) => ({ index: 'gsi1' as const, pk: `STMT#${period}` }),

  withdrawalRef: (withdrawalId: string): Key => ({ pk: `WD#${withdrawalId}`, sk: 'REF' }),
  withdrawals: (leaderId: string) => ({ pk: `L#${leaderId}`, prefix: 'WD#' }),
  withdrawalIndex: (status: string, requestedAt: string, withdrawalId: string) => ({ gsi1pk: `WD#${status}`, gsi1sk: `${requestedAt}#${withdrawalId}` }),
  withdrawalsByStatus: (status: string) => ({ index: 'gsi1' as const, pk: `WD#${status}` }),
  withdrawnOfDay: (leaderId: string, date: string): Key => ({ pk: `L#${leaderId}`, sk: `WDDAY#${date}` }),

  financeDay: (date: string, shard: number): Key => ({ pk: 'FIN', sk: `${date}#${String(shard).padStart(2, '0')}` }),
  payoutDay: (date: string): Key => ({ pk: 'FIN#PAYOUT', sk: date }),
  /** Every finance counter shard of the days [from, to]. */
  financeDays: (from: string, to: string) => ({ pk: 'FIN', from: `${from}#`, to: `${to}#~` }),
  /** The payout days up to `to`, from the beginning. */
  payoutDaysTo: (to: string) => ({ pk: 'FIN#PAYOUT', to }),

  month: (month: string): Key => ({ pk: 'JOB#settle', sk: `MONTH#${month}` }),
  months: () => ({ pk: 'JOB#settle', prefix: 'MONTH#' }),
  review: (leaderId: string, month: string): Key => ({ pk: `L#${leaderId}`, sk: `REVIEW#${month}` }),
  complaints: complaintsKey,

  /** Ledger entries with `at` in [fromIso, toIso): a range on the entry sort key `E#<at>#<id>`. */
  entriesBetween: (leaderId: string, fromIso: string | undefined, toIso: string) => ({
    pk: `L#${leaderId}`,
    from: fromIso ? `E#${fromIso}` : 'E#',
    // `E#<toIso>` sorts before every entry stamped exactly at toIso (`E#<toIso>#<id>`), so the end is exclusive.
    to: `E#${toIso}`,
  }),
  /** Ledger entries stamped at or after fromIso (every entry when absent), to the end. */
  entriesFrom: (leaderId: string, fromIso: string | undefined) => ({ pk: `L#${leaderId}`, from: fromIso ? `E#${fromIso}` : 'E#', to: 'E#~' }),
};
