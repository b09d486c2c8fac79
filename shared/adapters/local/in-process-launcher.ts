import type { JobLauncher } from '#ports/job-launcher';
import { startEvent, type JobSigner } from '#adapters/crypto/job-signature';

/**
 * Tests: starts a job run in this process, in the background, through the same signed event
 * the clouds carry (`run` is the job's function's entry for it). `idle()` waits until every
 * started run has ended.
 */
export function createInProcessLauncher(options: { signer: JobSigner; run(fn: string, event: ReturnType<typeof startEvent>): Promise<unknown> }) {
  const pending = new Set<Promise<unknown>>();
  const launcher: JobLauncher & { idle(): Promise<void> } = {
    async launch(fn, start) {
      const event = startEvent(options.signer, start);
      const p: Promise<unknown> = new Promise((resolve) => setImmediate(resolve))
        .then(() => options.run(fn, event))
        .catch(() => undefined)
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    verify: (start, sig) => options.signer.verify(start, sig),
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
  return launcher;
}
