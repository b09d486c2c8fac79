import { AppError } from '#domain/errors';
import type { FunctionModule } from './command.ts';
import type { PlatformDeps, RawResponse } from './command.ts';
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

/** The one timer of a function with several jobs (scripts/gen.ts names it so). */
export const HEARTBEAT_TRIGGER = 'heartbeat';
const isHeartbeat = (mod: FunctionModule, trigger: string) => trigger === HEARTBEAT_TRIGGER && (mod.jobs?.length ?? 0) > 0;

/** Runs each due job in turn; one failing does not stop the others, and the tick fails after them all. */
async function runInTurn(jobs: NonNullable<FunctionModule['jobs']>, deps: PlatformDeps): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  let failure: unknown;
  for (const j of jobs) {
    try {
      results[j.name] = await j.run(deps, {});
    } catch (e) {
      failure ??= e;
      toErrorBody(e, `timer job ${j.name}`);
    }
  }
  if (failure) throw failure;
  return results;
}

const isTimer = (e: unknown): e is TimerEvent => !!e && typeof e === 'object' && (e as TimerEvent).Type === 'Timer';

/** An HTTP request through CloudBase's HTTP access service (云接入 / HTTP trigger): API-gateway shaped. */
interface HttpEvent {
  httpMethod: string;
  path: string;
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

const isHttp = (e: unknown): e is HttpEvent =>
  !!e && typeof e === 'object' && typeof (e as HttpEvent).httpMethod === 'string' && typeof (e as HttpEvent).path === 'string';

/**
 * Whether an invocation carries a client's identity: an OPENID in the WeChat context, or the
 * `userInfo` wx.cloud.callFunction adds to the data. Such an event is never a timer or a
 * platform callback, whatever its shape.
 */
const hasClientIdentity = (event: unknown, openid: string | undefined) =>
  !!openid || (!!event && typeof event === 'object' && (event as Record<string, unknown>).userInfo !== undefined);

/**
 * The CloudBase transport of a function: `wx.cloud.callFunction({ name, data: { action, ...input } })`
 * with the caller's OPENID from the WeChat context (taken through `openidOf`, never from data),
 * timer events routed to the function's jobs by trigger name, and platform events without an
 * action (cloudPay's callbacks) to the command whose `cloudbaseEvent` accepts them, answered as
 * the command answers (rawResponse). Timers and platform events count only without any client
 * identity; otherwise the event is an action call like any other.
 */
export function createCloudMain(
  mod: FunctionModule,
  getDeps: () => Promise<PlatformDeps>,
  openidOf: (event: unknown, context: unknown) => string | undefined,
  /**
   * The jobs a timer tick runs when its trigger is not itself a job: CloudBase allows one timer
   * per function, so a function with several jobs has one `heartbeat` timer and this says which
   * are due at the tick (each job's own cron, wiring/cloudbase.ts).
   */
  timerJobs: (trigger: string, atMs: number) => string[] = () => [],
) {
  const byAction = new Map(mod.commands.map((c) => [c.name.slice(c.name.indexOf('.') + 1), c]));
  return async (event: unknown, context: unknown): Promise<CloudResult> => {
    // A timer trigger has no caller; a mini-program sending a timer-shaped event is refused
    // (it is routed as an action, and has none), as on AWS where no request is a schedule.
    const anonymous = !hasClientIdentity(event, openidOf(event, context));
    if (isTimer(event) && anonymous) {
      const job = mod.jobs?.find((j) => j.name === event.TriggerName);
      try {
        if (job) return { ok: true, data: await job.run(await getDeps(), {}) };
        const at = typeof event.Time === 'string' && !Number.isNaN(Date.parse(event.Time)) ? Date.parse(event.Time) : Date.now();
        if (!isHeartbeat(mod, event.TriggerName)) throw new AppError('NOT_FOUND', `no job ${event.TriggerName}`);
        const names = timerJobs(event.TriggerName, at);
        const due = (mod.jobs ?? []).filter((j) => names.includes(j.name));
        return { ok: true, data: await runInTurn(due, await getDeps()) };
      } catch (e) {
        // Fail the invocation so the platform's retry and alarms see it (a cutoff out of time resumes).
        toErrorBody(e, `${mod.name} timer ${event.TriggerName}`);
        throw e;
      }
    }
    // HTTP access: only the public notification routes (raw body, WeChat's answer), e.g. WeChat Pay's
    // transfer notification at PUBLIC_BASE_URL/pay/transfer-notify; every other route is 404.
    if (isHttp(event) && anonymous) {
      const path = event.path.replace(/\/+$/, '');
      const command = mod.commands.find(
        (c) => c.roles === 'public' && c.rawResponse && c.http?.method === event.httpMethod.toUpperCase() && !c.http.path.includes('{') && (path === c.http.path || path.endsWith(c.http.path)),
      );
      if (!command) return { statusCode: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such route' } }), isBase64Encoded: false } as never;
      const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
      const res = (await dispatch(command, {}, { kind: 'openid', openid: undefined }, await getDeps(), { headers, body })) as RawResponse;
      return { statusCode: res.status, headers: res.headers ?? {}, body: res.body, isBase64Encoded: false } as never;
    }
    const platformCommand =
      anonymous && event && typeof event === 'object' && !('action' in event) ? mod.commands.find((c) => c.cloudbaseEvent?.(event as Record<string, unknown>)) : undefined;
    if (platformCommand) {
      // The command answers the platform its own way; a failure fails the invocation (the platform retries).
      return (await dispatch(platformCommand, event, { kind: 'openid', openid: undefined }, await getDeps())) as CloudResult;
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
