import type { z } from 'zod/mini';

/**
 * A staff member's roles (issue 14): `owner` is allowed everything staff may do (the staff
 * accounts and the settings included); the others each cover their part of the back office.
 */
export const STAFF_ROLES = ['owner', 'operations', 'finance', 'warehouse'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * Who may call a command. `customer` and `leader` come from data (users.ts); `staff` is any
 * active staff member, whatever their roles; a staff role names that part of the back office.
 */
export type Role = 'customer' | 'leader' | 'staff' | StaffRole | IntegrationRole;

/**
 * A machine's read-only roles (issue 18): an API key (`Authorization: Bearer gbk_…`) holds the
 * scopes it was created with and nothing else, so it reaches only the commands listing them
 * (the exports and the matching lists), never a write.
 */
export const INTEGRATION_ROLES = ['integration:orders', 'integration:purchase', 'integration:finance'] as const;
export type IntegrationRole = (typeof INTEGRATION_ROLES)[number];

/**
 * The one rule of role checks: a caller holding any role a command lists may call it, and an
 * `owner` may call every command that lists a staff role (or `staff`).
 */
export function rolesAllow(allowed: readonly Role[], held: readonly Role[]): boolean {
  if (allowed.some((r) => held.includes(r))) return true;
  return held.includes('owner') && allowed.some((r) => r === 'staff' || (STAFF_ROLES as readonly string[]).includes(r));
}

/**
 * The roles that refund any amount (issue 14: `finance` handles refunds above a threshold; the
 * `owner` may do everything): other staff refund up to the merchant's `staffRefundLimitFen`.
 */
export const REFUND_ANY_AMOUNT: readonly Role[] = ['finance'];
export const mayRefundAnyAmount = (held: readonly Role[]): boolean => rolesAllow(REFUND_ANY_AMOUNT, held);

/** Who is calling: a signed-in user (openid) with roles from data, or the scheduler. */
export type Caller =
  | { kind: 'user'; userId: string; roles: Role[] }
  | { kind: 'scheduler' }
  | { kind: 'anonymous' };

export interface RawRequest {
  headers: Record<string, string | undefined>;
  body: string;
  /** The body's bytes as received (for a command with `rawResponse` only: the local upload sandbox). */
  bytes?: Uint8Array;
}

/**
 * What the platform itself needs of the dependencies the use cases get: checking a session
 * token, signing page cursors and looking up a caller's roles (from data, on every call). The composition root
 * (shared/wiring) supplies them; the platform knows no adapter and no use case.
 */
export interface PlatformDeps {
  sessions: { verify(token: string): Promise<string | undefined> };
  /**
   * The caller's roles now; undefined when the identity no longer signs in at all (a disabled or
   * removed staff member's token): dispatch answers 401 at once.
   */
  callerRoles(userId: string): Promise<Role[] | undefined>;
  /**
   * True for a subject that is a customer whatever the data says (an openid: not a staff token's
   * nor an API key's subject), so a `rolesUnread` customer command needs no lookup (issue 19).
   */
  customerBySubject?(userId: string): boolean;
  /** Signs the page cursors handed to clients (shared/platform/cursors.ts); a paged command refuses to run without it. */
  cursorKey?: Uint8Array;
}

export interface CommandContext<D = PlatformDeps> {
  caller: Caller;
  deps: D;
  /** The HTTP request as received, for commands that verify a signature over the raw body. */
  raw?: RawRequest;
}

export interface HttpBinding {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway style path: /orders/{id}/cancel */
  path: string;
  /** Success status (default 200). */
  status?: number;
  /** A body of this content type (e.g. `text/csv`) is handed over as text in the input field `field` instead of being parsed as JSON. */
  textBody?: { contentType: string; field: string };
  /** A larger request body limit than the default (uploads). */
  maxBodyBytes?: number;
}

/**
 * A command of the API contract: one use case with its input schema and the roles allowed to
 * call it. The same definition serves the HTTP routes (AWS, local) and CloudBase actions.
 */
export interface Command<S extends z.ZodMiniType = z.ZodMiniType, O = unknown, D = any> {
  /** `<function>.<action>`, e.g. `order.place`. */
  name: string;
  /** `public` needs no token (login, payment notifications); otherwise any of the roles. */
  roles: Role[] | 'public';
  /**
   * The command reads no role of its caller: for a customer command called by a subject that is a
   * customer by identity (PlatformDeps.customerBySubject), dispatch skips looking up the roles
   * (the hot paths of placing and quoting; `caller.roles` is then `['customer']`).
   */
  rolesUnread?: true;
  input: S;
  /**
   * What `data` holds on success (zod/mini). Documentation and tests only: the transports never
   * parse it (OpenAPI, the typed client and the response checks of the tests read it).
   */
  output?: z.ZodMiniType;
  http?: HttpBinding;
  /** The transport hands back this response as it is (payment notifications answer WeChat's way). */
  rawResponse?: boolean;
  /**
   * CloudBase only: the platform events (no `action`) this command receives, e.g. cloudPay's
   * payment and refund callbacks. The transport hands such an event to the command only when it
   * carries no client identity (no OPENID in the WeChat context, no `userInfo`).
   */
  cloudbaseEvent?: (event: Record<string, unknown>) => boolean;
  run(ctx: CommandContext<D>, input: z.infer<S>): Promise<O>;
}


/** A scheduled job: the same code for the timer, the EventBridge schedule and POST /admin/jobs/{job}/run. */
export interface Job<D = any> {
  name: string;
  /** `runId` and `sig`: a run started by staff (shared/app/jobs), signed by the launcher. */
  run(deps: D, input: JobInput): Promise<unknown>;
}

export interface JobInput {
  date?: string;
  /** A part of a fanned-out run (see JobStart.part). */
  part?: string;
  runId?: string;
  sig?: string;
}

export interface FunctionModule<D = any> {
  /** The function's name on both clouds (order, cutoff, ...). */
  name: string;
  commands: Command<any, any, D>[];
  jobs?: Job<D>[];
}

export interface RawResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
  /** `body` is base64 of binary content (an image): the HTTP API sends the bytes. */
  isBase64Encoded?: boolean;
}
