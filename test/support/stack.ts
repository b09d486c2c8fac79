import { inject } from 'vitest';

/**
 * Calls the local stack (serverless-offline, started once for the e2e project by
 * test/support/stack-setup.ts) over HTTP, exactly as a client would.
 */
export const baseUrl = () => inject('stackUrl');

export interface ApiResult<T = any> {
  status: number;
  body: T;
  text: string;
  /** The raw body (fetch's text() drops a UTF-8 BOM). */
  bytes: Uint8Array;
}

export async function api<T = any>(method: string, path: string, options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<ApiResult<T>> {
  const res = await fetch(`${baseUrl()}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, text, bytes };
}

export async function login(openid: string): Promise<string> {
  const r = await api('POST', '/auth/dev-login', { body: { openid } });
  if (r.status !== 200 || !r.body?.data?.token) throw new Error(`dev-login failed: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body.data.token as string;
}

/** Moves the clock every local function reads. */
export async function setClock(token: string, iso: string): Promise<void> {
  const r = await api('POST', '/dev/clock', { token, body: { now: iso } });
  if (r.status !== 200) throw new Error(`set clock failed: ${r.status} ${r.text}`);
}

export async function resetClock(token: string): Promise<void> {
  await api('DELETE', '/dev/clock', { token });
}

/** A unique openid per test, so tests sharing the stack never see each other's data. */
export const uniqueOpenid = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
