import { toBizIso } from '#domain/time';

const cache = new Map<number, string>();
const CAPACITY = 256;

/**
 * `toBizIso` for the notify job's hot path. Formatting through dayjs' time-zone plugin costs
 * about a tenth of a millisecond, several times per message; its output has whole seconds, so
 * each second is formatted once and reused (a drain touches only a few distinct seconds).
 */
export function bizIso(ms: number): string {
  const second = Math.floor(ms / 1000);
  let iso = cache.get(second);
  if (iso === undefined) {
    if (cache.size >= CAPACITY) cache.clear();
    iso = toBizIso(second * 1000);
    cache.set(second, iso);
  }
  return iso;
}
