import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JobStart } from '#ports/job-launcher';

/**
 * HMAC-SHA256 over a job start (`{ job, date, runId, part? }`, canonical JSON), base64url. The key is
 * derived from the session secret (deriveSecret(..., 'groupbuy job start')), which every
 * function of a deployment shares.
 */
export function createJobSigner(key: Uint8Array) {
  // A part is appended only when present, so a start without one signs as it always did.
  const canonical = (s: JobStart) => JSON.stringify([s.job, s.date ?? null, s.runId, ...(s.part ? [s.part] : [])]);
  const sign = (s: JobStart) => createHmac('sha256', key).update(canonical(s)).digest('base64url');
  return {
    sign,
    verify(s: JobStart, sig: string): boolean {
      if (typeof sig !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return false;
      const want = Buffer.from(sign(s), 'base64url');
      return timingSafeEqual(want, Buffer.from(sig, 'base64url'));
    },
  };
}

export type JobSigner = ReturnType<typeof createJobSigner>;

/** The event a launcher hands to the job's function: the start and its signature. */
export const startEvent = (signer: JobSigner, s: JobStart) => ({ job: s.job, ...(s.date ? { date: s.date } : {}), ...(s.part ? { part: s.part } : {}), runId: s.runId, sig: signer.sign(s) });
