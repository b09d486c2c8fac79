import { describe, expect, it } from 'vitest';
import { fanOutOf, FANOUT_DEFAULTS, parsePart, partCount, partOf } from './parts.ts';

describe('fan-out parts', () => {
  it('a part is <index>/<count> with index < count', () => {
    expect(parsePart('0/1')).toEqual({ index: 0, count: 1 });
    expect(parsePart('3/4')).toEqual({ index: 3, count: 4 });
    for (const bad of ['4/4', '1/0', '-1/2', '1', 'a/b', '1/2/3', '12345/99999']) expect(() => parsePart(bad), bad).toThrow(/part must be/);
  });

  it('work splits into ceil(work / batch) parts, at least 1 and at most maxParts', () => {
    expect(partCount(101, 50, 64)).toBe(3);
    expect(partCount(100, 50, 64)).toBe(2);
    expect(partCount(0, 50, 64)).toBe(1);
    expect(partCount(10_000, 50, 64)).toBe(64);
    expect(partCount(10, 0, 64)).toBe(10);
  });

  it('every key belongs to one part of a count, the same on every call, and keys spread over the parts', () => {
    const keys = Array.from({ length: 4000 }, (_, i) => `c-${i}`);
    const parts = keys.map((k) => partOf(k, 4));
    expect(keys.map((k) => partOf(k, 4))).toEqual(parts);
    for (let p = 0; p < 4; p++) {
      const share = parts.filter((x) => x === p).length;
      expect(share).toBeGreaterThan(800);
      expect(share).toBeLessThan(1200);
    }
  });

  it('the configured sizing overrides the defaults field by field', () => {
    expect(fanOutOf({})).toEqual(FANOUT_DEFAULTS);
    expect(fanOutOf({ fanOut: { cutoffBatch: 1, maxParts: 4 } })).toEqual({ ...FANOUT_DEFAULTS, cutoffBatch: 1, maxParts: 4 });
  });
});
