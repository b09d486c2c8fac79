import { createRequire } from 'node:module';
import fc from 'fast-check';
import { Query } from 'mingo';
import { describe, expect, it } from 'vitest';
import type { Condition, Item, Scalar } from '#ports/item-store';
import { applyUpdate, conditionsHold, updateDataOf, whereOf, type Command } from './expressions.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

// The real SDK's command builder and serialisers, as a CloudBase function uses them.
const require = createRequire(import.meta.url);
const { Db } = require('@cloudbase/database');
const { QuerySerializer } = require('@cloudbase/database/dist/commonjs/serializer/query');
const { UpdateSerializer } = require('@cloudbase/database/dist/commonjs/serializer/update');
const { EJSON } = createRequire(require.resolve('@cloudbase/database'))('bson');
const _ = new Db({}).command as Command;

/** What the database decides for `where(filter)` on one document (MongoDB semantics, as the double). */
const serverMatches = (filter: unknown, doc: Record<string, unknown>) =>
  new Query(EJSON.parse(QuerySerializer.encodeEJSON(filter, false))).test(doc);

const scalar: fc.Arbitrary<Scalar> = fc.oneof(fc.constantFrom('x', 'y', ''), fc.integer({ min: -2, max: 2 }), fc.boolean(), fc.constant(null));
const path = fc.constantFrom('a', 'b');
const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.constant({ op: 'exists' as const }),
  path.map((p) => ({ op: 'attrExists' as const, path: p })),
  path.map((p) => ({ op: 'attrNotExists' as const, path: p })),
  fc.record({ op: fc.constantFrom('eq' as const, 'ne' as const), path, value: scalar }),
  // Range comparisons with null: MongoDB matches missing attributes, mingo does not; nobody needs them.
  fc.record({ op: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const), path, value: scalar.filter((v) => v !== null) }),
  fc.record({ op: fc.constant('in' as const), path, values: fc.array(scalar, { maxLength: 3 }) }),
);
const condition: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof({ depthSize: 'small' }, leaf, fc.record({ op: fc.constant('or' as const), conditions: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) })),
})).c;
const attributes = fc.record({ a: scalar, b: scalar }, { requiredKeys: [] });

describe('CloudBase conditions', () => {
  it('the adapter decides a condition on an item exactly as the database decides its where() filter', () => {
    fc.assert(
      fc.property(fc.array(condition, { maxLength: 3 }), attributes, (conditions, attrs) => {
        const item: Item = { pk: 'A#1', sk: 'S', ...attrs };
        const doc = { _id: 'A#1|S', ...item };
        expect(conditionsHold(conditions, item)).toBe(serverMatches(whereOf(_, doc._id, conditions), doc));
      }),
      { numRuns: 2000 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('an absent item: only notExists, attrNotExists, ne and null comparisons hold', () => {
    expect(conditionsHold([{ op: 'notExists' }, { op: 'attrNotExists', path: 'a' }, { op: 'ne', path: 'a', value: 1 }], undefined)).toBe(true);
    expect(conditionsHold([{ op: 'exists' }], undefined)).toBe(false);
    expect(conditionsHold([{ op: 'eq', path: 'a', value: 'x' }], undefined)).toBe(false);
    expect(conditionsHold([{ op: 'gte', path: 'a', value: 0 }], undefined)).toBe(false);
  });
});

describe('CloudBase updates', () => {
  it('the adapter computes the same item as the database applying the update document', () => {
    const value = fc.oneof(scalar, fc.array(fc.integer(), { maxLength: 2 }), fc.record({ x: fc.integer() }));
    const name = fc.constantFrom('a', 'b', 'c');
    fc.assert(
      fc.property(
        fc.record({ a: fc.integer(), b: value }, { requiredKeys: [] }),
        fc.dictionary(name, value, { maxKeys: 2 }),
        fc.dictionary(name, fc.integer({ min: -5, max: 5 }), { maxKeys: 2 }),
        fc.uniqueArray(name, { maxLength: 2 }),
        (attrs, set, inc, remove) => {
          // One operator per attribute, as both databases require; inc only where the value is a number.
          const incs = Object.fromEntries(Object.entries(inc).filter(([k]) => !(k in set) && (k === 'a' || k === 'c')));
          const removes = remove.filter((k) => !(k in set) && !(k in incs));
          const before: Item = { pk: 'A#1', sk: 'S', ...attrs };
          const update = { set, inc: incs, remove: removes };
          const data = updateDataOf(_, update);
          const expected = applyUpdate(before, before, update);
          if (!data) {
            expect(expected).toEqual(before);
            return;
          }
          const doc: Record<string, unknown> = structuredClone(before);
          const { update: apply } = require('mingo/updater');
          apply(doc, EJSON.parse(UpdateSerializer.encodeEJSON(data, false)));
          expect(doc).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('setIfAbsent keeps an existing value, inc starts from zero, and a missing item gets its key', () => {
    const key = { pk: 'A#1', sk: 'S' };
    expect(applyUpdate(undefined, key, { inc: { n: 2 }, setIfAbsent: { at: 'x' } })).toEqual({ ...key, n: 2, at: 'x' });
    expect(applyUpdate({ ...key, n: 1, at: 'old' }, key, { inc: { n: 2 }, setIfAbsent: { at: 'x' }, remove: ['n'] })).toEqual({ ...key, at: 'old' });
    expect(updateDataOf(_, { setIfAbsent: { at: 'x' }, set: { a: 1 } })).toBeUndefined();
  });
});
