import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The e2e files share one local stack and its business clock, and the cutoff heartbeat closes
 * every wave up to the clock (it cannot be walked back), so they run in a fixed order: the ones
 * on today's clock first, then those that walk it forward, each to dates after the last.
 * A file not listed runs after these, by name.
 */
const ORDER = [
  'routes', // no clock
  'foundation', // 2026-11-24, before today, then resets the clock
  'orders', // today
  'client', // today
  'staff', // today (tickets expire on a moved clock, then reset)
  'service-area', // today (no wave; puts the area back)
  'day-walk', // 2027-03-01 … 03-08
  'settings', // 2027-03-10
  'pickup-codes', // 2027-03-17
  'back-office', // 2027-06-07
  'privacy', // 2027-09-15
  'growth-wallet', // 2027-10-15 … 10-31
  'growth-referral', // 2027-11-01 … 11-14
  'leader-workspace', // 2027-11-15 … 11-30
  'last-mile', // 2027-12-01 … 12-15
];

const rank = (path: string) => {
  const name = path.split('/').pop()!.replace(/\.test\.ts$/, '');
  const i = ORDER.indexOf(name);
  return i === -1 ? ORDER.length : i;
};

/**
 * Vitest's default order for every project, except that the e2e files keep the slots they were
 * given but take them in ORDER (the sequencer is a root option: it sorts all projects' files).
 */
export class E2eSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isE2e = (f: TestSpecification) => /[\\/]test[\\/]e2e[\\/]/.test(f.moduleId);
    const e2e = sorted.filter(isE2e).sort((a, b) => rank(a.moduleId) - rank(b.moduleId) || a.moduleId.localeCompare(b.moduleId));
    let next = 0;
    return sorted.map((f) => (isE2e(f) ? e2e[next++]! : f));
  }
}
