import { randomFillSync, randomInt } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { Ids } from '#ports/ids';
import type { Clock } from '#ports/clock';

/**
 * The ULID's random characters from a pool of CSPRNG bytes filled 4 KB at a time: the library's
 * own source asks the CSPRNG for one byte per character (16 calls an id, on the placement's hot
 * path). The same bytes, the same `byte / 256` the library makes of them.
 */
function pooledRandom(): () => number {
  const pool = Buffer.alloc(4096);
  let at = pool.length;
  return () => {
    if (at >= pool.length) {
      randomFillSync(pool);
      at = 0;
    }
    return pool[at++]! / 256;
  };
}

/** ULIDs stamped with the clock port's time (so a moved local clock sorts right), random digits from a CSPRNG. */
export function createIds(clock: Clock): Ids {
  const next = monotonicFactory(pooledRandom());
  return {
    newId: () => next(clock.now()),
    digits: (count) => Array.from({ length: count }, () => randomInt(10)).join(''),
  };
}
