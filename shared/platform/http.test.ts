import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Command, FunctionModule, PlatformDeps } from './command.ts';
import { createHttpHandler, MAX_BODY_BYTES } from './http.ts';
import { id } from './schema.ts';

// A module of three commands that echo what reached them, with a stub of the platform's deps:
// the token is the user id prefixed `t-`, every user is a customer.
const seen: unknown[] = [];
const echo = (name: string, path: string, method: 'GET' | 'POST', input: z.ZodMiniType): Command =>
  ({ name, roles: ['customer'], input, http: { method, path }, run: async (_ctx, i) => (seen.push(i), i) }) as Command;

/** Pages over 0..24, five at a time; the store's cursor is the offset. */
const list: Command = {
  name: 'test.list',
  roles: ['customer'],
  input: z.object({ status: z.optional(z.enum(['A', 'B'])), cursor: z.optional(z.string().check(z.regex(/^\d+$/))) }),
  http: { method: 'GET', path: '/things' },
  run: async (_ctx, input: { cursor?: string }) => {
    const from = Number(input.cursor ?? 0);
    return { items: [from], ...(from + 5 < 25 ? { nextCursor: String(from + 5) } : {}) };
  },
};

const mod: FunctionModule = {
  name: 'test',
  commands: [
    echo('test.cancel', '/orders/{id}/cancel', 'POST', z.object({ id: id() })),
    echo('test.create', '/orders', 'POST', z.object({ note: z.optional(z.string()) })),
    echo('test.search', '/search', 'GET', z.object({ q: z.optional(z.string()) })),
    list,
  ],
};

const deps: PlatformDeps = {
  sessions: { verify: async (t) => (t.startsWith('t-') ? t.slice(2) : undefined) },
  callerRoles: async () => ['customer'],
  cursorKey: new Uint8Array(32).fill(7),
};
const handler = createHttpHandler(mod, async () => deps);

function event(method: string, rawPath: string, options: { body?: string; query?: Record<string, string>; user?: string | null; base64?: boolean } = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(options.user === null ? {} : { authorization: `Bearer t-${options.user ?? 'u1'}` }) },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.body !== undefined ? { body: options.body, isBase64Encoded: options.base64 ?? false } : { isBase64Encoded: false }),
    requestContext: { http: { method, path: rawPath } } as APIGatewayProxyEventV2['requestContext'],
  } as APIGatewayProxyEventV2;
}

async function call(method: string, path: string, options?: Parameters<typeof event>[2]) {
  const r = await handler(event(method, path, options));
  return { status: r.statusCode, body: JSON.parse(r.body as string) };
}

describe('HTTP transport: unreadable requests answer 4xx, never 500', () => {
  it('a malformed % escape in a path parameter is VALIDATION_FAILED (after the token check)', async () => {
    for (const bad of ['%', '%zz', '%E4%B8', 'a%2', '%C0%AF', '%ED%A0%80']) {
      const r = await call('POST', `/orders/${bad}/cancel`);
      expect(r, bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
      expect(r.body.error.message).toContain('percent-encoding');
      expect((await call('POST', `/orders/${bad}/cancel`, { user: null })).status).toBe(401);
    }
    // Well-formed escapes decode; what they decode to is the schema's business.
    expect(await call('POST', '/orders/o%2D1/cancel')).toMatchObject({ status: 200, body: { data: { id: 'o-1' } } });
    expect((await call('POST', '/orders/a%2Fb/cancel')).body.error.code).toBe('VALIDATION_FAILED');
  });

  it('empty path segments and unknown paths answer the 404 envelope', async () => {
    for (const path of ['/orders//cancel', '//orders', '/orders/x//cancel', '/orders/x/cancel//', '', '/', '/nope', '/orders/%/cancel/x']) {
      expect(await call('POST', path), path).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    }
    expect(await call('DELETE', '/orders')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('a body that is not a JSON object is VALIDATION_FAILED', async () => {
    for (const body of ['[]', '[1,2]', '1', '-1e308', 'null', '"text"', 'true', '{', '{"a":', '\u0000', '\uFEFF{}']) {
      const r = await call('POST', '/orders', { body });
      expect(r, body).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    }
    expect(await call('POST', '/orders', { body: '{"note":"x"}' })).toMatchObject({ status: 200, body: { data: { note: 'x' } } });
    expect(await call('POST', '/orders', { body: Buffer.from('{"note":"b64"}').toString('base64'), base64: true })).toMatchObject({ status: 200, body: { data: { note: 'b64' } } });
  });

  it('an oversize body is VALIDATION_FAILED without being parsed', async () => {
    const big = JSON.stringify({ note: 'x'.repeat(MAX_BODY_BYTES) });
    expect(await call('POST', '/orders', { body: big })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    const wide = JSON.stringify({ note: '团'.repeat(Math.ceil(MAX_BODY_BYTES / 3) + 1) }); // fewer characters than bytes
    expect((await call('POST', '/orders', { body: wide })).status).toBe(400);
    expect((await call('POST', '/orders', { body: Buffer.from(big).toString('base64'), base64: true })).status).toBe(400);
  });

  it('odd query strings and prototype keys are plain data', async () => {
    // API Gateway joins repeated keys with commas; prototype-looking keys stay own data.
    const query = JSON.parse('{"q":"a,b","__proto__":{"admin":true},"constructor":"x","q%":"%zz"}') as Record<string, string>;
    expect(await call('GET', '/search', { query })).toMatchObject({ status: 200, body: { data: { q: 'a,b' } } });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    const body = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"note":"n"}';
    expect(await call('POST', '/orders', { body })).toMatchObject({ status: 200, body: { data: { note: 'n' } } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await call('GET', '/search', { query: { q: 5 as unknown as string } })).status).toBe(400);
  });
});

describe('page cursors: signed and bound to the query', () => {
  it('hands out signed cursors that page through the list', async () => {
    const offsets: number[] = [];
    let cursor: string | undefined;
    do {
      const r = await call('GET', '/things', { query: cursor ? { cursor } : {} });
      expect(r.status).toBe(200);
      offsets.push(...r.body.data.items);
      cursor = r.body.data.nextCursor;
      if (cursor) expect(cursor).toMatch(/^\d+\.[A-Za-z0-9_-]{22}$/);
    } while (cursor);
    expect(offsets).toEqual([0, 5, 10, 15, 20]);
  });

  it('refuses junk, tampered, foreign-query and other-user cursors with VALIDATION_FAILED', async () => {
    const first = await call('GET', '/things', { query: { status: 'A' } });
    const good: string = first.body.data.nextCursor;
    const [inner, tag] = good.split('.') as [string, string];
    const refused = async (query: Record<string, string>, user = 'u1') => {
      const r = await call('GET', '/things', { query, user });
      expect(r, JSON.stringify({ query, user })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'cursor' }] } } } });
    };
    for (const junk of ['5', 'abc', '.', `.${tag}`, `${inner}.`, `${inner}.${tag}x`, `${inner}.${'A'.repeat(22)}`, `20.${tag}`, 'x'.repeat(10_000), '%00.%00', '🙂.🙂'])
      await refused({ status: 'A', cursor: junk });
    await refused({ status: 'B', cursor: good }); // another query (filter)
    await refused({ cursor: good }); // the filter dropped
    await refused({ status: 'A', cursor: good }, 'u2'); // another user
    expect(await call('GET', '/things', { query: { status: 'A', cursor: good } })).toMatchObject({ status: 200, body: { data: { items: [5] } } });
  });
});
