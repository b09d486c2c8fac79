/**
 * The generated contract: `openapi.json` (OpenAPI 3.1) and the typed client's generated files
 * (`client/operations.ts`, `client/types.ts`), both from the command registry, so the document,
 * the client and the deployed routes cannot disagree. Written by `npm run gen` (scripts/gen.ts),
 * checked for staleness by `npm run gen -- --check`.
 *
 * Input schemas are the commands' zod/mini inputs as JSON Schema 2020-12 (`io: 'input'`: what a
 * client sends, before transforms); output schemas are the commands' `output`, else the area's
 * outputs map (shared/app/outputs.ts), else permissive.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { Command, FunctionModule } from '../../shared/platform/command.ts';
import { ERROR_STATUS, type ErrorCode } from '../../shared/domain/errors.ts';
import { FUNCTIONS, LOCAL_ONLY } from '../../functions/registry.ts';
import { outputOf } from '../../shared/app/outputs.ts';

type Json = Record<string, any>;

/** The CloudBase action of a command: its name after the function's prefix. */
export const actionOf = (c: Command<any, any, any>) => c.name.slice(c.name.indexOf('.') + 1);

/** A zod schema as a JSON Schema embedded in the document (no `$schema`, no `$defs`). */
export function jsonSchemaOf(schema: z.core.$ZodType, io: 'input' | 'output'): Json {
  const s = z.toJSONSchema(schema as any, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete s.$schema;
  if (s.$defs) throw new Error('a schema with $defs (recursive or registered) is not supported by the generator yet');
  // Responses are not parsed on the way out: a declared output is what is promised, not all there is.
  if (io === 'output') dropClosedObjects(s);
  return s;
}

function dropClosedObjects(s: unknown): void {
  if (Array.isArray(s)) return s.forEach(dropClosedObjects);
  if (!s || typeof s !== 'object') return;
  const o = s as Json;
  if (o.additionalProperties === false) delete o.additionalProperties;
  for (const v of Object.values(o)) dropClosedObjects(v);
}

const pathParams = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

const ERROR_STATUSES = [...new Set(Object.values(ERROR_STATUS))].sort((a, b) => a - b);
const codesOf = (status: number) => (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((c) => ERROR_STATUS[c] === status);

function errorEnvelope(codes: readonly string[]): Json {
  return {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', enum: [...codes] },
          message: { type: 'string' },
          details: { type: 'object', additionalProperties: {} },
        },
      },
    },
  };
}

/** Which error statuses a command can answer (the contract's order: token → role → schema → use case). */
function errorStatusesOf(c: Command<any, any, any>): number[] {
  return ERROR_STATUSES.filter((s) => c.roles !== 'public' || (s !== 401 && s !== 403));
}

/** A CloudBase platform callback (cloudPay), not a client's action. */
const isPlatformEvent = (c: Command<any, any, any>) => typeof (c as { cloudbaseEvent?: unknown }).cloudbaseEvent === 'function';

const rolesOf = (c: Command<any, any, any>) => (c.roles === 'public' ? ['public'] : [...c.roles]);

function operation(mod: FunctionModule<any>, c: Command<any, any, any>): Json {
  const http = c.http!;
  const input = jsonSchemaOf(c.input, 'input');
  const props: Json = input.properties ?? {};
  const required: string[] = input.required ?? [];
  const inPath = pathParams(http.path);
  const parameters: Json[] = inPath.map((name) => ({ name, in: 'path', required: true, schema: props[name] ?? { type: 'string' } }));
  const op: Json = {
    operationId: c.name,
    tags: [mod.name],
    summary: `${c.name} (${rolesOf(c).join(', ')})`,
  };
  const queryInput = http.method === 'GET' || http.method === 'DELETE';
  if (queryInput) {
    for (const [name, schema] of Object.entries(props)) {
      if (inPath.includes(name)) continue;
      parameters.push({ name, in: 'query', required: required.includes(name), schema });
    }
  }
  if (parameters.length) op.parameters = parameters;
  if (!queryInput) {
    if (c.rawResponse) {
      op.requestBody = { description: 'read as the raw body (the signature covers it)', content: { 'application/json': { schema: {} } } };
    } else {
      const body: Json = { ...input };
      if (input.properties) {
        body.properties = Object.fromEntries(Object.entries(props).filter(([k]) => !inPath.includes(k)));
        const req = required.filter((k) => !inPath.includes(k));
        if (req.length) body.required = req;
        else delete body.required;
      }
      op.requestBody = { required: (body.required?.length ?? 0) > 0, content: { 'application/json': { schema: body } } };
      // A text body (imports: text/csv) stands for one input field; the rest comes from the query.
      const text = http.textBody;
      if (text) {
        op.requestBody.content[text.contentType] = { schema: { type: 'string', description: `the \`${text.field}\` field as the whole body` } };
        for (const [name, schema] of Object.entries(props)) if (!inPath.includes(name) && name !== text.field) parameters.push({ name, in: 'query', required: false, schema });
        op.parameters = parameters;
      }
    }
  }
  const status = String(http.status ?? 200);
  const output = outputOf(c);
  const responses: Json = {};
  responses[status] = c.rawResponse
    ? { description: 'answered as is, not in the `{ data }` envelope (payment notifications answer WeChat Pay\'s way, `{ code: "SUCCESS" }`)', content: { '*/*': { schema: {} } } }
    : {
        description: output ? 'success' : 'success (no output schema declared yet)',
        content: { 'application/json': { schema: { type: 'object', required: ['data'], properties: { data: output ? jsonSchemaOf(output, 'output') : {} } } } },
      };
  for (const s of errorStatusesOf(c)) responses[String(s)] = { $ref: `#/components/responses/Error${s}` };
  op.responses = responses;
  op.security = c.roles === 'public' ? [] : [{ bearer: [] }];
  op['x-roles'] = rolesOf(c);
  if (LOCAL_ONLY.has(mod.name)) op['x-local-only'] = true;
  else op['x-cloudbase'] = { function: mod.name, action: actionOf(c) };
  return op;
}

export function openapiDocument(): Json {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const paths: Json = {};
  const actions: Json[] = [];
  for (const mod of FUNCTIONS) {
    for (const c of mod.commands) {
      if (!c.http) {
        const output = outputOf(c);
        actions.push({
          command: c.name,
          function: mod.name,
          action: actionOf(c),
          roles: rolesOf(c),
          ...(isPlatformEvent(c) ? { event: 'a platform callback without action (cloudPay)' } : {}),
          input: c.rawResponse || isPlatformEvent(c) ? {} : jsonSchemaOf(c.input, 'input'),
          ...(output ? { output: jsonSchemaOf(output, 'output') } : {}),
        });
        continue;
      }
      (paths[c.http.path] ??= {})[c.http.method.toLowerCase()] = operation(mod, c);
    }
  }
  const responses: Json = {};
  for (const s of ERROR_STATUSES) {
    const codes = codesOf(s);
    responses[`Error${s}`] = { description: codes.join(', '), content: { 'application/json': { schema: errorEnvelope(codes) } } };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'groupbuy API',
      version: pkg.version,
      description:
        'Community group buying (社区团购). Generated from the command registry (functions/registry.ts) by `npm run gen`. ' +
        'Success answers `{ data }`, failures `{ error: { code, message, details } }`. Money in integer fen, times ISO 8601 with +08:00. ' +
        'Every operation is also a CloudBase action: `wx.cloud.callFunction({ name: x-cloudbase.function, data: { action: x-cloudbase.action, ...input } })` ' +
        'answering `{ ok: true, data } | { ok: false, error }`; operations marked x-local-only exist only on the local stage.',
    },
    servers: [{ url: 'http://localhost:3000', description: 'the local stack (npm start)' }],
    tags: FUNCTIONS.map((m) => ({ name: m.name, description: LOCAL_ONLY.has(m.name) ? `${m.name} function (local stage only)` : `${m.name} function` })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'a session token from POST /auth/login (locally POST /auth/dev-login); roles in x-roles' } },
      responses,
      schemas: { ErrorEnvelope: errorEnvelope(Object.keys(ERROR_STATUS)) },
    },
    'x-error-codes': ERROR_STATUS,
    'x-cloudbase-actions': actions,
  };
}

// ---------------------------------------------------------------- the typed client

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (k: string) => (IDENT.test(k) ? k : JSON.stringify(k));
const pascal = (name: string) => name.split(/[._-]/).map((p) => p[0]!.toUpperCase() + p.slice(1)).join('');

/** A TypeScript type for a JSON Schema (the subset zod emits). */
export function tsType(s: unknown, indent = ''): string {
  if (s === true || s === undefined || s === null || typeof s !== 'object') return 'unknown';
  const o = s as Json;
  if ('const' in o) return JSON.stringify(o.const);
  if (Array.isArray(o.enum)) return o.enum.map((v: unknown) => JSON.stringify(v)).join(' | ');
  if (Array.isArray(o.anyOf) || Array.isArray(o.oneOf)) return union((o.anyOf ?? o.oneOf).map((x: unknown) => tsType(x, indent)));
  if (Array.isArray(o.allOf)) return o.allOf.map((x: unknown) => `(${tsType(x, indent)})`).join(' & ');
  if (Array.isArray(o.type)) return union(o.type.map((t: string) => tsType({ ...o, type: t }, indent)));
  switch (o.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      if (Array.isArray(o.prefixItems)) return `[${o.prefixItems.map((x: unknown) => tsType(x, indent)).join(', ')}]`;
      return `Array<${tsType(o.items, indent)}>`;
    case 'object': {
      const props = Object.entries((o.properties ?? {}) as Json);
      const req: string[] = o.required ?? [];
      const extra = o.additionalProperties;
      if (!props.length) return extra && typeof extra === 'object' ? `Record<string, ${tsType(extra, indent)}>` : 'Record<string, unknown>';
      const inner = indent + '  ';
      const lines = props.map(([k, v]) => `${inner}${key(k)}${req.includes(k) ? '' : '?'}: ${tsType(v, inner)};`);
      if (extra && typeof extra === 'object' && Object.keys(extra).length) lines.push(`${inner}[key: string]: unknown;`);
      return `{\n${lines.join('\n')}\n${indent}}`;
    }
    default:
      return 'unknown';
  }
}

const union = (types: string[]) => [...new Set(types)].join(' | ') || 'never';

/** The commands a client calls: every command but the platform callbacks answered their own way. */
export const clientCommands = () =>
  FUNCTIONS.flatMap((mod) => mod.commands.filter((c) => !c.rawResponse && !isPlatformEvent(c)).map((c) => ({ mod, c })));

const HEADER = '// Generated by `npm run gen` (scripts/lib/contract.ts) from functions/registry.ts. Do not edit.\n';

export function clientOperationsSource(): string {
  const rows = clientCommands().map(({ mod, c }) => {
    const http = c.http ? `, http: { method: '${c.http.method}', path: '${c.http.path}', status: ${c.http.status ?? 200} }` : '';
    const roles = rolesOf(c).map((r) => `'${r}'`).join(', ');
    return `  '${c.name}': { name: '${c.name}', fn: '${mod.name}', action: '${actionOf(c)}', roles: [${roles}]${http}${LOCAL_ONLY.has(mod.name) ? ', localOnly: true' : ''} },`;
  });
  const codes = Object.entries(ERROR_STATUS).map(([k, v]) => `  ${k}: ${v},`);
  return (
    HEADER +
    "import type { Operation } from './runtime.ts';\n\n" +
    '/** Every command a client can call: its CloudBase function and action, and its HTTP route. */\n' +
    `export const OPERATIONS = {\n${rows.join('\n')}\n} as const satisfies Record<string, Operation>;\n\n` +
    '/** The contract\'s error codes and their HTTP status. */\n' +
    `export const ERROR_STATUS = {\n${codes.join('\n')}\n} as const;\n\n` +
    'export type ErrorCode = keyof typeof ERROR_STATUS;\n'
  );
}

export function clientTypesSource(): string {
  const out: string[] = [HEADER];
  const groups = new Map<string, string[]>();
  for (const { c } of clientCommands()) {
    const base = pascal(c.name);
    const input = jsonSchemaOf(c.input, 'input');
    const output = outputOf(c);
    const where = c.http ? `${c.http.method} ${c.http.path}` : 'CloudBase action only';
    out.push(`/** Input of \`${c.name}\` (${where}). */`);
    out.push(`export type ${base}Input = ${tsType(input)};`);
    out.push(output ? `/** Output of \`${c.name}\` (\`data\` of the answer). */` : `/** Output of \`${c.name}\`: no output schema is declared yet. */`);
    out.push(`export type ${base}Output = ${output ? tsType(jsonSchemaOf(output, 'output')) : 'unknown'};`, '');
    const ns = c.name.slice(0, c.name.indexOf('.'));
    const optional = !(input.required?.length > 0);
    const roles = rolesOf(c).join(', ');
    const list = groups.get(ns) ?? [];
    list.push(`    /** ${where} · ${roles} */`, `    ${key(actionOf(c))}(input${optional ? '?' : ''}: ${base}Input): Promise<${base}Output>;`);
    groups.set(ns, list);
  }
  out.push('/** The typed client: `client.<function>.<action>(input)`, one method per command. */');
  out.push('export interface Client {');
  for (const [ns, lines] of groups) out.push(`  ${key(ns)}: {`, ...lines, '  };');
  out.push('}', '');
  return out.join('\n');
}

export function contractFiles(): Record<string, string> {
  return {
    'openapi.json': JSON.stringify(openapiDocument(), null, 2) + '\n',
    'client/operations.ts': clientOperationsSource(),
    'client/types.ts': clientTypesSource(),
  };
}
