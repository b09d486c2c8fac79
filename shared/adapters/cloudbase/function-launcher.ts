import type { JobLauncher } from '#ports/job-launcher';
import { startEvent, type JobSigner } from '#adapters/crypto/job-signature';

export interface CloudFunctionLauncherOptions {
  /** wx-server-sdk's `cloud` (callFunction). */
  cloud: { callFunction(params: { name: string; data: Record<string, unknown> }): Promise<unknown> };
  signer: JobSigner;
  /** How long to wait for an early failure (no such function) before answering; default 1 s. */
  graceMs?: number;
}

/**
 * Starts a job run on CloudBase: `cloud.callFunction({ name: fn, data: { action: 'startJob',
 * job, date?, runId, sig } })`, the function's `<fn>.startJob` action (shared/app/jobs). The call
 * answers only when the job ends, so the caller waits a short grace period for an early failure
 * and then returns; the callee runs on to the end of its own timeout. The signature is what
 * makes the action safe to expose: a client cannot forge one.
 */
export function createCloudFunctionLauncher(options: CloudFunctionLauncherOptions): JobLauncher {
  const grace = options.graceMs ?? 1000;
  return {
    async launch(fn, start) {
      const call = options.cloud.callFunction({ name: fn, data: { action: 'startJob', ...startEvent(options.signer, start) } });
      call.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, grace)));
      try {
        await Promise.race([call, waited]);
      } finally {
        clearTimeout(timer);
      }
    },
    verify: (start, sig) => options.signer.verify(start, sig),
  };
}
