import type { z } from 'zod/mini';
import type { Deps } from '#app/deps';

export type Role = 'customer' | 'leader' | 'staff';

/** Who is calling: a signed-in user (openid) with roles from data, or the scheduler. */
export type Caller =
  | { kind: 'user'; userId: string; roles: Role[] }
  | { kind: 'scheduler' }
  | { kind: 'anonymous' };

export interface RawRequest {
  headers: Record<string, string | undefined>;
  body: string;
}

export interface CommandContext {
  caller: Caller;
  deps: Deps;
  /** The HTTP request as received, for commands that verify a signature over the raw body. */
  raw?: RawRequest;
}

export interface HttpBinding {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway style path: /orders/{id}/cancel */
  path: string;
  /** Success status (default 200). */
  status?: number;
}

/**
 * A command of the API contract: one use case with its input schema and the roles allowed to
 * call it. The same definition serves the HTTP routes (AWS, local) and CloudBase actions.
 */
export interface Command<S extends z.ZodMiniType = z.ZodMiniType, O = unknown> {
  /** `<function>.<action>`, e.g. `order.place`. */
  name: string;
  /** `public` needs no token (login, payment notifications); otherwise any of the roles. */
  roles: Role[] | 'public';
  input: S;
  http?: HttpBinding;
  /** The transport hands back this response as it is (payment notifications answer WeChat's way). */
  rawResponse?: boolean;
  run(ctx: CommandContext, input: z.infer<S>): Promise<O>;
}

export const defineCommand = <S extends z.ZodMiniType, O>(c: Command<S, O>): Command<S, O> => c;

/** A scheduled job: the same code for the timer, the EventBridge schedule and POST /admin/jobs/{job}/run. */
export interface Job {
  name: string;
  run(deps: Deps, input: { date?: string }): Promise<unknown>;
}

export interface FunctionModule {
  /** The function's name on both clouds (order, cutoff, ...). */
  name: string;
  commands: Command<any, any>[];
  jobs?: Job[];
}

export interface RawResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}
