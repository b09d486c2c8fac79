/**
 * Shared parts of the fuzz tests (test/integration/fuzz-*.test.ts): fast-check arbitraries
 * derived from a command's zod/mini schema (walking `_zod.def`), hostile values of every kind,
 * a seeded world with signed-in users of each role, and a full-table snapshot to prove that a
 * refused call changed nothing.
 */
import fc from 'fast-check';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { AppError } from '#domain/errors';
import type { Command } from '#app/command';
import { FUNCTIONS } from '../../functions/registry.ts';
import { localClient } from '../../scripts/lib/dynamo-local.ts';
import { DEMO } from '../../scripts/lib/demo-data.ts';
import { createTestStore } from './dynamo.ts';
import { givenOrder, makeWorld, type TestWorld } from './harness.ts';

// ---------------------------------------------------------------------------------------------
// Values

const deep = (n: number): unknown => (n === 0 ? {} : { a: deep(n - 1) });
const protoKeys = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":1}') as object;

/** Values no schema expects: wrong types, extremes, injection and encoding tricks. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    true,
    false,
    0,
    -0,
    -1,
    0.5,
    -0.000001,
    1e308,
    -1e308,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MAX_SAFE_INTEGER + 2,
    Number.MIN_SAFE_INTEGER - 2,
    2 ** 31,
    '',
    ' ',
    '0',
    '-1',
    '1e308',
    'NaN',
    'null',
    'true',
    '[]',
    '{}',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '\u202Eevil\u2066bidi\u2069',
    '\u0000\u0001\u001f',
    '\uD800',
    '\uDFFF\uD800',
    '🙂'.repeat(300),
    '团'.repeat(5000),
    'x'.repeat(70_000),
    '../../etc/passwd',
    '%00',
    '%zz',
    '%E4%B8',
    'a/b',
    'a#b',
    'C#c-jingan',
    'O#2026-11-24#x',
    '*',
    '<script>alert(1)</script>',
    "' OR '1'='1",
    '2026-02-30',
    '9999-99-99',
    '0000-00-00',
    '2026-11-24T25:61:61+08:00',
    '2026-W99',
    '-271821-04-20',
    '+275760-09-13T00:00:00.000Z',
    [],
    [null],
    [[[[]]]],
    {},
    { $gt: '' },
    { $where: 'sleep(1000)' },
    { $ne: null },
    protoKeys,
    deep(60),
    new Array(2000).fill(1),
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.bigInt().map((b) => Number(b)),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)), { maxKeys: 4 }),
);

/** Ids that exist in the fuzz world, so valid-shaped inputs reach past "not found". */
export const KNOWN_IDS: string[] = [
  ...DEMO.communities.map((c) => c.id),
  ...DEMO.leaders.map((l) => l.id),
  ...DEMO.leaders.map((l) => l.openid),
  'p-rice',
  'p-pork',
  'p-spinach',
  'p-durian',
  'p-oil',
  'r-west',
  'r-east',
  's-farm',
  'staff-1',
  'demo-staff',
  'o-fuzz-customer',
  'cutoff',
  'expire',
  'overdue',
  'notify',
  'settle',
];
/** Known ids by what a field's name says it holds, so valid-shaped inputs name real things. */
const POOLS: [RegExp, () => string[]][] = [
  [/community/i, () => DEMO.communities.map((c) => c.id)],
  [/product/i, () => ['p-rice', 'p-pork', 'p-spinach', 'p-durian', 'p-oil', 'p-eggs']],
  [/leader/i, () => DEMO.leaders.map((l) => l.id)],
  [/coupon/i, () => ['cpn-100-10', 'cpn-new-user']],
  [/route/i, () => ['r-west', 'r-east']],
  [/supplier/i, () => ['s-farm', 's-grain']],
  [/^job$/, () => ['cutoff', 'expire', 'overdue', 'notify', 'settle']],
  [/openid|user|touser/i, () => ['o-fuzz-customer', 'staff-1', 'demo-staff', ...DEMO.leaders.map((l) => l.openid)]],
  [/order|^id$/i, () => KNOWN_IDS],
];
const poolOf = (name: string | undefined) => POOLS.find(([re]) => name !== undefined && re.test(name))?.[1]() ?? KNOWN_IDS;

const KNOWN_DATES = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-30', '2026-12-01', '2025-01-01'];
const ID_PATTERN = '^[A-Za-z0-9_-]+$';

interface Def {
  type: string;
  [k: string]: any;
}
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;
const checksOf = (d: Def): Def[] => ((d.checks ?? []) as { _zod: { def: Def } }[]).map((c) => c._zod.def);

/** Bounds and pattern of a string or number schema, from its checks. */
function boundsOf(d: Def) {
  const b: { min?: number; max?: number; minLen?: number; maxLen?: number; pattern?: RegExp; int: boolean } = { int: d.format === 'safeint' };
  for (const c of [d, ...checksOf(d)]) {
    if (c.check === 'min_length') b.minLen = c.minimum;
    if (c.check === 'max_length') b.maxLen = c.maximum;
    if (c.check === 'length_equals') b.minLen = b.maxLen = c.length;
    if (c.check === 'greater_than') b.min = c.value;
    if (c.check === 'less_than') b.max = c.value;
    if (c.check === 'number_format' && c.format === 'safeint') b.int = true;
    if (c.check === 'string_format' && c.pattern instanceof RegExp) b.pattern = c.pattern;
  }
  return b;
}

/** An arbitrary of values the schema accepts (mostly), known ids and dates mixed in. */
export function arbitraryOf(schema: unknown, depth = 0, name?: string): fc.Arbitrary<unknown> {
  const d = defOf(schema);
  if (depth > 6) return hostile;
  switch (d.type) {
    case 'object': {
      const shape = d.shape as Record<string, unknown>;
      const fields = Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, arbitraryOf(s, depth + 1, k)]));
      return fc.record(fields, { requiredKeys: Object.keys(shape).filter((k) => !['optional', 'default'].includes(defOf(shape[k]).type)) });
    }
    case 'optional':
    case 'default':
    case 'prefault':
      return fc.option(arbitraryOf(d.innerType, depth + 1, name), { nil: undefined, freq: 3 });
    case 'nullable':
      return fc.option(arbitraryOf(d.innerType, depth + 1, name), { nil: null, freq: 5 });
    case 'pipe':
      return arbitraryOf(d.in, depth + 1, name);
    case 'union':
      return fc.oneof(...(d.options as unknown[]).map((o) => arbitraryOf(o, depth + 1, name)));
    case 'enum':
      return fc.constantFrom(...Object.values(d.entries as Record<string, string | number>));
    case 'literal':
      return fc.constantFrom(...(d.values as unknown[]));
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const b = boundsOf(d);
      return fc.array(arbitraryOf(d.element, depth + 1, name?.replace(/s$/, '')), { minLength: b.minLen ?? 0, maxLength: Math.min(b.maxLen ?? 4, Math.max(b.minLen ?? 0, 4)) });
    }
    case 'record':
      return fc.dictionary(arbitraryOf(d.keyType, depth + 1) as fc.Arbitrary<string>, arbitraryOf(d.valueType, depth + 1), { maxKeys: 3 });
    case 'number': {
      const b = boundsOf(d);
      if (b.int) return fc.integer({ min: Math.max(b.min ?? -1_000_000, -1_000_000_000), max: Math.min(b.max ?? 1_000_000, 1_000_000_000) });
      return fc.double({ min: b.min ?? -1e6, max: b.max ?? 1e6, noNaN: true, noDefaultInfinity: true });
    }
    case 'string': {
      const b = boundsOf(d);
      if (d.format === 'datetime') return fc.oneof(fc.constantFrom('2026-11-24T21:59:00+08:00', '2026-11-25T10:00:00+08:00', '2026-12-31T23:59:59+08:00'), fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((t) => t.toISOString()));
      if (b.pattern) {
        const pattern = fc.stringMatching(b.pattern).filter((s) => s.length >= (b.minLen ?? 0) && s.length <= (b.maxLen ?? 500));
        if (b.pattern.source === ID_PATTERN) return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...poolOf(name)) }, { weight: 1, arbitrary: pattern });
        if (b.pattern.source.includes('\\d{4}-\\d{2}-\\d{2}')) return fc.oneof(fc.constantFrom(...KNOWN_DATES), pattern);
        return pattern;
      }
      const text = fc.string({ minLength: b.minLen ?? 0, maxLength: Math.min(b.maxLen ?? 30, 200) });
      return name && /id$|^openid$|^code$/i.test(name) ? fc.oneof(fc.constantFrom(...poolOf(name)), text) : text;
    }
    default:
      return fc.anything({ maxDepth: 2 });
  }
}

/**
 * Inputs for one command: valid-shaped ones, valid ones with hostile fields (replaced, added,
 * prototype keys), and wholly hostile ones.
 */
export function fuzzInputOf(command: Command<any, any>): fc.Arbitrary<unknown> {
  const valid = arbitraryOf(command.input);
  const fields = Object.keys((defOf(command.input).shape as Record<string, unknown> | undefined) ?? {});
  const keyArb = fc.constantFrom(...fields, '__proto__', 'constructor', 'prototype', 'action', 'userInfo', '$where', 'cursor');
  const tainted = fc
    .tuple(valid, fc.array(fc.tuple(keyArb, hostile), { minLength: 1, maxLength: 3 }))
    .map(([v, extra]) => {
      const out: Record<string, unknown> = v && typeof v === 'object' ? { ...(v as object) } : {};
      for (const [k, x] of extra) Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
      return out;
    });
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 4, arbitrary: tainted }, { weight: 1, arbitrary: hostile });
}

/** Every command of every function, with its function's name. */
export const ALL_COMMANDS = FUNCTIONS.flatMap((mod) => mod.commands.map((command) => ({ mod, command })));

// ---------------------------------------------------------------------------------------------
// The world

export interface FuzzWorld extends TestWorld {
  tableName: string;
  endpoint: string;
  /** Signed-in users by role. */
  users: { staff: string; customer: string; leader: string };
  orderIds: string[];
  /** Write requests sent to DynamoDB so far (Put, Update, Delete, TransactWrite, BatchWrite), failed ones included. */
  writes(): number;
}

const WRITE = /^(Put|Update|Delete|TransactWrite|BatchWrite)(Item)?Command$/;

/**
 * A seeded table with a customer's orders (paid and unpaid) and WeChat login answering as
 * WeChat does for a code it does not know (the real adapter maps errcode 40029 to 401).
 */
export async function makeFuzzWorld(): Promise<FuzzWorld> {
  let writes = 0;
  // The table changes only through this client: a call that sent no write changed nothing.
  const { store, tableName, endpoint } = await createTestStore({
    wrap: (client) => ({
      send: (command: unknown) => {
        if (WRITE.test((command as object).constructor.name)) writes++;
        return client.send(command);
      },
    }),
  });
  const world = await makeWorld({ store });
  world.deps.wechatLogin = {
    exchange: async (code: string) => {
      if (code === 'good-code') return { openid: 'o-fuzz-login' };
      throw new AppError('UNAUTHENTICATED', 'the login code is invalid or used', { errcode: 40029 });
    },
  };
  const users = { staff: 'staff-1', customer: 'o-fuzz-customer', leader: 'demo-leader-jingan' };
  const orderIds: string[] = [];
  for (const status of ['PAID', 'PENDING_PAYMENT', 'CONFIRMED', 'ARRIVED', 'PICKED_UP'] as const) {
    const o = await givenOrder(world, { communityId: 'c-jingan', userId: users.customer, waveDate: '2026-11-24', lines: [{ productId: 'p-rice', qty: 1 }], status });
    orderIds.push(o.id);
  }
  KNOWN_IDS.push(...orderIds);
  return { ...world, tableName, endpoint, users, orderIds, writes: () => writes };
}

// ---------------------------------------------------------------------------------------------
// State

/**
 * Items a refused call may legitimately write: rate-limit counters, which count refusals
 * (a leader's wrong pickup codes `L#…|GUESS#<minute>`, a staff login's failures `STAFFLOGIN#…|FAILURES`).
 */
export const isRateCounter = (item: Record<string, unknown>) =>
  /^(GUESS|RATE|THROTTLE)#/.test(String(item.sk)) || /^(RATE|THROTTLE)#/.test(String(item.pk)) || (String(item.pk).startsWith('STAFFLOGIN#') && item.sk === 'FAILURES');

/** Every item of the table (a full Scan), keyed by pk|sk, rate-limit counters left out. */
export async function snapshot(w: FuzzWorld): Promise<Map<string, string>> {
  const client = DynamoDBDocumentClient.from(localClient(w.endpoint));
  const out = new Map<string, string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: w.tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) if (!isRateCounter(item)) out.set(`${item.pk}|${item.sk}`, JSON.stringify(item, Object.keys(item).sort()));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** What differs between two snapshots (added, removed, changed keys), for a failure message. */
export function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of after) if (!before.has(k)) out.push(`+ ${k}`);
  else if (before.get(k) !== v) out.push(`~ ${k}`);
  for (const k of before.keys()) if (!after.has(k)) out.push(`- ${k}`);
  return out;
}

/** One failure per distinct problem, so a run reports what broke, not the first sample only. */
export class Findings {
  readonly seen = new Map<string, string>();
  add(kind: string, sample: unknown) {
    if (!this.seen.has(kind)) this.seen.set(kind, describeSample(sample));
  }
  report(): string {
    return [...this.seen].map(([k, s]) => `${k}\n    e.g. ${s}`).join('\n');
  }
}

function describeSample(sample: unknown): string {
  const s = JSON.stringify(sample, (_k, v) => (typeof v === 'string' && v.length > 120 ? `${v.slice(0, 120)}…(${v.length})` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  return s && s.length > 1200 ? `${s.slice(0, 1200)}…` : String(s);
}
