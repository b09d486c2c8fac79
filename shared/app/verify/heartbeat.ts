import type { Job } from '#app/command';
import { atBizTime, bizDate, toBizIso } from '#domain/time';
import { ConditionFailed } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { runOverdue } from './overdue.ts';

/** `JOB#overdue` / `LAST`: the business date whose daily run completed. */
const doneKey = () => keys.job('overdue', 'LAST');

export type OverdueBeat = Awaited<ReturnType<typeof runOverdue>> & { skipped?: true };

/**
 * The overdue heartbeat (SCHEDULES.overdue, hourly): the daily run (reminders, expiry, return
 * lists) once per business day, at the first beat from the setting `overdueHour` on; every
 * other beat is one read. A run that failed records nothing, so the next beat tries again;
 * the run itself is idempotent, so two beats at once change nothing twice.
 */
export async function overdueWhenDue(deps: Deps): Promise<OverdueBeat> {
  const now = deps.clock.now();
  const today = bizDate(now);
  const from = atBizTime(today, `${String(deps.settings.overdueHour).padStart(2, '0')}:00`);
  const skipped = { skipped: true as const, reminded: 0, expired: 0, refunded: 0 };
  if (now < from) return skipped;
  const done = await deps.store.get(doneKey());
  if (typeof done?.date === 'string' && done.date >= today) return skipped;
  const counts = await runOverdue(deps);
  try {
    await deps.store.write({
      type: 'put',
      item: { ...doneKey(), date: today, at: toBizIso(deps.clock.now()) },
      when: [{ op: 'or', conditions: [{ op: 'notExists' }, { op: 'lt', path: 'date', value: today }] }],
    });
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e; // a concurrent beat recorded the day
  }
  return counts;
}

/** What the schedule wakes; POST /admin/jobs/overdue/run runs `overdueJob` (overdue.ts) unconditionally. */
export const overdueHeartbeat: Job = { name: 'overdue', run: (deps) => overdueWhenDue(deps) };
