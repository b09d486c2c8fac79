import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError } from '#domain/errors';
import type { Command, FunctionModule, RawResponse } from './command.ts';
import type { PlatformDeps } from './command.ts';
import { dispatch, UNREADABLE } from './dispatch.ts';
import { toErrorBody } from './errors.ts';

interface Route {
  method: string;
  pattern: RegExp;
  params: string[];
  command: Command<any, any, any>;
}

/** Compiles the HTTP bindings of a function's commands into a router. */
export function compileRoutes(commands: Command<any, any, any>[]): Route[] {
  return commands
    .filter((c) => c.http)
    .map((c) => {
      const params: string[] = [];
      const src = c.http!.path.replace(/\{(\w+)\}/g, (_, p: string) => {
        params.push(p);
        return '([^/]+)';
      });
      return { method: c.http!.method, pattern: new RegExp(`^${src}/?$`), params, command: c };
    })
    // Literal segments win over parameters: /admin/leaders/ranking before /admin/leaders/{id}.
    .sort((a, b) => a.params.length - b.params.length);
}

/**
 * The command a request's method and path name, with its decoded path parameters. An empty
 * segment (`/orders//cancel`) matches nothing; a parameter that is not valid percent-encoding
 * (`%E4%B8`, `%zz`) is reported as `badParam` (answered 400 after the token and role checks).
 */
export function matchRoute(routes: Route[], method: string, path: string) {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    let badParam: string | undefined;
    r.params.forEach((p, i) => {
      try {
        params[p] = decodeURIComponent(m[i + 1]!);
      } catch {
        badParam ??= p;
      }
    });
    return { command: r.command, params, ...(badParam ? { badParam } : {}) };
  }
  return undefined;
}

/** Larger request bodies are refused (400): no command takes more than tens of kilobytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

const json = (status: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

/** The AWS HTTP API (payload v2) transport of a function: route → token → role → schema → run. */
export function createHttpHandler(mod: FunctionModule, getDeps: () => Promise<PlatformDeps>) {
  const routes = compileRoutes(mod.commands);
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = String(event.requestContext?.http?.method ?? 'GET');
    const path = String(event.rawPath ?? event.requestContext?.http?.path ?? '/');
    const where = `${method} ${path.replace(/\/[^/]*\d[^/]*/g, '/:id')}`;
    try {
      const match = matchRoute(routes, method, path);
      if (!match) throw new AppError('NOT_FOUND', `no route ${method} ${path}`);
      const deps = await getDeps();
      const headers = lowerHeaders(event.headers ?? {});
      const bodyBytes = typeof event.body !== 'string' ? 0 : event.isBase64Encoded ? Math.floor((event.body.length * 3) / 4) : Buffer.byteLength(event.body);
      const tooLarge = bodyBytes > MAX_BODY_BYTES;
      const bodyText = event.body && !tooLarge ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
      const auth = headers['authorization'];
      const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
      // What cannot be read is reported by dispatch after the token and role (API.md order).
      let unreadable: string | undefined = tooLarge ? `the body is larger than ${MAX_BODY_BYTES} bytes` : match.badParam ? `the path parameter ${match.badParam} is not valid percent-encoding` : undefined;
      let body: unknown = {};
      if (bodyText && !match.command.rawResponse && !unreadable) {
        try {
          body = JSON.parse(bodyText);
          if (body === null || typeof body !== 'object' || Array.isArray(body)) unreadable = 'the body must be a JSON object';
        } catch {
          unreadable = 'the body is not JSON';
        }
      }
      const input = unreadable
        ? { [UNREADABLE]: unreadable }
        : mergeInput(body as object, event.queryStringParameters ?? {}, match.params);
      const result = await dispatch(match.command, input, { kind: 'bearer', token }, deps, { headers, body: bodyText });
      if (match.command.rawResponse) {
        const r = result as RawResponse;
        return { statusCode: r.status, headers: r.headers, body: r.body, ...(r.isBase64Encoded ? { isBase64Encoded: true } : {}) };
      }
      if (result && typeof result === 'object' && (result as any)[CSV] !== undefined) {
        return {
          statusCode: 200,
          headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${(result as any).filename}"` },
          body: (result as any)[CSV],
        };
      }
      return json(match.command.http?.status ?? 200, { data: result });
    } catch (e) {
      const { status, error } = toErrorBody(e, where);
      return json(status, { error });
    }
  };
}

export const CSV = '__csv';

/** One input from the query string, the JSON body and the path parameters (the path wins, then the body). */
function mergeInput(body: object, query: Record<string, string | undefined>, params: Record<string, string>): Record<string, unknown> {
  return { ...query, ...body, ...params };
}

function lowerHeaders(h: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
