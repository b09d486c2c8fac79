import { AppError } from '#domain/errors';
import { bizTime } from '#domain/time';
import { ConditionFailed } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { wrongCodeCounterKey } from './keys.ts';

/**
 * Guessing pickup codes is rate limited per leader: at most `WRONG_CODES_PER_MINUTE` unknown
 * codes are answered NOT_FOUND in a minute (a conditional counter per leader and minute, exact
 * under concurrency); after that every attempt, right or wrong, is RATE_LIMITED until the
 * minute is over, so the answers can never tell a guesser which code exists.
 */
export const WRONG_CODES_PER_MINUTE = 10;

const minuteOf = (now: number) => bizTime(now).format('YYYYMMDDHHmm');

/** Counts an unknown code; RATE_LIMITED when the minute's allowance is used up. */
export async function countWrongCode(deps: Deps, leaderId: string): Promise<void> {
  const now = deps.clock.now();
  try {
    await deps.store.write({
      type: 'update',
      key: wrongCodeCounterKey(leaderId, minuteOf(now)),
      // expiresAt: DynamoDB TTL removes the counter once its minute is long over.
      update: { inc: { count: 1 }, setIfAbsent: { leaderId, expiresAt: Math.floor(now / 1000) + 3600 } },
      when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'count' }, { op: 'lt', path: 'count', value: WRONG_CODES_PER_MINUTE }] }],
    });
  } catch (e) {
    if (e instanceof ConditionFailed) throw rateLimited();
    throw e;
  }
}

/** Refuses a leader who has used up the minute's allowance of wrong codes. */
export async function assertNotRateLimited(deps: Deps, leaderId: string): Promise<void> {
  const counter = await deps.store.get(wrongCodeCounterKey(leaderId, minuteOf(deps.clock.now())));
  if (Number(counter?.count ?? 0) >= WRONG_CODES_PER_MINUTE) throw rateLimited();
}

const rateLimited = () => new AppError('RATE_LIMITED', `too many wrong pickup codes; try again in a minute`);
