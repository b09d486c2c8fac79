/**
 * openapi.json, generated from the registry by `npm run gen`: valid OpenAPI 3.1 (checked against
 * the official 3.1 schema by @seriousme/openapi-schema-validator), fresh, and covering every
 * command with its roles, its CloudBase action and the contract's error envelope.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '#domain/errors';
import { FUNCTIONS, LOCAL_ONLY } from '../../functions/registry.ts';
import { contractFiles, actionOf, clientCommands } from '../../scripts/lib/contract.ts';
import { OPERATIONS } from '../../client/operations.ts';
import { outputOf } from '#app/outputs';

const text = readFileSync('openapi.json', 'utf8');
const doc = JSON.parse(text);
const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
);

describe('openapi.json', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors, JSON.stringify(result.errors, null, 1)?.slice(0, 2000)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
  });

  it('an invalid document is refused by the same validator (the check can fail)', async () => {
    const broken = structuredClone(doc);
    broken.paths['/orders'].post.responses = 'none';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('is what npm run gen writes from the registry (not stale)', () => {
    expect(text).toBe(contractFiles()['openapi.json']);
  });

  it('covers every command of the registry: its route, roles, security and CloudBase action', () => {
    const actions = new Map((doc['x-cloudbase-actions'] as any[]).map((a) => [a.command, a]));
    let covered = 0;
    for (const mod of FUNCTIONS) {
      for (const c of mod.commands) {
        const roles = c.roles === 'public' ? ['public'] : c.roles;
        if (!c.http) {
          expect(actions.get(c.name), c.name).toMatchObject({ function: mod.name, action: actionOf(c), roles });
          covered++;
          continue;
        }
        const op = doc.paths[c.http.path]?.[c.http.method.toLowerCase()];
        expect(op?.operationId, `${c.name} at ${c.http.method} ${c.http.path}`).toBe(c.name);
        expect(op['x-roles']).toEqual(roles);
        expect(op.security).toEqual(c.roles === 'public' ? [] : [{ bearer: [] }]);
        if (LOCAL_ONLY.has(mod.name)) expect(op['x-local-only']).toBe(true);
        else expect(op['x-cloudbase']).toEqual({ function: mod.name, action: actionOf(c) });
        expect(Object.keys(op.responses)).toContain(String(c.http.status ?? 200));
        for (const p of c.http.path.matchAll(/\{(\w+)\}/g)) {
          expect(op.parameters.find((x: any) => x.name === p[1] && x.in === 'path'), `${c.name} path parameter ${p[1]}`).toBeTruthy();
        }
        covered++;
      }
    }
    const total = FUNCTIONS.reduce((n, m) => n + m.commands.length, 0);
    expect(covered).toBe(total);
    expect(operations.length + actions.size).toBe(total);
  });

  it('GET inputs are query parameters, other inputs JSON bodies without the path parameters', () => {
    const list = doc.paths['/orders'].get;
    expect(list.parameters.map((p: any) => [p.name, p.in])).toEqual(expect.arrayContaining([['status', 'query'], ['cursor', 'query'], ['limit', 'query']]));
    expect(list.requestBody).toBeUndefined();
    const place = doc.paths['/orders'].post;
    expect(place.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['communityId', 'items', 'requestId', 'contact']));
    expect(Object.keys(place.responses)).toContain('201');
    const cancel = doc.paths['/orders/{id}/cancel'].post;
    expect(cancel.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    expect(cancel.requestBody?.content['application/json'].schema.properties?.id).toBeUndefined();
  });

  it('every query parameter can come as text: a number or boolean query parameter also accepts a string', () => {
    // HTTP carries a query value only as text; CloudBase data carries the number (queryNumber).
    const types = (schema: any): string[] => [schema.type, ...(schema.anyOf ?? []).flatMap(types)].flat().filter(Boolean);
    const offenders = operations.flatMap(({ method, path, op }) =>
      (op.parameters ?? [])
        .filter((p: any) => p.in === 'query' || p.in === 'path')
        .filter((p: any) => types(p.schema).some((t) => t !== 'string') && !types(p.schema).includes('string'))
        .map((p: any) => `${method} ${path} ${p.name}`),
    );
    expect(offenders).toEqual([]);
  });

  it('every error status answers the envelope with exactly the contract codes of that status', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      const schema = doc.components.responses[`Error${status}`].content['application/json'].schema;
      expect(schema.properties.error.properties.code.enum, code).toContain(code);
      expect(schema.properties.error.required).toEqual(['code', 'message']);
    }
    for (const { op, method, path } of operations) {
      expect(op.responses['400'], `${method} ${path}`).toEqual({ $ref: '#/components/responses/Error400' });
      expect(op.responses['500']).toEqual({ $ref: '#/components/responses/Error500' });
      const isPublic = op['x-roles'][0] === 'public';
      expect(op.responses['401'] !== undefined, `${method} ${path} 401`).toBe(!isPublic);
    }
  });

  it('commands with an output schema document it under data; the client has every callable command', () => {
    const withOutput = clientCommands().filter(({ c }) => outputOf(c) && c.http);
    for (const { c } of withOutput) {
      const op = doc.paths[c.http!.path][c.http!.method.toLowerCase()];
      const data = op.responses[String(c.http!.status ?? 200)].content['application/json'].schema.properties.data;
      expect(Object.keys(data).length, c.name).toBeGreaterThan(0);
    }
    expect(Object.keys(OPERATIONS).sort()).toEqual(clientCommands().map(({ c }) => c.name).sort());
  });
});
