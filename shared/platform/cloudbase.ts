import { AppError } from '#domain/errors';
import type { FunctionModule } from './command.ts';
import type { PlatformDeps } from './command.ts';
import { dispatch } from './dispatch.ts';
import { toErrorBody } from './errors.ts';

export type CloudResult = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

/** A CloudBase timer trigger's event (`config.json` triggers). */
interface TimerEvent {
  Type: 'Timer';
  TriggerName: string;
  Time?: string;
}

/** An action as it can be named in a message: client data may be any value (`String({ toString: 1 })` throws). */
const nameOf = (action: unknown): string => (typeof action === 'string' ? action.slice(0, 64) : `(${action === null ? 'null' : typeof action})`);

const isTimer = (e: unknown): e is TimerEvent => !!e && typeof e === 'object' && (e as TimerEvent).Type === 'Timer';

/**
 * The CloudBase transport of a function: `wx.cloud.callFunction({ name, data: { action, ...input } })`
 * with the caller's OPENID from the WeChat context (taken through `openidOf`, never from data),
 * and timer events routed to the function's jobs by trigger name.
 */
export function createCloudMain(
  mod: FunctionModule,
  getDeps: () => Promise<PlatformDeps>,
  openidOf: (event: unknown, context: unknown) => string | undefined,
) {
  const byAction = new Map(mod.commands.map((c) => [c.name.slice(c.name.indexOf('.') + 1), c]));
  return async (event: unknown, context: unknown): Promise<CloudResult> => {
    // A timer trigger has no caller; a mini-program sending a timer-shaped event is refused
    // (it is routed as an action, and has none), as on AWS where no request is a schedule.
    if (isTimer(event) && !openidOf(event, context)) {
      const job = mod.jobs?.find((j) => j.name === event.TriggerName);
      try {
        if (!job) throw new AppError('NOT_FOUND', `no job ${event.TriggerName}`);
        return { ok: true, data: await job.run(await getDeps(), {}) };
      } catch (e) {
        // Fail the invocation so the platform's retry and alarms see it (a cutoff out of time resumes).
        toErrorBody(e, `${mod.name} timer ${event.TriggerName}`);
        throw e;
      }
    }
    try {
      const deps = await getDeps();
      const { action, ...input } = (event ?? {}) as { action?: unknown } & Record<string, unknown>;
      // Strip the platform's own fields; identity never comes from data.
      delete input.userInfo;
      const command = typeof action === 'string' ? byAction.get(action) : undefined;
      if (!command) throw new AppError('NOT_FOUND', `no action ${nameOf(action)} in ${mod.name}`);
      const openid = openidOf(event, context);
      const data = await dispatch(command, input, { kind: 'openid', openid }, deps);
      return { ok: true, data: data && typeof data === 'object' && '__csv' in data ? (data as any).__csv : data };
    } catch (e) {
      const { error } = toErrorBody(e, `${mod.name}.${nameOf((event as { action?: unknown } | null)?.action ?? 'timer')}`);
      return { ok: false, error };
    }
  };
}
