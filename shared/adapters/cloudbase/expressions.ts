import type { Condition, Item, Key, Scalar, Update } from '#ports/item-store';

/** The operators of `db.command` this adapter uses (identical in @cloudbase/node-sdk and wx-server-sdk). */
export interface Command {
  eq(value: unknown): unknown;
  neq(value: unknown): unknown;
  gt(value: unknown): unknown;
  gte(value: unknown): unknown;
  lt(value: unknown): unknown;
  lte(value: unknown): unknown;
  in(values: unknown[]): unknown;
  exists(present: boolean): unknown;
  and(conditions: unknown[]): unknown;
  or(conditions: unknown[]): unknown;
  inc(by: number): unknown;
  set(value: unknown): unknown;
  remove(): unknown;
}

/**
 * The `where` filter matching document `id` only while `conditions` hold, so a conditional
 * write is one atomic `where(...).update()` on the server.
 */
export function whereOf(_: Command, id: string, conditions: Condition[] = []): unknown {
  return conditions.length ? _.and([{ _id: id }, ...conditions.map((c) => filterOf(_, c))]) : { _id: id };
}

function filterOf(_: Command, c: Condition): unknown {
  switch (c.op) {
    case 'exists':
      return { _id: _.exists(true) };
    case 'notExists':
      return { _id: _.exists(false) };
    case 'attrExists':
      return { [c.path]: _.exists(true) };
    case 'attrNotExists':
      return { [c.path]: _.exists(false) };
    case 'eq':
      return { [c.path]: _.eq(c.value) };
    case 'ne':
      return { [c.path]: _.neq(c.value) };
    case 'gt':
      return { [c.path]: _.gt(c.value) };
    case 'gte':
      return { [c.path]: _.gte(c.value) };
    case 'lt':
      return { [c.path]: _.lt(c.value) };
    case 'lte':
      return { [c.path]: _.lte(c.value) };
    case 'in':
      return { [c.path]: _.in(c.values) };
    case 'or':
      return _.or(c.conditions.map((x) => filterOf(_, x)));
  }
}

/**
 * The update document for `where(...).update()`, or undefined when the update needs the
 * current item (`setIfAbsent`) or changes nothing. Values are wrapped in `_.set` so a nested
 * object replaces the attribute instead of being merged field by field.
 */
export function updateDataOf(_: Command, u: Update): Record<string, unknown> | undefined {
  if (u.setIfAbsent && Object.keys(u.setIfAbsent).length) return undefined;
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(u.set ?? {})) if (v !== undefined) data[k] = _.set(v);
  for (const [k, v] of Object.entries(u.inc ?? {})) data[k] = _.inc(v);
  for (const k of u.remove ?? []) data[k] = _.remove();
  return Object.keys(data).length ? data : undefined;
}

/** The item after `u` is applied to `before` (absent: a new item with only its key), as DynamoDB's UpdateItem. */
export function applyUpdate(before: Item | undefined, key: Key, u: Update): Item {
  const next: Item = before ? { ...before } : { pk: key.pk, sk: key.sk };
  for (const [k, v] of Object.entries(u.set ?? {})) if (v !== undefined) next[k] = v;
  for (const [k, v] of Object.entries(u.setIfAbsent ?? {})) if (!before || !Object.hasOwn(before, k)) next[k] = v;
  for (const [k, v] of Object.entries(u.inc ?? {})) {
    const old = before?.[k];
    next[k] = (typeof old === 'number' ? old : 0) + v;
  }
  for (const k of u.remove ?? []) delete next[k];
  return next;
}

/**
 * Whether `conditions` hold on `item` (undefined: no such item). Used where the adapter must
 * decide itself: on a snapshot read inside a transaction, and for an item that does not exist.
 * It follows the database's own (MongoDB) semantics so both paths agree: a missing attribute
 * is "not equal" to any value and equal to null; comparisons only hold between values of one type.
 */
export function conditionsHold(conditions: Condition[] | undefined, item: Item | undefined): boolean {
  return (conditions ?? []).every((c) => holds(c, item));
}

function holds(c: Condition, item: Item | undefined): boolean {
  const has = (path: string) => item !== undefined && Object.hasOwn(item, path) && item[path] !== undefined;
  const at = (path: string) => (has(path) ? item![path] : undefined);
  switch (c.op) {
    case 'exists':
      return item !== undefined;
    case 'notExists':
      return item === undefined;
    case 'attrExists':
      return has(c.path);
    case 'attrNotExists':
      return !has(c.path);
    case 'eq':
      return same(at(c.path), c.value);
    case 'ne':
      return !same(at(c.path), c.value);
    case 'in':
      return c.values.some((v) => same(at(c.path), v));
    case 'or':
      return c.conditions.some((x) => holds(x, item));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compare(c.op, at(c.path), c.value);
  }
}

const same = (a: unknown, b: Scalar) => (b === null ? a === null || a === undefined : a === b);

function compare(op: 'gt' | 'gte' | 'lt' | 'lte', a: unknown, b: Scalar): boolean {
  if (b === null) return (op === 'gte' || op === 'lte') && (a === null || a === undefined);
  if (typeof a !== typeof b || a === null) return false;
  const x = a as string | number | boolean;
  if (op === 'gt') return x > b;
  if (op === 'gte') return x >= b;
  if (op === 'lt') return x < b;
  return x <= b;
}
