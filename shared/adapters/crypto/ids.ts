import { randomInt } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { Ids } from '#ports/ids';
import type { Clock } from '#ports/clock';

/** ULIDs stamped with the clock port's time (so a moved local clock sorts right), random digits from a CSPRNG. */
export function createIds(clock: Clock): Ids {
  const next = monotonicFactory();
  return {
    newId: () => next(clock.now()),
    digits: (count) => Array.from({ length: count }, () => randomInt(10)).join(''),
  };
}
