import { ConditionFailed } from '#ports/item-store';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { leaseKey } from './keys.ts';

/**
 * One run of a job at a time: a lease item taken with a conditional put, which only one of
 * concurrent takers wins, that expires on its own after `seconds` (at least the function's
 * timeout, so a run killed by its timeout never blocks the next one for longer).
 */
export async function acquireLease(deps: Pick<Deps, 'store' | 'clock'>, job: string, runId: string, seconds: number): Promise<{ acquired: true } | { acquired: false; holder: string }> {
  const now = deps.clock.now();
  try {
    await deps.store.write({
      type: 'put',
      item: { ...leaseKey(job), job, runId, until: now + seconds * 1000, takenAt: now },
      when: [{ op: 'or', conditions: [{ op: 'notExists' }, { op: 'lt', path: 'until', value: now }] }],
    });
    return { acquired: true };
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    const holder = e.current?.runId ?? (await deps.store.get(leaseKey(job), { consistent: true }))?.runId;
    return { acquired: false, holder: String(holder ?? 'unknown') };
  }
}

/** Gives the lease back, only if this run still holds it (an expired one may have been taken over). */
export async function releaseLease(deps: Pick<Deps, 'store'>, job: string, runId: string): Promise<void> {
  try {
    await deps.store.write({ type: 'delete', key: leaseKey(job), when: [{ op: 'eq', path: 'runId', value: runId }] });
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    logger.warn('job lease was taken over before release', { job, runId });
  }
}
