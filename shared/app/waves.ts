import { randomInt } from 'node:crypto';
import { clockWaveDate, describeWave } from '#domain/wave-clock';
import { addDays } from '#domain/time';
import type { Condition, Key, WriteOp } from '#ports/item-store';
import type { Deps } from './deps.ts';
import { keys } from './keys.ts';
import { cachedGet } from './read-cache.ts';

/**
 * A wave's gates: transactions that need the wave still open (placement, payment) check one
 * gate shard, picked at random; the cutoff marks the wave and every gate CLOSING in one
 * transaction. On DynamoDB a check is a condition of the transaction; on CloudBase (snapshot
 * isolation) the store writes every checked document, so a placement or payment in flight
 * conflicts with the close — and, spread over the shards, placements of one community do not
 * all contend for one document.
 */
export const WAVE_GATE_SHARDS = 8;
const GATE_OPEN: Condition[] = [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'status' }, { op: 'eq', path: 'status', value: 'OPEN' }] }];

/** The check that the wave is still open, on one gate shard. */
export const waveOpenCheck = (communityId: string, date: string): WriteOp => ({
  type: 'check',
  key: keys.waveGate(communityId, date, randomInt(WAVE_GATE_SHARDS)),
  when: GATE_OPEN,
});

/** Every gate of a wave: the cutoff closes them with the wave. */
export const waveGateKeys = (communityId: string, date: string): Key[] =>
  Array.from({ length: WAVE_GATE_SHARDS }, (_, shard) => keys.waveGate(communityId, date, shard));

/**
 * The wave open for a community's orders: the earliest wave whose cutoff is still ahead and
 * that the merchant has not closed early (API.md "Waves and stock").
 */
export async function openWaveFor(deps: Deps, communityId: string, options: { cached?: boolean } = {}): Promise<string> {
  let date = clockWaveDate(deps.settings, deps.clock.now());
  for (let i = 0; i < 7; i++) {
    // Cached for placement and quote (read-cache.ts): the transaction's wave gate decides.
    const key = keys.communityWave(communityId, date);
    const wave = options.cached ? await cachedGet(deps, key) : await deps.store.get(key);
    // CLOSING: the cutoff (or an early close) is under way; new orders go to the next wave.
    if (wave?.status !== 'CLOSED' && wave?.status !== 'CLOSING') return date;
    date = addDays(date, 1);
  }
  return date;
}

export const waveInfo = (deps: Deps, date: string) => describeWave(deps.settings, date);
