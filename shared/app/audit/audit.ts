import * as z from 'zod/mini';
import { bizDateSchema, isoTime } from '#platform/schema';
import { defineCommand, type Command, type CommandContext, type FunctionModule } from '#app/command';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, TransactionCancelled, type Item, type ItemStore, type Key, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { auditKeys } from './keys.ts';

/**
 * The audit trail (DESIGN.md §9): every staff write leaves one immutable entry — who (the
 * caller's user id), when (the clock, business time), the command, the target id and a
 * summary of what changed — written IN THE SAME TRANSACTION as the write itself.
 *
 * How: `auditStaffWrites(module)` wraps each staff command of a function module (roles
 * without `customer`, `leader` or `public`; not a GET) so its use case runs with an audited
 * store (`auditedStore`): the command's first write that succeeds carries the entry — a
 * `transact` gets the entry's put appended, a single `write` becomes a two-item transaction
 * (its failed condition still throws ConditionFailed, as the plain write would), a `putMany`
 * gets the entry in its batch. Attempts that fail write nothing, so a retried write still
 * leaves exactly one entry; a command that writes nothing (a replay, a refusal) leaves none.
 * Use cases need no audit code; `auditOp` is there for one that builds its own transaction.
 *
 * The summary never holds contact data: field names are kept, values of fields that can hold
 * a name, phone, address or credential are replaced by `[hidden]`, and any value that looks
 * like a mainland mobile number is hidden too.
 */
export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  command: string;
  target: string;
  changes: Record<string, string | number | boolean | null>;
}

export const HIDDEN = '[hidden]';
/** Field names whose values can be contact data or credentials. */
// `csv`: an import's file holds leaders' names and phones.
const SENSITIVE = /name|phone|mobile|tel|contact|address|addr|openid|unionid|password|secret|token|idcard|wechat|csv/i;
const PHONE_LIKE = /1[3-9]\d{9}/;
const MAX_FIELDS = 40;
const MAX_TEXT = 80;

/** The summary of an input: flattened `path → value` (scalars only), contact data hidden, bounded. */
export function summarize(input: unknown): AuditEntry['changes'] {
  const out: AuditEntry['changes'] = {};
  let n = 0;
  const walk = (v: unknown, path: string, hidden: boolean) => {
    if (n >= MAX_FIELDS) return;
    if (v === undefined) return;
    if (v !== null && typeof v === 'object') {
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v as Record<string, unknown>);
      if (entries.length === 0 && path) {
        out[path] = Array.isArray(v) ? '[]' : '{}';
        n++;
      }
      for (const [k, x] of entries) walk(x, path ? `${path}.${k}` : k, hidden || SENSITIVE.test(k));
      return;
    }
    if (!path) return;
    n++;
    if (hidden || (typeof v === 'string' && PHONE_LIKE.test(v)) || (typeof v === 'number' && PHONE_LIKE.test(String(v)))) {
      out[path] = HIDDEN;
      return;
    }
    out[path] = typeof v === 'string' ? v.slice(0, MAX_TEXT) : typeof v === 'number' || typeof v === 'boolean' ? v : String(v).slice(0, MAX_TEXT);
  };
  walk(input, '', false);
  return out;
}

/** The put of one audit entry; add it to the transaction of the write it records. */
export function auditOp(deps: Pick<Deps, 'clock' | 'ids'>, entry: { actor: string; command: string; target: string; changes: AuditEntry['changes'] }): WriteOp {
  const id = deps.ids.newId();
  const at = toBizIso(deps.clock.now());
  const full: AuditEntry = { id, at, ...entry };
  return {
    type: 'put',
    item: { ...auditKeys.entry(at.slice(0, 7), at, id), ...auditKeys.targetIndex(entry.target, at, id), ...auditKeys.actorIndex(entry.actor, at, id), kind: 'audit', ...full },
    when: [{ op: 'notExists' }],
  };
}

/** The target of a command: the first id-like field of its input, else the id of what its first write touches. */
function targetOf(input: Record<string, unknown>): string | undefined {
  // A wave's product (a shortage): `<date>/<productId>`.
  if (typeof input.date === 'string' && typeof input.productId === 'string' && !input.id) return `${input.date}/${input.productId}`;
  for (const k of ['id', 'orderId', 'productId', 'couponId', 'communityId', 'leaderId', 'runId', 'job', 'date']) {
    const v = input[k];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}
const keyTarget = (key: Key) => key.pk.slice(key.pk.indexOf('#') + 1) || key.pk;
const opKey = (op: WriteOp): Key => (op.type === 'put' ? { pk: op.item.pk, sk: op.item.sk } : op.key);

/**
 * A store whose first successful write carries `entry()` in the same transaction (see above);
 * reads and later writes pass through.
 */
const INNER = Symbol('the store behind an audited store');

export function auditedStore(store: ItemStore, entry: (firstKey: Key) => WriteOp): ItemStore & { readonly audited: boolean } {
  let done = false;
  const wrapped: ItemStore & { audited: boolean; [INNER]: ItemStore } = {
    [INNER]: store,
    get audited() {
      return done;
    },
    get: (k, o) => store.get(k, o),
    getMany: (ks) => store.getMany(ks),
    query: (q) => store.query(q),
    async write(op) {
      if (done) return store.write(op);
      try {
        await store.transact([op, entry(opKey(op))]);
      } catch (e) {
        if (e instanceof TransactionCancelled && e.failedAt() === 0) {
          const reason = e.reasons[0] as { current?: Item } | null;
          throw new ConditionFailed(opKey(op), reason?.current);
        }
        throw e;
      }
      done = true;
      // A plain write answers the item after an update; read it back (strongly consistent).
      return op.type === 'update' ? store.get(op.key, { consistent: true }) : undefined;
    },
    async transact(ops) {
      if (done || ops.length === 0) return store.transact(ops);
      await store.transact([...ops, entry(opKey(ops[0]!))]);
      done = true;
    },
    async putMany(items) {
      if (done || items.length === 0) return store.putMany(items);
      const op = entry({ pk: items[0]!.pk, sk: items[0]!.sk });
      await store.putMany([...items, (op as { item: Item }).item]);
      done = true;
    },
    ...(store.removeExpired ? { removeExpired: (s: number) => store.removeExpired!(s) } : {}),
  };
  return wrapped;
}

/**
 * The deps with the store behind the audit: for writes that follow deterministically from a
 * write already audited (a stored shortage plan's refunds, reports rebuilt from orders), so a
 * repeat or a concurrent run of the same request leaves no second entry.
 */
export function withoutAudit(deps: Deps): Deps {
  const inner = (deps.store as { [INNER]?: ItemStore })[INNER];
  return inner ? (Object.create(deps, { store: { value: inner, enumerable: true } }) as Deps) : deps;
}

/** Staff commands: signed in with a role that is neither customer nor leader. */
const STAFF_ONLY = (c: Command<any, any>) => Array.isArray(c.roles) && c.roles.length > 0 && !c.roles.some((r) => r === 'customer' || r === 'leader');

/** Wraps one staff write command so its first write carries its audit entry. */
export function audited<C extends Command<any, any>>(command: C): C {
  if (!STAFF_ONLY(command) || command.http?.method === 'GET') return command;
  return {
    ...command,
    async run(ctx: CommandContext, input: unknown) {
      if (ctx.caller.kind !== 'user') return command.run(ctx, input);
      const actor = ctx.caller.userId;
      const fields = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
      const target = targetOf(fields);
      const changes = summarize(fields);
      const deps = ctx.deps;
      const store = auditedStore(deps.store, (firstKey) => auditOp(deps, { actor, command: command.name, target: target ?? keyTarget(firstKey), changes }));
      // The deps as they are (the settings getter included), with the audited store in front.
      const scoped = Object.create(deps, { store: { value: store, enumerable: true } }) as Deps;
      return command.run({ ...ctx, deps: scoped }, input);
    },
  } as C;
}

/** A function module whose staff write commands leave an audit entry each. */
export function auditStaffWrites(module: FunctionModule): FunctionModule {
  return { ...module, commands: module.commands.map((c) => audited(c)) };
}

// ---- reading ---------------------------------------------------------------------------------

const PAGE = 50;
/** How far back a listing without `from` looks, in months. */
const DEFAULT_MONTHS = 24;

const timeBound = z.union([bizDateSchema(), isoTime()]);
export const AuditQuery = z.object({
  actor: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  target: z.optional(z.string().check(z.minLength(1), z.maxLength(140))),
  from: z.optional(timeBound),
  to: z.optional(timeBound),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

const lower = (t: string) => (t.length === 10 ? t : toBizIso(t));
const upper = (t: string) => `${t.length === 10 ? t : toBizIso(t)}\uffff`;
const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'kind', 'id']);
const view = (it: Item) => Object.fromEntries(Object.entries(it).filter(([k]) => !META.has(k))) as Omit<AuditEntry, 'id'>;

const prevMonth = (m: string) => {
  const [y, mo] = m.split('-').map(Number) as [number, number];
  return mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, '0')}`;
};
const monthsBack = (m: string, n: number) => {
  let out = m;
  for (let i = 0; i < n; i++) out = prevMonth(out);
  return out;
};

/**
 * `GET /admin/audit`: entries newest first, 50 a page. With `target` (GSI1) or `actor` (GSI2)
 * one index query per page (both: by target, the actor filtered in the page); without either,
 * month partitions from `to` (default now) back to `from` (default 24 months back).
 */
export async function listAudit(deps: Deps, input: z.infer<typeof AuditQuery>) {
  const from = input.from ? lower(input.from) : undefined;
  const to = input.to ? upper(input.to) : undefined;
  if (from && to && from > to) throw new AppError('VALIDATION_FAILED', 'from is after to', { issues: [{ path: 'from', message: 'must not be after to' }] });
  if (input.target || input.actor) {
    const index = input.target ? auditKeys.byTarget(input.target) : auditKeys.byActor(input.actor!);
    const page = await deps.store.query({ ...index, ...(from ? { from } : {}), to: to ?? '\uffff', descending: true, limit: PAGE, ...(input.cursor ? { cursor: input.cursor } : {}) });
    const items = page.items.filter((it) => !input.actor || it.actor === input.actor).map(view);
    return { items, ...(page.cursor ? { nextCursor: page.cursor } : {}) };
  }
  const newest = (to ? to.slice(0, 7) : toBizIso(deps.clock.now()).slice(0, 7)).replace(/\uffff/g, '');
  const oldest = from ? from.slice(0, 7) : monthsBack(newest, DEFAULT_MONTHS);
  let month = newest;
  let inner: string | undefined;
  if (input.cursor) {
    const m = /^m([0-9]{4}-[0-9]{2})~(.*)$/s.exec(input.cursor);
    if (!m) throw new AppError('VALIDATION_FAILED', 'the cursor is not valid for this query', { issues: [{ path: 'cursor', message: 'not a cursor of this query' }] });
    month = m[1]!;
    inner = m[2] || undefined;
  }
  const items: ReturnType<typeof view>[] = [];
  while (month >= oldest) {
    const page = await deps.store.query({ ...auditKeys.month(month), ...(from ? { from } : {}), to: to ?? '\uffff', descending: true, limit: PAGE - items.length, ...(inner ? { cursor: inner } : {}) });
    items.push(...page.items.map(view));
    inner = page.cursor;
    if (items.length >= PAGE) {
      const next = inner ? `m${month}~${inner}` : prevMonth(month) >= oldest ? `m${prevMonth(month)}~` : undefined;
      return { items, ...(next ? { nextCursor: next } : {}) };
    }
    if (!inner) month = prevMonth(month);
  }
  return { items };
}

/** `GET /admin/audit?actor=&target=&from=&to=&cursor=` (intended roles: owner). */
export const auditCommand = defineCommand({
  name: 'admin.audit',
  roles: ['owner'],
  input: AuditQuery,
  http: { method: 'GET', path: '/admin/audit' },
  async run({ deps }, input) {
    return listAudit(deps, input);
  },
});
