/**
 * When a push that failed transiently is tried again. The notify job runs every minute, so the
 * first retry waits about a minute; each further one doubles, capped, with jitter so that a burst
 * of failures (WeChat busy, 45009 rate limit) does not come back as one burst.
 */

/** Send attempts before an entry is dead-lettered (the first send included). */
export const MAX_ATTEMPTS = 6;

export const RETRY_BASE_MS = 60_000;
export const RETRY_MAX_MS = 60 * 60_000;

/**
 * The wait after failed attempt number `attempt` (1-based): "equal jitter", a random point in
 * the upper half of min(max, base·2^(attempt-1)), so it always grows and never bunches up.
 * `random` is in [0, 1).
 */
export function retryDelayMs(attempt: number, random: number): number {
  const exp = RETRY_BASE_MS * 2 ** Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(RETRY_MAX_MS, exp);
  const half = Math.floor(ceiling / 2);
  return half + Math.floor(Math.min(Math.max(random, 0), 1 - Number.EPSILON) * (ceiling - half));
}

/** Whether the entry is out of attempts after failed attempt number `attempt`. */
export const outOfAttempts = (attempt: number): boolean => attempt >= MAX_ATTEMPTS;
