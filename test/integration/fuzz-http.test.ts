/**
 * Every command's HTTP route, fuzzed in process through the real transport
 * (shared/platform/http.ts) against DynamoDB Local: inputs from the command's schema plus
 * hostile variants, as staff, a customer, a leader, with no token, a junk token and another
 * stage's token. No answer is ever a 500 / INTERNAL, and a refused call changes nothing in
 * the table (a full Scan before and after; rate-limit counters aside).
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHttpHandler } from '#platform/http';
import { createSessionTokens } from '#adapters/crypto/session-tokens';
import { fixedClock } from '#ports/clock';
import { InvalidCursor } from '#ports/item-store';
import { ALL_COMMANDS, diff, fuzzInputOf, hostile, makeFuzzWorld, snapshot, type FuzzWorld } from '#test/fuzz';
import { givenOrder } from '#test/harness';
import { orderModule } from '../../functions/order/module.ts';
import { authModule } from '../../functions/auth/module.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

let w: FuzzWorld;
let tokens: Record<'staff' | 'customer' | 'leader' | 'otherStage', string>;
let state: Map<string, string>;
/** Answers per command and status (FUZZ_STATS=1 prints them: how deep the fuzz reached). */
const stats = new Map<string, Record<string, number>>();

beforeAll(async () => {
  w = await makeFuzzWorld();
  const other = createSessionTokens({ secret: 'test-session-secret-0123456789-abcdef', ttlSeconds: 3600, clock: fixedClock(Date.now()), stage: 'other' });
  tokens = {
    staff: (await w.deps.sessions.issue(w.users.staff)).token,
    customer: (await w.deps.sessions.issue(w.users.customer)).token,
    leader: (await w.deps.sessions.issue(w.users.leader)).token,
    otherStage: (await other.issue(w.users.staff)).token,
  };
  state = await snapshot(w);
});

type Who = 'staff' | 'customer' | 'leader' | 'none' | 'junk' | 'otherStage';
const WHO: Who[] = ['staff', 'customer', 'leader', 'none', 'junk', 'otherStage'];

/** Mostly a caller the command allows (so inputs reach the use case), sometimes anyone. */
const whoFor = (command: { roles: string[] | 'public' }): fc.Arbitrary<Who> => {
  const allowed = WHO.filter((who) => command.roles === 'public' || (command.roles as string[]).includes(who) || (who === 'staff' && command.roles.includes('customer')) || (who === 'leader' && command.roles.includes('customer')));
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(allowed.length ? allowed : WHO)) }, { weight: 2, arbitrary: fc.constantFrom(...WHO) });
};

/** How a path parameter is written into the path. */
const paramStyle = fc.oneof(
  { weight: 6, arbitrary: fc.constant<{ kind: 'encoded' }>({ kind: 'encoded' }) },
  { weight: 1, arbitrary: fc.constant<{ kind: 'raw' }>({ kind: 'raw' }) },
  { weight: 2, arbitrary: fc.constantFrom('', '%', '%zz', '%E4%B8', '%ED%A0%80', '..', '%2F', 'a%2Fb', '%00').map((text) => ({ kind: 'literal' as const, text })) },
);

/** How the body is sent: the input as JSON, or something else entirely. */
const bodyStyle = fc.oneof(
  { weight: 8, arbitrary: fc.constant<{ kind: 'json' }>({ kind: 'json' }) },
  { weight: 1, arbitrary: fc.constant<{ kind: 'base64' }>({ kind: 'base64' }) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.constantFrom('[]', '[{}]', 'null', '0', '-1e308', '"x"', 'true', '{', '{"a":1,}', '\uFEFF{}', '{"__proto__":{"x":1}}', 'x'.repeat(1_100_000)), hostile.map((v) => JSON.stringify(v) ?? ''))
      .map((text) => ({ kind: 'text' as const, text })),
  },
);

/** A query value as a client could write it: the text, JSON, or repeated keys joined by API Gateway. */
const queryValue = (v: unknown, style: number): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return style === 2 ? `${v},${v}` : v;
  if (style === 1 || (v !== null && typeof v === 'object')) return JSON.stringify(v) ?? '';
  return String(v);
};

/** Percent-encoded, or as it is when it cannot be (a lone surrogate): then the transport must cope. */
const encodeOrRaw = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
};

function eventFor(command: (typeof ALL_COMMANDS)[number]['command'], input: unknown, who: Who, pStyle: { kind: string; text?: string }, bStyle: { kind: string; text?: string }, qStyle: number): APIGatewayProxyEventV2 {
  const { method, path } = command.http!;
  const fields: Record<string, unknown> = input && typeof input === 'object' && !Array.isArray(input) ? { ...(input as object) } : {};
  const rawPath = path.replace(/\{(\w+)\}/g, (_, p: string) => {
    const v = fields[p];
    delete fields[p];
    if (pStyle.kind === 'literal') return pStyle.text!;
    const text = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
    return pStyle.kind === 'raw' ? text : encodeOrRaw(text);
  });
  const reads = method === 'GET' || method === 'DELETE';
  const query: Record<string, string> = {};
  if (reads) for (const [k, v] of Object.entries(fields)) {
    const q = queryValue(v, qStyle);
    if (q !== undefined) Object.defineProperty(query, k, { value: q, enumerable: true, writable: true, configurable: true });
  }
  const payload = input && typeof input === 'object' && !Array.isArray(input) ? fields : input;
  const json = JSON.stringify(payload) ?? '';
  const body = bStyle.kind === 'text' ? bStyle.text! : bStyle.kind === 'base64' ? Buffer.from(json).toString('base64') : json;
  const token = who === 'none' ? undefined : who === 'junk' ? 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJzdGFmZi0xIn0.' : tokens[who];
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(!reads || bStyle.kind === 'text' ? { body, isBase64Encoded: bStyle.kind === 'base64' } : { isBase64Encoded: false }),
    requestContext: { http: { method, path: rawPath } },
  } as unknown as APIGatewayProxyEventV2;
}

describe('fuzzing every command over HTTP: no 500, nothing changed on refusal', () => {
  const cases = ALL_COMMANDS.filter(({ command }) => command.http);

  it('covers every command with an HTTP route', () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(cases.map(({ mod, command }) => [command.name, mod, command] as const))('%s', async (_name, mod, command) => {
    const handler = createHttpHandler(mod, async () => w.deps);
    await fc.assert(
      fc.asyncProperty(fuzzInputOf(command), whoFor(command), paramStyle, bodyStyle, fc.integer({ min: 0, max: 2 }), async (input, who, pStyle, bStyle, qStyle) => {
        const event = eventFor(command, input, who, pStyle, bStyle, qStyle);
        const writesBefore = w.writes();
        const res = await handler(event);
        const status = res.statusCode ?? 200;
        const text = String(res.body ?? '');
        const isJson = String(res.headers?.['content-type'] ?? '').startsWith('application/json');
        const error = isJson ? (JSON.parse(text) as { error?: { code?: string } }).error : undefined;
        const row = stats.get(command.name) ?? {};
        const key = error?.code ?? String(status);
        row[key] = (row[key] ?? 0) + 1;
        stats.set(command.name, row);
        expect(status, `${event.requestContext.http.method} ${event.rawPath} → ${text.slice(0, 300)}`).toBeLessThan(500);
        expect(error?.code).not.toBe('INTERNAL');
        if ((who === 'junk' || who === 'otherStage' || who === 'none') && command.roles !== 'public' && status !== 404) {
          expect(status, `a ${who} token must not pass`).toBe(401);
        }
        // A full Scan whenever the call sent a write: refused, the table must be as it was.
        if (w.writes() === writesBefore) return;
        const after = await snapshot(w);
        const changed = diff(state, after);
        state = after; // first, so one failure does not leave the next command a stale snapshot
        if (status >= 400) expect(changed, `${command.name} refused (${status} ${error?.code}) but changed the table`).toEqual([]);
      }),
      // The time limit only stops a slow command's runs before the test's own timeout.
      { numRuns: RUNS, endOnFailure: true, interruptAfterTimeLimit: 100_000 },
    );
  }, 120_000);

  it('reached the store: some fuzzed calls wrote (and were checked by a full Scan)', () => {
    expect(w.writes()).toBeGreaterThan(0);
    if (process.env.FUZZ_STATS) console.log([...stats].map(([name, row]) => `${name} ${JSON.stringify(row)}`).join('\n'));
  });
});

describe('page cursors over HTTP against DynamoDB Local', () => {
  const list = (token: string | undefined, query: Record<string, string>) =>
    createHttpHandler(orderModule, async () => w.deps)({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/orders',
      rawQueryString: '',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      queryStringParameters: query,
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/orders' } },
    } as unknown as APIGatewayProxyEventV2).then((r) => ({ status: r.statusCode, body: JSON.parse(r.body as string) }));

  it('pages a customer through their orders with signed cursors, and refuses junk, tampered and other users\' cursors', async () => {
    // 25 orders: more than the default page of 20.
    const pager = 'o-pager';
    for (let i = 0; i < 25; i++) await givenOrder(w, { communityId: 'c-xujiahui', userId: pager, waveDate: '2026-11-24', lines: [{ productId: 'p-rice', qty: 1 }], status: 'PAID' });
    const mine = (await w.deps.sessions.issue(pager)).token;
    const first = await list(mine, {});
    expect(first.status).toBe(200);
    const cursor: string = first.body.data.nextCursor;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const second = await list(mine, { cursor });
    expect(second.status).toBe(200);
    const ids = [...first.body.data.items, ...second.body.data.items].map((o: { id: string }) => o.id);
    expect(new Set(ids).size).toBe(25);
    expect(second.body.data.nextCursor).toBeUndefined();

    const inner = cursor.slice(0, cursor.lastIndexOf('.'));
    const tag = cursor.slice(cursor.lastIndexOf('.') + 1);
    const key = JSON.parse(Buffer.from(inner, 'base64url').toString('utf8')) as Record<string, string>;
    const forged = Buffer.from(JSON.stringify({ ...key, gsi1pk: `U#${w.users.customer}` })).toString('base64url');
    const refusals: [string, string | undefined, Record<string, string>][] = [
      ['another customer', tokens.customer, { cursor }],
      ['another filter', mine, { cursor, status: 'PAID' }],
      ['the unsigned store cursor', mine, { cursor: inner }],
      ['another user\'s key under this tag', mine, { cursor: `${forged}.${tag}` }],
      ['junk', mine, { cursor: 'junk' }],
      ['junk with a tag', mine, { cursor: `junk.${tag}` }],
    ];
    for (const [what, token, query] of refusals) {
      const r = await list(token, query);
      expect(r, what).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'cursor' }] } } } });
      expect(r.body.data, what).toBeUndefined();
    }
  });

  it('the store refuses a cursor it did not hand out with InvalidCursor (400), not a 500', async () => {
    const bad = ['%%%', Buffer.from('[1,2]').toString('base64url'), Buffer.from('{"pk":1}').toString('base64url'), Buffer.from('{"nope":"x"}').toString('base64url'), Buffer.from('null').toString('base64url')];
    for (const cursor of bad) {
      const e = await w.store.query({ index: 'gsi1', pk: 'U#o-pager', prefix: 'O#', cursor }).catch((x: unknown) => x);
      expect(e, cursor).toBeInstanceOf(InvalidCursor);
      expect((e as InvalidCursor).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('session tokens over HTTP', () => {
  const SECRET = 'test-session-secret-0123456789-abcdef'; // the harness's SESSION_SECRET, STAGE=test
  const me = (token: string) =>
    createHttpHandler(authModule, async () => w.deps)({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/me',
      rawQueryString: '',
      headers: { authorization: `Bearer ${token}` },
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/me' } },
    } as unknown as APIGatewayProxyEventV2).then((r) => ({ status: r.statusCode, body: JSON.parse(r.body as string) }));
  const now = Math.floor(Date.now() / 1000);
  const complete = { sub: 'o-fuzz-customer', iat: now, exp: now + 600, aud: 'groupbuy:test', iss: 'groupbuy' };
  const sign = (claims: Partial<typeof complete>) => {
    let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' });
    if (claims.sub !== undefined) jwt = jwt.setSubject(claims.sub);
    if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
    if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
    if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud);
    if (claims.iss !== undefined) jwt = jwt.setIssuer(claims.iss);
    return jwt.sign(new TextEncoder().encode(SECRET));
  };

  it('accepts a complete token of this stage', async () => {
    expect(await me(await sign(complete))).toMatchObject({ status: 200, body: { data: { id: 'o-fuzz-customer' } } });
  });

  it.each([
    ['without sub', { ...complete, sub: undefined }],
    ['without iat', { ...complete, iat: undefined }],
    ['without exp', { ...complete, exp: undefined }],
    ['without aud', { ...complete, aud: undefined }],
    ['for another stage', { ...complete, aud: 'groupbuy:prod' }],
    ['expired', { ...complete, iat: now - 7200, exp: now - 60 }],
  ])('refuses a token %s with 401 UNAUTHENTICATED', async (_what, claims) => {
    expect(await me(await sign(claims))).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
  });
});
