import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PickList } from '#domain/wave-reports';
import { chunkPickList, joinPickChunks } from './pick-chunks.ts';
import { PROPERTY_TIMEOUT_MS } from '#test/property';

const label = (i: number, lines: number) => ({
  shortNo: String(i).padStart(6, '0'),
  contactName: '张*',
  phoneTail: '5678',
  pickupCode: '12345678',
  lines: Array.from({ length: lines }, (_, k) => ({ title: `商品${k}号 五常大米 5kg`, qty: k + 1 })),
});

const list = (labels: number, lines = 3): PickList => ({
  communityId: 'c-1',
  name: '徐家汇花园',
  products: [{ productId: 'p-rice', title: '五常大米 5kg', qty: labels }],
  labels: Array.from({ length: labels }, (_, i) => label(i, lines)),
});

describe('pick list chunks', () => {
  it('a small list is one chunk', () => {
    const chunks = chunkPickList(list(100));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ chunk: 0, chunks: 1, labels: expect.any(Array) });
  });

  it('a large list is split under the size limit and joins back in order', () => {
    const big = list(5000, 8);
    const chunks = chunkPickList(big);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(Buffer.byteLength(JSON.stringify(c))).toBeLessThan(300_000);
    expect(chunks.slice(1).every((c) => c.products.length === 0)).toBe(true);
    expect(joinPickChunks([...chunks].reverse())).toEqual(big);
  });

  it('splitting is deterministic and lossless for any list and limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 50, max: 3000 }), (n, lines, max) => {
        const l = list(n, lines);
        const a = chunkPickList(l, max);
        expect(chunkPickList(l, max)).toEqual(a);
        expect(joinPickChunks(a)).toEqual(l);
        expect(a.every((c) => c.chunks === a.length)).toBe(true);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('a missing chunk is noticed', () => {
    const chunks = chunkPickList(list(2000, 8));
    expect(joinPickChunks(chunks.slice(0, -1))).toBeUndefined();
  });

  it('a stale chunk beyond the count is ignored', () => {
    const l = list(3);
    const chunks = chunkPickList(l);
    expect(joinPickChunks([...chunks, { ...chunks[0]!, chunk: 5, labels: [label(99, 1)] }])).toEqual(l);
  });
});
