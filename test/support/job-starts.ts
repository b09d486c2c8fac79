import type { JobStart } from '#ports/job-launcher';
import type { TestWorld } from './harness.ts';

/**
 * Records the job starts a coordinator makes through the world's launcher (its fan-out parts);
 * `refuse` fails the launch of that part (`i/n`), `lose` swallows it (the instance died).
 */
export function watchStarts(w: TestWorld, opts: { refuse?: string; lose?: string } = {}): JobStart[] {
  const started: JobStart[] = [];
  const launch = w.deps.jobs.launch.bind(w.deps.jobs);
  w.deps.jobs = {
    ...w.deps.jobs,
    launch: async (fn, start) => {
      started.push(start);
      if (start.part && start.part === opts.refuse) throw new Error('invoke refused');
      if (start.part && start.part === opts.lose) return;
      return launch(fn, start);
    },
  };
  return started;
}
