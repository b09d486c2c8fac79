import { addDays, atBizTime, bizDate, toBizIso } from './time.ts';

/**
 * The merchant's daily rhythm (DESIGN.md §1): the settings `cutoffTime` and `arrivalTime`
 * ("HH:mm" in the business time zone; their defaults live in shared/app/settings.ts).
 */
export interface WaveSchedule {
  cutoffTime: string;
  /** The day after the cutoff. */
  arrivalTime: string;
}

/** The instant wave `date` closes. */
export const waveCutoffAt = (s: WaveSchedule, date: string): number => atBizTime(date, s.cutoffTime);

/** When wave `date`'s goods are expected at the pickup points (the next day). */
export const waveArrivalAt = (s: WaveSchedule, date: string): number => atBizTime(addDays(date, 1), s.arrivalTime);

/**
 * The wave open for orders at `now` by the clock alone: today's before the cutoff, tomorrow's
 * from the cutoff instant on (21:59:59 → today, 22:00:00 → tomorrow).
 */
export function clockWaveDate(s: WaveSchedule, now: number): string {
  const today = bizDate(now);
  return now < waveCutoffAt(s, today) ? today : addDays(today, 1);
}

/** The latest wave whose cutoff is at or before `now`: the one the nightly job must have closed. */
export function lastDueWaveDate(s: WaveSchedule, now: number): string {
  return addDays(clockWaveDate(s, now), -1);
}

export function describeWave(s: WaveSchedule, date: string) {
  return { date, cutoffAt: toBizIso(waveCutoffAt(s, date)), arrivalAt: toBizIso(waveArrivalAt(s, date)) };
}
