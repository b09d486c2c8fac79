/**
 * The typed client's runtime: the transports and the error type. Standalone: no import from the
 * backend, no dependency beyond `fetch` (HTTP) or `wx.cloud.callFunction` (mini-program).
 */

/** A command as the client knows it (client/operations.ts, generated). */
export interface Operation {
  /** `<function>.<action>`, e.g. `order.place`. */
  name: string;
  /** The CloudBase function (`wx.cloud.callFunction({ name })`). */
  fn: string;
  /** The CloudBase action (`data.action`). */
  action: string;
  roles: readonly string[];
  /** The HTTP route; absent for CloudBase-only actions. */
  http?: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string; status: number };
  /** Exists only on the local stage. */
  localOnly?: boolean;
}

/** How a call reaches the backend: answers `data` on success, throws ApiError otherwise. */
export interface Transport {
  call(op: Operation, input: Record<string, unknown>): Promise<unknown>;
}

/** What the contract's error envelope says, plus the HTTP status (for CloudBase: the code's status). */
export class ApiError<C extends string = string> extends Error {
  readonly code: C;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** The command that failed, e.g. `order.place`. */
  readonly command: string | undefined;

  constructor(code: C, message: string, status: number, details?: Record<string, unknown>, command?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.details = details;
    this.command = command;
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{ status: number; text(): Promise<string> }>;

export interface HttpTransportOptions {
  /** e.g. `http://localhost:3000` or the HTTP API's URL. */
  baseUrl: string;
  /** The session token (`Authorization: Bearer`), read on every call; undefined sends none. */
  token?: () => string | undefined;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Extra headers on every call. */
  headers?: Record<string, string>;
}

/**
 * The HTTP transport: path parameters substituted from the input, GET and DELETE inputs as the
 * query string, other inputs as a JSON body; `{ data }` answered, `{ error }` thrown as ApiError.
 */
export function httpTransport(options: HttpTransportOptions): Transport {
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async call(op, input) {
      if (!op.http) throw new ApiError('NOT_FOUND', `${op.name} is a CloudBase action only; it has no HTTP route`, 404, undefined, op.name);
      const rest: Record<string, unknown> = { ...input };
      const path = op.http.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const value = rest[name];
        delete rest[name];
        if (value === undefined || value === null || value === '') throw new ApiError('VALIDATION_FAILED', `${name} is required`, 400, { issues: [{ path: name, message: 'required' }] }, op.name);
        return encodeURIComponent(String(value));
      });
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      const token = options.token?.();
      if (token) headers.authorization = `Bearer ${token}`;
      let url = `${base}${path}`;
      let body: string | undefined;
      if (op.http.method === 'GET' || op.http.method === 'DELETE') {
        const query = new URLSearchParams();
        for (const [k, v] of Object.entries(rest)) {
          if (v === undefined || v === null) continue;
          query.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
        }
        const qs = query.toString();
        if (qs) url += `?${qs}`;
      } else {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(rest);
      }
      const doFetch = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
      const res = await doFetch(url, { method: op.http.method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: { data?: unknown; error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      if (res.status >= 200 && res.status < 300 && parsed && 'data' in parsed) return parsed.data;
      const error = parsed?.error;
      if (error?.code) throw new ApiError(error.code, error.message ?? error.code, res.status, error.details, op.name);
      throw new ApiError('INTERNAL', `unexpected answer ${res.status}: ${text.slice(0, 200)}`, res.status, undefined, op.name);
    },
  };
}

/** The envelope a CloudBase function answers. */
export type CloudEnvelope = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

export interface MiniProgramTransportOptions {
  /** `wx.cloud.callFunction` (or any function of the same shape; its answer's `result` is the envelope). */
  callFunction: (options: { name: string; data: Record<string, unknown> }) => Promise<{ result?: unknown } | unknown>;
  /** HTTP status of each error code, for ApiError.status (client/operations.ts ERROR_STATUS). */
  statusOf?: (code: string) => number;
}

/** The mini-program transport: `wx.cloud.callFunction({ name: fn, data: { action, ...input } })`, identity from the WeChat context. */
export function miniProgramTransport(options: MiniProgramTransportOptions): Transport {
  return {
    async call(op, input) {
      const answer = await options.callFunction({ name: op.fn, data: { ...input, action: op.action } });
      // wx.cloud.callFunction resolves `{ result, errMsg, requestID }`; a direct main answers the envelope.
      const envelope = (answer && typeof answer === 'object' && 'result' in answer && !('ok' in answer) ? (answer as { result: unknown }).result : answer) as CloudEnvelope | undefined;
      if (envelope && envelope.ok === true) return envelope.data;
      if (envelope && envelope.ok === false && envelope.error?.code) {
        const { code, message, details } = envelope.error;
        throw new ApiError(code, message ?? code, options.statusOf?.(code) ?? 500, details, op.name);
      }
      throw new ApiError('INTERNAL', `unexpected answer from ${op.fn}.${op.action}`, 500, undefined, op.name);
    },
  };
}
