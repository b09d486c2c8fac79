/**
 * CloudBase timer crons (7 fields: second minute hour day month weekday year, in UTC+8) read
 * just far enough to tell whether a job is due at a given minute. CloudBase allows one timer
 * per function, so a function with several jobs gets one timer at the finest of their
 * schedules and runs, at each tick, the jobs whose own cron names that minute.
 */
const FIELD_RANGES: [number, number][] = [
  [0, 59], // second
  [0, 59], // minute
  [0, 23], // hour
  [1, 31], // day
  [1, 12], // month
  [0, 6], // weekday (0 = Sunday)
];

function fieldMatches(field: string, value: number, [min]: [number, number]): boolean {
  return field.split(',').some((part) => {
    if (part === '*') return true;
    const step = /^(\*|\d+)\/(\d+)$/.exec(part);
    if (step) {
      const start = step[1] === '*' ? min : Number(step[1]);
      const n = Number(step[2]);
      return n > 0 && value >= start && (value - start) % n === 0;
    }
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) return value >= Number(range[1]) && value <= Number(range[2]);
    return /^\d+$/.test(part) && Number(part) === value;
  });
}

/** True when the cron names the minute of `atMs` (seconds are ignored: a timer fires a little late). */
export function cronMatchesMinute(cron: string, atMs: number): boolean {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 7) return false;
  const t = new Date(atMs + 8 * 3600_000); // CloudBase timers run in UTC+8
  const values = [0, t.getUTCMinutes(), t.getUTCHours(), t.getUTCDate(), t.getUTCMonth() + 1, t.getUTCDay()];
  return fields.slice(1, 6).every((f, i) => fieldMatches(f, values[i + 1]!, FIELD_RANGES[i + 1]!));
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The one timer that wakes a function often enough for every cron given: every N minutes for
 * `0 *\/N * * * * *` schedules (N the greatest common divisor), otherwise every minute.
 */
export function finestCron(crons: string[]): string {
  if (new Set(crons).size === 1) return crons[0]!;
  const steps = crons.map((c) => {
    const f = c.trim().split(/\s+/);
    if (f.length !== 7 || f[0] !== '0' || f.slice(2).some((x) => x !== '*')) return 1;
    if (f[1] === '*') return 1;
    const m = /^\*\/(\d+)$/.exec(f[1]!);
    return m ? Number(m[1]) : 1;
  });
  const step = steps.reduce(gcd);
  return step <= 1 ? '0 * * * * * *' : `0 */${step} * * * * *`;
}
