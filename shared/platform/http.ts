import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError } from '#domain/errors';
import type { Command, FunctionModule, RawResponse } from './command.ts';
import type { PlatformDeps } from './command.ts';
import { dispatch } from './dispatch.ts';
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

export function matchRoute(routes: Route[], method: string, path: string) {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.params.forEach((p, i) => (params[p] = decodeURIComponent(m[i + 1]!)));
    return { command: r.command, params };
  }
  return undefined;
}

const json = (status: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

/** The AWS HTTP API (payload v2) transport of a function: route → token → role → schema → run. */
export function createHttpHandler(mod: FunctionModule, getDeps: () => Promise<PlatformDeps>) {
  const routes = compileRoutes(mod.commands);
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext?.http?.method ?? 'GET';
    const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
    const where = `${method} ${path.replace(/\/[^/]*\d[^/]*/g, '/:id')}`;
    try {
      const match = matchRoute(routes, method, path);
      if (!match) throw new AppError('NOT_FOUND', `no route ${method} ${path}`);
      const deps = await getDeps();
      const headers = lowerHeaders(event.headers ?? {});
      const bodyText = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
      const auth = headers['authorization'];
      const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
      let body: unknown = {};
      if (bodyText && !match.command.rawResponse) {
        try {
          body = JSON.parse(bodyText);
        } catch {
          // Checked after the token and role (API.md order), so keep it for dispatch to report.
          body = BAD_JSON;
        }
      }
      const input = mergeInput(body, event.queryStringParameters ?? {}, match.params);
      const result = await dispatch(match.command, input, { kind: 'bearer', token }, deps, { headers, body: bodyText });
      if (match.command.rawResponse) {
        const r = result as RawResponse;
        return { statusCode: r.status, headers: r.headers, body: r.body };
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

const BAD_JSON = Symbol('bad json');
export const CSV = '__csv';

function mergeInput(body: unknown, query: Record<string, string | undefined>, params: Record<string, string>): unknown {
  if (body === BAD_JSON) return { __badJson: true, ...query, ...params };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  return { ...query, ...(body as object), ...params };
}

function lowerHeaders(h: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
