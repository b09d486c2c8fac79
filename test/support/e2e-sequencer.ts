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
  'growth-teams', // 2027-10-01 … 10-10
  'growth-wallet', // 2027-10-15 … 10-31
  'growth-referral', // 2027-11-01 … 11-14
  'leader-workspace', // 2027-11-15 … 11-30
  'last-mile', // 2027-12-01 … 12-15
  'supply', // 2028-01-01 … 2028-01-20
  'integrations', // 2028-02-01 … 02-15
  'content', // no clock (product content, uploads, search, imports)
];

/**
 * The browser files share their own stack the same way: the console's day walk reads "today's
 * wave" from today's clock, so it runs before the files that move the clock a year ahead (while
 * the clock is there the heartbeat closes every wave up to it, today's included).
 */
const BROWSER_ORDER = [
  'console', // today … the next Monday, then resets the clock
  'content', // no clock
  'leaders', // no clock
  'wallet', // no clock
  'teams', // no clock (offers dated 2027-10)
  'lastmile', // 2027-12-10 … 12-11
  'supply', // 2028-01-15
  'integrations', // no clock (events dated 2028-02)
];

const rankIn = (order: readonly string[]) => (path: string) => {
  const name = path.split('/').pop()!.replace(/\.test\.ts$/, '');
  const i = order.indexOf(name);
  return i === -1 ? order.length : i;
};

/** In `files` (sorted), the ones of `folder` take the slots they were given in the order `order` ranks them. */
function inOrder(files: TestSpecification[], folder: string, order: readonly string[]): TestSpecification[] {
  const rank = rankIn(order);
  const mine = (f: TestSpecification) => new RegExp(`[\\\\/]test[\\\\/]${folder}[\\\\/]`).test(f.moduleId);
  const ranked = files.filter(mine).sort((a, b) => rank(a.moduleId) - rank(b.moduleId) || a.moduleId.localeCompare(b.moduleId));
  let next = 0;
  return files.map((f) => (mine(f) ? ranked[next++]! : f));
}

/**
 * Vitest's default order for every project, except that the e2e files keep the slots they were
 * given but take them in ORDER, and the browser files in BROWSER_ORDER (the sequencer is a root
 * option: it sorts all projects' files).
 */
export class E2eSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return inOrder(inOrder(await super.sort(files), 'e2e', ORDER), 'browser', BROWSER_ORDER);
  }
}
