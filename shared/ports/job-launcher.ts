/**
 * Starts a job run in the job's own function without waiting for it (POST /admin/jobs/{job}/run
 * answers 202 at once). AWS: an asynchronous Lambda invoke; CloudBase: `cloud.callFunction`;
 * tests: the same process, in the background. Every start carries a signature over exactly
 * `{ job, date, runId, part }`, checked by `verify` where the run begins, because on CloudBase any
 * client can call any function with any data.
 */
export interface JobStart {
  job: string;
  date?: string;
  runId: string;
  /**
   * One part of a job fanned out over instances (the cutoff's batches: `"<index>/<count>"`):
   * the part runs under a lease of its own, beside the coordinating run. Signed like the rest.
   */
  part?: string;
}

export interface JobLauncher {
  /** Hands the start to function `fn`; throws when it could not be handed over. */
  launch(fn: string, start: JobStart): Promise<void>;
  /** True only for a signature `launch` made for exactly this start. */
  verify(start: JobStart, sig: string): boolean;
  /** False where no launcher is configured (launch would throw): work that could fan out stays in this run. */
  readonly available?: boolean;
}
