/**
 * The console's only way to the API: the generated typed client (client/), with the session's
 * token. The base URL is build-time configuration (VITE_API_BASE); the local stack's static
 * server may inject `window.GROUPBUY_API_BASE` into index.html (random ports in tests).
 */
import { reactive } from 'vue';
import { ApiError, OPERATIONS, createClient, httpTransport, isApiError, type Client, type Operation } from '@client';

declare global {
  interface Window {
    GROUPBUY_API_BASE?: string;
  }
}

export function apiBase(): string {
  return (window.GROUPBUY_API_BASE || import.meta.env.VITE_API_BASE || 'http://localhost:3000').replace(/\/+$/, '');
}

export interface SessionUser {
  id: string;
  roles: string[];
  staffRoles?: string[];
  name?: string;
}

const KEY = 'groupbuy-console-session';
const saved = (() => {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as { token: string; user: SessionUser; expiresAt?: string } | null;
  } catch {
    return null;
  }
})();

export const session = reactive<{ token?: string; user?: SessionUser; expiresAt?: string }>(saved ?? {});

export function signIn(answer: { token: string; user: SessionUser; expiresAt?: string }) {
  session.token = answer.token;
  session.user = answer.user;
  session.expiresAt = answer.expiresAt;
  sessionStorage.setItem(KEY, JSON.stringify(answer));
}

export function signOut() {
  session.token = undefined;
  session.user = undefined;
  session.expiresAt = undefined;
  sessionStorage.removeItem(KEY);
}

const transport = httpTransport({ baseUrl: apiBase(), token: () => session.token });
export const api: Client = createClient({ transport });

/**
 * A command by name through the client's transport, for commands the generated client may not
 * list yet (issue 14 adds them: `auth.staffLogin`, web tickets, staff orders, audit, staff).
 * When the command is in the generated client it is called exactly as `api.<fn>.<action>`.
 */
export function command<T = any>(name: string, input: Record<string, unknown> = {}, fallback?: Omit<Operation, 'name' | 'fn' | 'action' | 'roles'>): Promise<T> {
  const known = (OPERATIONS as Record<string, Operation>)[name];
  const [fn, action] = name.split('.') as [string, string];
  if (known) return ((api as any)[fn][action] as (i: unknown) => Promise<T>)(input);
  if (!fallback?.http) return Promise.reject(new ApiError('NOT_FOUND', `${name} is not in this API yet`, 404, undefined, name));
  return transport.call({ name, fn, action, roles: [], ...fallback }, input) as Promise<T>;
}

/** Whether the deployed API has a command (the generated client lists it). */
export const hasCommand = (name: string) => name in OPERATIONS;

/** The contract's message of a refusal (ApiError), else the error's own. */
export function messageOf(e: unknown): string {
  if (isApiError(e)) return `${e.message}（${e.code}）`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * A CSV report (`?format=csv` of a GET command) downloaded as a file: the path and method come
 * from the generated operation; the answer is text, not the JSON envelope, so it is read here.
 */
export async function downloadCsv(name: string, input: Record<string, string>, filename: string): Promise<void> {
  const op = (OPERATIONS as Record<string, Operation>)[name];
  if (!op?.http) throw new ApiError('NOT_FOUND', `${name} has no HTTP route`, 404, undefined, name);
  const rest = { ...input };
  const path = op.http.path.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = rest[k];
    delete rest[k];
    return encodeURIComponent(v ?? '');
  });
  const qs = new URLSearchParams({ ...rest, format: 'csv' });
  const res = await fetch(`${apiBase()}${path}?${qs}`, { headers: session.token ? { authorization: `Bearer ${session.token}` } : {} });
  const text = await res.text();
  if (res.status !== 200) {
    let err: { code?: string; message?: string } = {};
    try {
      err = JSON.parse(text).error ?? {};
    } catch {}
    throw new ApiError(err.code ?? 'INTERNAL', err.message ?? `HTTP ${res.status}`, res.status, undefined, name);
  }
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export { ApiError, isApiError };

/**
 * Local stage only: the mini-program's part of the scan sign-in, played by the dev login — a
 * client signed in as `openid` confirms the ticket (`POST /auth/web-tickets/{ticket}/confirm`).
 */
export async function confirmTicketAsDev(ticket: string, openid = 'demo-staff'): Promise<void> {
  let token: string | undefined;
  const t = httpTransport({ baseUrl: apiBase(), token: () => token });
  const other = createClient({ transport: t });
  token = (await other.dev.login({ openid })).token;
  const op = (OPERATIONS as Record<string, Operation>)['auth.confirmWebTicket'] ?? { name: 'auth.confirmWebTicket', fn: 'auth', action: 'confirmWebTicket', roles: [], http: { method: 'POST', path: '/auth/web-tickets/{ticket}/confirm', status: 200 } };
  await t.call(op, { ticket });
}

/** Whether the console talks to a local stack (the dev login exists only there). */
export const isLocalApi = () => /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|\/|$)/.test(apiBase());
