import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { AppError, isAppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { CsvSyntaxError, parseCsv } from '#domain/csv-import';
import { TransactionCancelled, type WriteOp } from '#ports/item-store';
import { toIssues } from '#platform/schema';
import type { Deps } from '../deps.ts';
import { keys, typeIndex } from '../keys.ts';
import { guard, failedGuard } from '../guards.ts';
import { CommunityInput, LeaderInput, ProductInput } from '../catalog/schemas.ts';
import { getProducts } from '../catalog/products.ts';
import { leaderWriteOps, productRecord } from '../admin/commands.ts';
import { fieldAt, rowInput } from './csv-rows.ts';

/**
 * CSV imports of products, communities and leaders (issue 18 item 7, DESIGN.md §14).
 *
 * Steps: read the CSV (line 1 the header of JSON field names) → validate EVERY row with the
 * schema of the single-item command (admin.upsertProduct, admin.upsertCommunity,
 * admin.upsertLeader) and the same business checks, plus what only a batch can break (the
 * same id, openid or community twice) → any error, or a dry run: apply nothing and report
 * every error as { line, column, reason } → otherwise write every row in ONE transaction.
 *
 * All or nothing: one transaction is the only way a failure midway (a lost Lambda, a
 * concurrent edit failing a condition, a throttled item) leaves nothing behind on both
 * DynamoDB and CloudBase; chunked transactions would need compensation that itself can fail.
 * So an import holds at most what one transaction does (100 operations, one of them the audit
 * entry): 99 products or communities, 33 leaders (each is three items: leader, community
 * binding, openid role) — a longer file is refused naming the first line over, to be split.
 * Rows without an `id` get a new one, so re-importing such a file creates the rows again;
 * give ids to make a re-import an update.
 */
export const IMPORT_KINDS = ['products', 'communities', 'leaders'] as const;
type ImportKind = (typeof IMPORT_KINDS)[number];

const OPS_PER_ROW: Record<ImportKind, number> = { products: 1, communities: 1, leaders: 3 };
/** One transaction's operations, less the audit entry the back office adds to it. */
const MAX_OPS = 99;
export const maxImportRows = (kind: ImportKind) => Math.floor(MAX_OPS / OPS_PER_ROW[kind]);

const SCHEMAS = { products: ProductInput, communities: CommunityInput, leaders: LeaderInput } as const;

export interface ImportError {
  line: number;
  column: string;
  reason: string;
}

interface Row<T> {
  line: number;
  input: T;
}

const flag = () =>
  z.optional(z.union([z.boolean(), z.pipe(z.enum(['true', 'false', '1', '0']), z.transform((s) => s === 'true' || s === '1'))]));

export const importCommand = defineCommand({
  name: 'admin.import',
  roles: ['owner', 'operations'],
  input: z.object({
    kind: z.enum(IMPORT_KINDS),
    dryRun: flag(),
    /** The CSV text: the body of a `content-type: text/csv` request, or this field of a JSON body / CloudBase call. */
    csv: z.string().check(z.maxLength(1024 * 1024)),
  }),
  output: z.object({ applied: z.int().check(z.minimum(0)), errors: z.array(z.object({ line: z.int(), column: z.string(), reason: z.string() })) }),
  http: { method: 'POST', path: '/admin/imports/{kind}', textBody: { contentType: 'text/csv', field: 'csv' } },
  async run({ deps }, input) {
    const { rows, errors } = readRows(deps, input.kind, input.csv);
    if (errors.length === 0) errors.push(...(await batchErrors(deps, input.kind, rows)));
    if (errors.length || input.dryRun) return { applied: 0, errors: sortErrors(errors) };
    const ops = await writeOps(deps, input.kind, rows);
    try {
      if (ops.length) await deps.store.transact(ops);
    } catch (e) {
      const failed = failedGuard<string>(e, ops);
      if (failed) throw new AppError('INVALID_STATE', `changed meanwhile: ${failed}; nothing was imported, try again`, {});
      if (e instanceof TransactionCancelled) throw new AppError('INVALID_STATE', 'the import conflicted with another change; nothing was imported, try again', {});
      throw e;
    }
    return { applied: rows.length, errors: [] as ImportError[] };
  },
});

const sortErrors = (errors: ImportError[]) => errors.sort((a, b) => a.line - b.line || a.column.localeCompare(b.column));

/** The rows as command inputs, and every error the schema (and a row's own checks) finds. */
function readRows(deps: Deps, kind: ImportKind, csv: string): { rows: Row<any>[]; errors: ImportError[] } {
  const errors: ImportError[] = [];
  let records;
  try {
    records = parseCsv(csv);
  } catch (e) {
    if (e instanceof CsvSyntaxError) return { rows: [], errors: [{ line: e.line, column: '', reason: e.message }] };
    throw e;
  }
  const schema = SCHEMAS[kind];
  const [head, ...body] = records;
  if (!head || records[0]!.line !== 1) return { rows: [], errors: [{ line: 1, column: '', reason: 'line 1 must be the header of field names' }] };
  const header = head.cells.map((c) => c.trim());
  header.forEach((name, i) => {
    if (!fieldAt(schema, name)) errors.push({ line: 1, column: name, reason: `not a field of ${kind}` });
    else if (header.indexOf(name) !== i) errors.push({ line: 1, column: name, reason: 'the column appears twice' });
  });
  if (body.length === 0) errors.push({ line: 2, column: '', reason: 'no rows' });
  const max = maxImportRows(kind);
  if (body.length > max) errors.push({ line: body[max]!.line, column: '', reason: `at most ${max} ${kind} per import (one transaction); split the file` });
  if (errors.length) return { rows: [], errors };
  const rows: Row<any>[] = [];
  for (const rec of body) {
    if (rec.cells.length !== header.length) {
      errors.push({ line: rec.line, column: '', reason: `expected ${header.length} cells, found ${rec.cells.length}` });
      continue;
    }
    const parsed = schema.safeParse(rowInput(schema, header, rec.cells));
    if (!parsed.success) {
      for (const issue of toIssues(parsed.error)) errors.push({ line: rec.line, column: issue.path, reason: issue.message });
      continue;
    }
    const own = kind === 'products' ? productChecks(deps, parsed.data as ProductInput) : [];
    errors.push(...own.map((o) => ({ line: rec.line, ...o })));
    if (!own.length) rows.push({ line: rec.line, input: parsed.data });
  }
  return { rows, errors };
}

/** admin.upsertProduct's own checks (productRecord: prices, flash sale, suppliers and backups), as a row's errors. */
function productChecks(deps: Deps, p: ProductInput): { column: string; reason: string }[] {
  try {
    productRecord(deps, p, undefined);
    return [];
  } catch (e) {
    if (!isAppError(e)) throw e;
    const issues = (e.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
    if (issues?.length) return issues.map((i) => ({ column: i.path, reason: i.message }));
    // requireFreshBackups: an active fresh product without a backup supplier.
    return [{ column: 'suppliers', reason: e.message }];
  }
}

/** What only the whole file or the stored data can break: the same key twice, and admin.upsertLeader's checks. */
async function batchErrors(deps: Deps, kind: ImportKind, rows: Row<any>[]): Promise<ImportError[]> {
  const errors: ImportError[] = [];
  const once = (column: string, value: (r: Row<any>) => string | undefined) => {
    const seen = new Map<string, number>();
    for (const r of rows) {
      const v = value(r);
      if (v === undefined) continue;
      if (seen.has(v)) errors.push({ line: r.line, column, reason: `the same ${column} as line ${seen.get(v)}` });
      else seen.set(v, r.line);
    }
  };
  once('id', (r) => r.input.id);
  if (kind !== 'leaders') return errors;
  once('openid', (r) => r.input.openid);
  once('communityId', (r) => r.input.communityId);
  const rowsIn = rows as Row<LeaderInput>[];
  const unique = (ids: (string | undefined)[]) => [...new Set(ids.filter((x): x is string => !!x))];
  const [communities, leaders, roles, referrers] = await Promise.all([
    deps.store.getMany(unique(rowsIn.map((r) => r.input.communityId)).map((id) => keys.community(id))),
    deps.store.getMany(unique(rowsIn.map((r) => r.input.id)).map((id) => keys.leader(id))),
    deps.store.getMany(unique(rowsIn.map((r) => r.input.openid)).map((openid) => keys.leaderRole(openid))),
    deps.store.getMany(unique(rowsIn.map((r) => r.input.referredBy)).map((id) => keys.leader(id))),
  ]);
  const community = new Map(communities.map((c) => [String(c.id), c]));
  const leader = new Map(leaders.map((l) => [String(l.id), l]));
  const role = new Map(roles.map((r) => [String(r.pk).slice(2), r]));
  const referrer = new Set(referrers.map((l) => String(l.id)));
  for (const { line, input } of rowsIn) {
    const c = community.get(input.communityId);
    const existing = input.id ? leader.get(input.id) : undefined;
    const removed = existing?.status === 'removed';
    if (!c || c.status === 'inactive') errors.push({ line, column: 'communityId', reason: `community ${input.communityId} not found` });
    else if (!removed && c.leaderId && c.leaderId !== input.id) errors.push({ line, column: 'communityId', reason: 'the community already has a leader; remove them first' });
    if (existing && (existing.openid !== input.openid || existing.communityId !== input.communityId))
      errors.push({ line, column: 'openid', reason: 'a leader keeps their openid and community; remove and onboard again to move' });
    const r = role.get(input.openid);
    if (r && r.leaderId !== input.id && r.status !== 'removed') errors.push({ line, column: 'openid', reason: 'this openid is already another community’s leader' });
    if (input.referredBy && !referrer.has(input.referredBy) && !rowsIn.some((x) => x.input.id === input.referredBy))
      errors.push({ line, column: 'referredBy', reason: `referring leader ${input.referredBy} not found` });
  }
  return errors;
}

/** The single-item commands' writes, one transaction's worth, with their conditions. */
async function writeOps(deps: Deps, kind: ImportKind, rows: Row<any>[]): Promise<WriteOp[]> {
  const now = toBizIso(deps.clock.now());
  if (kind === 'products') {
    const previous = await getProducts(deps, rows.flatMap((r) => (r.input.id ? [r.input.id] : [])));
    return (rows as Row<ProductInput>[]).map(({ input }) => {
      const { product } = productRecord(deps, input, input.id ? previous.get(input.id) : undefined);
      return { type: 'put', item: { ...keys.product(product.id), ...typeIndex('product', product.id), ...JSON.parse(JSON.stringify(product)) } } satisfies WriteOp;
    });
  }
  if (kind === 'communities')
    return (rows as Row<CommunityInput>[]).map(({ input }) => {
      const id = input.id ?? deps.ids.newId();
      return { type: 'update', key: keys.community(id), update: { set: { ...typeIndex('community', id), ...input, id, updatedAt: now }, setIfAbsent: { status: 'active' } } } satisfies WriteOp;
    });
  const existing = new Map((await deps.store.getMany((rows as Row<LeaderInput>[]).filter((r) => r.input.id).map((r) => keys.leader(r.input.id!)))).map((l) => [String(l.id), l]));
  return (rows as Row<LeaderInput>[]).flatMap(({ input, line }): WriteOp[] => {
    const leaderId = input.id ?? deps.ids.newId();
    return leaderWriteOps(deps, input, leaderId, existing.get(leaderId), now, (what) => `line ${line} ${what}`).ops;
  });
}
