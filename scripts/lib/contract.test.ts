/**
 * The typed client's pieces without a server: the HTTP transport's request mapping (path
 * parameters, query string, JSON body, 201, error envelope) with a recording fetch, the
 * mini-program transport's call shape, and the TypeScript types emitted from JSON Schema.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, httpTransport, miniProgramTransport, type Operation } from '../../client/runtime.ts';
import { tsType } from './contract.ts';

const op = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, status = 200): Operation => ({ name: 'order.x', fn: 'order', action: 'x', roles: ['customer'], http: { method, path, status } });

function recordingFetch(status: number, body: string) {
  const calls: { url: string; init: { method: string; headers: Record<string, string>; body?: string } }[] = [];
  const fetch = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    calls.push({ url, init });
    return { status, text: async () => body };
  };
  return { calls, fetch };
}

describe('httpTransport', () => {
  it('substitutes and encodes path parameters, sends the rest of a POST as JSON with the bearer token, answers data of a 201', async () => {
    const { calls, fetch } = recordingFetch(201, JSON.stringify({ data: { ok: 1 } }));
    const t = httpTransport({ baseUrl: 'http://h/', token: () => 'tok', fetch });
    expect(await t.call(op('POST', '/orders/{id}/cancel', 201), { id: 'a/b c', reason: 'x' })).toEqual({ ok: 1 });
    expect(calls[0]!.url).toBe('http://h/orders/a%2Fb%20c/cancel');
    expect(calls[0]!.init).toMatchObject({ method: 'POST', body: JSON.stringify({ reason: 'x' }) });
    expect(calls[0]!.init.headers).toMatchObject({ authorization: 'Bearer tok', 'content-type': 'application/json' });
  });

  it('sends GET and DELETE inputs as the query string (undefined left out), no body, no token when none', async () => {
    const { calls, fetch } = recordingFetch(200, JSON.stringify({ data: [] }));
    const t = httpTransport({ baseUrl: 'http://h', fetch });
    await t.call(op('GET', '/orders'), { status: 'PAID', limit: 5, cursor: undefined });
    await t.call(op('DELETE', '/dev/clock'), {});
    expect(calls.map((c) => c.url)).toEqual(['http://h/orders?status=PAID&limit=5', 'http://h/dev/clock']);
    expect(calls[0]!.init.body).toBeUndefined();
    expect(calls[0]!.init.headers.authorization).toBeUndefined();
  });

  it('throws ApiError with the envelope’s code, message, details and the HTTP status; a non-JSON answer is INTERNAL', async () => {
    const envelope = { error: { code: 'OUT_OF_STOCK', message: 'sold out', details: { remaining: 0 } } };
    const err = await httpTransport({ baseUrl: 'http://h', fetch: recordingFetch(409, JSON.stringify(envelope)).fetch }).call(op('POST', '/orders'), {}).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'OUT_OF_STOCK', message: 'sold out', status: 409, details: { remaining: 0 }, command: 'order.x' });
    const html = await httpTransport({ baseUrl: 'http://h', fetch: recordingFetch(502, '<html>bad gateway</html>').fetch }).call(op('GET', '/me'), {}).catch((e) => e);
    expect(html).toMatchObject({ code: 'INTERNAL', status: 502 });
    const missing = await httpTransport({ baseUrl: 'http://h', fetch: recordingFetch(200, '{}').fetch }).call(op('GET', '/orders/{id}'), {}).catch((e) => e);
    expect(missing).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
  });
});

describe('miniProgramTransport', () => {
  it('calls { name: fn, data: { ...input, action } }, answers data of { result: { ok } }, throws ApiError of { ok: false }', async () => {
    const calls: unknown[] = [];
    const answers = [{ result: { ok: true, data: { id: 'o1' } } }, { result: { ok: false, error: { code: 'NOT_FOUND', message: 'no order' } } }];
    const t = miniProgramTransport({ callFunction: async (o) => (calls.push(o), answers.shift()), statusOf: (c) => (c === 'NOT_FOUND' ? 404 : 500) });
    expect(await t.call(op('GET', '/orders/{id}'), { id: 'o1', action: 'spoofed' })).toEqual({ id: 'o1' });
    expect(calls[0]).toEqual({ name: 'order', data: { id: 'o1', action: 'x' } });
    expect(await t.call(op('GET', '/orders/{id}'), { id: 'o2' }).catch((e) => e)).toMatchObject({ code: 'NOT_FOUND', status: 404, message: 'no order' });
  });
});

describe('tsType', () => {
  it('emits objects with required and optional keys, enums, unions, arrays and records', () => {
    const schema = {
      type: 'object',
      properties: {
        id: { type: 'string' },
        'bad-key': { type: 'integer' },
        status: { type: 'string', enum: ['A', 'B'] },
        n: { anyOf: [{ type: 'number' }, { type: 'string' }] },
        items: { type: 'array', items: { type: 'boolean' } },
        quota: { type: 'object', additionalProperties: { type: 'integer' } },
      },
      required: ['id', 'status'],
    };
    expect(tsType(schema)).toBe(
      '{\n  id: string;\n  "bad-key"?: number;\n  status: "A" | "B";\n  n?: number | string;\n  items?: Array<boolean>;\n  quota?: Record<string, number>;\n}',
    );
    expect(tsType({})).toBe('unknown');
  });
});
