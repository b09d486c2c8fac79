import { clockWaveDate, describeWave } from '#domain/wave-clock';
import { addDays } from '#domain/time';
import type { Deps } from './deps.ts';
import { keys } from './keys.ts';

/**
 * The wave open for a community's orders: the earliest wave whose cutoff is still ahead and
 * that the merchant has not closed early (API.md "Waves and stock").
 */
export async function openWaveFor(deps: Deps, communityId: string): Promise<string> {
  let date = clockWaveDate(deps.settings, deps.clock.now());
  for (let i = 0; i < 7; i++) {
    const wave = await deps.store.get(keys.communityWave(communityId, date));
    // CLOSING: the cutoff (or an early close) is under way; new orders go to the next wave.
    if (wave?.status !== 'CLOSED' && wave?.status !== 'CLOSING') return date;
    date = addDays(date, 1);
  }
  return date;
}

export const waveInfo = (deps: Deps, date: string) => describeWave(deps.settings, date);
