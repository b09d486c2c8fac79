import middy from '@middy/core';
import { AppError } from '#domain/errors';
import type { FunctionModule } from './command.ts';
import type { PlatformDeps } from './command.ts';
import { createHttpHandler } from './http.ts';
import { toErrorBody } from './errors.ts';
import { logger } from './logger.ts';

/**
 * A scheduled invocation (EventBridge Scheduler with explicit `input`), or a run started by
 * staff (an asynchronous Lambda invoke with `runId` and the launcher's signature `sig`).
 */
interface ScheduledEvent {
  job: string;
  date?: string;
  part?: string;
  runId?: string;
  sig?: string;
}

const isScheduled = (e: any): e is ScheduledEvent => !!e && typeof e.job === 'string' && !e.requestContext;

/** The Lambda handler of a function: HTTP API routes and its scheduled jobs. */
export function createAwsHandler(mod: FunctionModule, getDeps: () => Promise<PlatformDeps>) {
  const http = createHttpHandler(mod, getDeps);
  return middy().handler(async (event: any) => {
    if (isScheduled(event)) {
      const job = mod.jobs?.find((j) => j.name === event.job);
      try {
        if (!job) throw new AppError('NOT_FOUND', `no job ${event.job} in ${mod.name}`);
        const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
        const result = await job.run(await getDeps(), { date: str(event.date), part: str(event.part), runId: str(event.runId), sig: str(event.sig) });
        logger.info('job done', { job: event.job });
        return result;
      } catch (e) {
        // A scheduled run must fail loudly so the scheduler's retry and alarms see it.
        toErrorBody(e, `job ${event.job}`);
        throw e;
      }
    }
    return http(event);
  });
}
