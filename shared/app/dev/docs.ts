import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import type { RawResponse } from '#app/command';
import { requireDevMode } from './commands.ts';

/**
 * The local stack's API description: `GET /openapi.json` (the document `npm run gen` writes at
 * the repo root, read from the checkout the local stack runs in) and `GET /docs`, a
 * self-contained reference page rendered from it (no script, no CDN). Local stage only.
 */
let cached: { text: string; doc: OpenApi } | undefined;

interface OpenApi {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { operationId: string; summary?: string; 'x-roles'?: string[]; 'x-cloudbase'?: { function: string; action: string }; 'x-local-only'?: boolean; parameters?: { name: string; in: string; required?: boolean }[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
  'x-cloudbase-actions'?: { command: string; function: string; action: string; roles: string[] }[];
  'x-error-codes'?: Record<string, number>;
}

function openapi(): { text: string; doc: OpenApi } {
  if (!cached) {
    const text = readFileSync(resolve(process.cwd(), 'openapi.json'), 'utf8');
    cached = { text, doc: JSON.parse(text) as OpenApi };
  }
  return cached;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The reference page: one table of every route, one of the CloudBase-only actions, one of the error codes. */
export function docsPage(doc: OpenApi): string {
  const rows: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []).map((p) => `${esc(p.name)}${p.required ? '' : '?'} <small>(${esc(p.in)})</small>`).join(', ');
      const status = Object.keys(op.responses).filter((s) => s.startsWith('2')).join(', ');
      const cb = op['x-cloudbase'] ? `${esc(op['x-cloudbase'].function)} / ${esc(op['x-cloudbase'].action)}` : op['x-local-only'] ? '<em>local only</em>' : '';
      rows.push(
        `<tr id="${esc(op.operationId)}"><td><b>${esc(method.toUpperCase())}</b></td><td><code>${esc(path)}</code></td><td><code>${esc(op.operationId)}</code></td><td>${esc((op['x-roles'] ?? []).join(', '))}</td><td>${params}${op.requestBody ? `${params ? '; ' : ''}JSON body` : ''}</td><td>${status}</td><td>${cb}</td></tr>`,
      );
    }
  }
  const actions = (doc['x-cloudbase-actions'] ?? []).map((a) => `<tr><td><code>${esc(a.command)}</code></td><td>${esc(a.function)} / ${esc(a.action)}</td><td>${esc(a.roles.join(', '))}</td></tr>`);
  const codes = Object.entries(doc['x-error-codes'] ?? {}).map(([c, s]) => `<tr><td><code>${esc(c)}</code></td><td>${s}</td></tr>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} ${esc(doc.info.version)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}code{font-size:13px}</style>
</head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description ?? '')}</p>
<p>The whole document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1; request and response schemas, error envelopes).</p>
<h2>Routes</h2>
<table><tr><th>method</th><th>path</th><th>command</th><th>roles</th><th>input</th><th>success</th><th>CloudBase function / action</th></tr>
${rows.join('\n')}
</table>
<h2>CloudBase-only actions</h2>
<table><tr><th>command</th><th>function / action</th><th>roles</th></tr>
${actions.join('\n')}
</table>
<h2>Error codes</h2>
<p>Failures answer <code>{ "error": { "code", "message", "details" } }</code> (CloudBase: <code>{ "ok": false, "error": … }</code>).</p>
<table><tr><th>code</th><th>HTTP status</th></tr>
${codes.join('\n')}
</table>
</body></html>
`;
}

export const openapiCommand = defineCommand({
  name: 'dev.openapi',
  roles: 'public',
  input: z.object({}),
  http: { method: 'GET', path: '/openapi.json' },
  rawResponse: true,
  async run({ deps }): Promise<RawResponse> {
    requireDevMode(deps, 'GET /openapi.json');
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: openapi().text };
  },
});

export const docsCommand = defineCommand({
  name: 'dev.docs',
  roles: 'public',
  input: z.object({}),
  http: { method: 'GET', path: '/docs' },
  rawResponse: true,
  async run({ deps }): Promise<RawResponse> {
    requireDevMode(deps, 'GET /docs');
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: docsPage(openapi().doc) };
  },
});

export const devDocsCommands = [openapiCommand, docsCommand];
