import type { Job } from '#app/command';
import { lastDueEnd } from '#domain/settlement-plan';
import { toBizIso } from '#domain/time';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { reviewMonthAt } from './monthly.ts';
import { runSettlement, type SettleResult } from './run.ts';
import { settleKeys } from './keys.ts';
import { settlementSettingsOf } from './settings.ts';

/** `JOB#settle` / `DUE`: how far the last complete run settled (`settledUntil`, under which period kind). */
const doneKey = () => keys.job('settle', 'DUE');

/** A beat with nothing due: the shape of a run that wrote nothing. */
export interface SkippedBeat {
  skipped: true;
  now: string;
  settlementPeriod: string;
  settledUntil: string;
  statements: 0;
  totalFen: 0;
  periods: [];
  failed: [];
}

export type SettleBeat = SettleResult | SkippedBeat;

/**
 * The settle heartbeat (SCHEDULES.settle, hourly): settles only when something is due — a
 * period whose settle time (settings `settlement.settleHour` the day after it ends) has come
 * since the last complete run, or the month's ranking and review not yet made. Otherwise one
 * read. A run with a failed leader records nothing, so the next beat tries again; a run that
 * settles nothing new changes nothing (runSettlement is idempotent).
 */
export async function settleWhenDue(deps: Deps): Promise<SettleBeat> {
  const settings = settlementSettingsOf(deps);
  const now = deps.clock.now();
  const settledUntil = lastDueEnd(settings.settlementPeriod, now, settings.settleHour);
  const month = reviewMonthAt(now);
  const [done, review] = await Promise.all([deps.store.get(doneKey()), month ? deps.store.get(settleKeys.month(month)) : undefined]);
  const reviewDue = month !== undefined && !review;
  if (!reviewDue && done?.settledUntil === settledUntil && done.settlementPeriod === settings.settlementPeriod) {
    return { skipped: true, now: toBizIso(now), settlementPeriod: settings.settlementPeriod, settledUntil, statements: 0, totalFen: 0, periods: [], failed: [] };
  }
  const result = await runSettlement(deps);
  if (result.failed.length === 0) {
    await deps.store.write({
      type: 'put',
      item: { ...doneKey(), settledUntil: result.settledUntil, settlementPeriod: result.settlementPeriod, at: toBizIso(deps.clock.now()) },
    });
  }
  return result;
}

/** What the schedule wakes; POST /admin/jobs/settle/run runs `settleJob` (run.ts) unconditionally. */
export const settleHeartbeat: Job = {
  name: 'settle',
  // A part of a fanned-out run (run.ts, ../jobs/parts.ts) settles its share whatever is due: its coordinator decided.
  run: (deps, input) => (input.part ? runSettlement(deps, { part: input.part }) : settleWhenDue(deps)),
};
