/**
 * An order's effective status (issue 19, "Cutoff does the minimum writes"): the cutoff no
 * longer rewrites paid orders. A paid order is locked (CONFIRMED) by its community wave's
 * close, not by a write of its own:
 * - stored `PAID` and its community wave (`C#<communityId>` / `WAVE#<date>`) is `CLOSED` →
 *   `CONFIRMED`, confirmed at the wave's `closedAt`;
 * - stored `CONFIRMED` (written by the cutoff before issue 19) → `CONFIRMED` as stored;
 * - any other status → as stored.
 * A closed wave never reopens, so once an order reads CONFIRMED it stays so until a writer
 * moves it on (arrival, refund, cancel of a locked order…). This is the one place that rule
 * lives; `shared/app/orders/effective.ts` loads the waves and applies it on every read path.
 */

/** What the rule needs of a community wave record: its status and when it closed. */
export interface WaveCloseState {
  status?: unknown;
  closedAt?: unknown;
  [field: string]: unknown;
}

/** The stored statuses an order effectively CONFIRMED may have: a writer moving it on conditions on these. */
export const LOCKED_STORED_STATUSES = ['PAID', 'CONFIRMED'] as const;

export const waveIsClosed = (wave: WaveCloseState | undefined): boolean => wave?.status === 'CLOSED';

/** The status an order shows, from its stored status and whether its community wave is CLOSED. */
export function effectiveStatus<S extends string>(stored: S, waveClosed: boolean): S | 'CONFIRMED' {
  return stored === 'PAID' && waveClosed ? 'CONFIRMED' : stored;
}

/**
 * The order as it effectively stands: a stored PAID order of a CLOSED wave is CONFIRMED, with
 * `confirmedAt` the wave's close time. Anything else is returned unchanged (the same object).
 */
export function effectiveOrder<O extends { status: string; confirmedAt?: string }>(order: O, wave: WaveCloseState | undefined): O {
  const status = effectiveStatus(order.status, waveIsClosed(wave));
  if (status === order.status) return order;
  const closedAt = typeof wave?.closedAt === 'string' ? wave.closedAt : undefined;
  return { ...order, status, ...(order.confirmedAt || !closedAt ? {} : { confirmedAt: closedAt }) };
}
