import { describe, expect, it } from 'vitest';
import type { Deps } from '../deps.ts';
import type { Item, Key } from '#ports/item-store';
import { WAITING_BATCH, waitingRead } from './sold-out.ts';

/** A store whose BatchGets are recorded and answered when the test says. */
function batchingStore(records: Item[]) {
  const sent: Key[][] = [];
  const answer: (() => void)[] = [];
  const store = {
    getMany: (keys: Key[]) => {
      sent.push(keys);
      return new Promise<Item[]>((resolve) => answer.push(() => resolve(records.filter((r) => keys.some((k) => k.pk === r.pk && k.sk === r.sk)))));
    },
  };
  return { deps: { store } as unknown as Deps, sent, answer };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('waitingRead: a flash sale’s waiting buyers’ replay checks, read together', () => {
  it('the keys asked at once go in one BatchGet; those asked meanwhile in the next, one at a time; each hears its own record', async () => {
    const { deps, sent, answer } = batchingStore([{ pk: 'REQ#u2#r', sk: 'REQ', orderId: 'o2' }]);
    const first = Array.from({ length: 3 }, (_, i) => waitingRead(deps, { pk: `REQ#u${i}#r`, sk: 'REQ' }));
    await tick();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.map((k) => k.pk)).toEqual(['REQ#u0#r', 'REQ#u1#r', 'REQ#u2#r']);
    // Asked while the first is under way: not sent until it is answered.
    const later = waitingRead(deps, { pk: 'REQ#u9#r', sk: 'REQ' });
    await tick();
    expect(sent).toHaveLength(1);
    answer[0]!();
    expect(await first[0]!.result).toBeUndefined();
    expect(await first[2]!.result).toMatchObject({ orderId: 'o2' });
    await tick();
    expect(sent).toHaveLength(2);
    expect(sent[1]!.map((k) => k.pk)).toEqual(['REQ#u9#r']);
    answer[1]!();
    expect(await later.result).toBeUndefined();
  });

  it(`at most ${WAITING_BATCH} keys to a BatchGet; a key dropped before it was sent is never read`, async () => {
    const { deps, sent, answer } = batchingStore([]);
    const reads = Array.from({ length: WAITING_BATCH + 5 }, (_, i) => waitingRead(deps, { pk: `REQ#w${i}#r`, sk: 'REQ' }));
    reads[WAITING_BATCH + 1]!.drop();
    expect(await reads[WAITING_BATCH + 1]!.result).toBeUndefined();
    await tick();
    expect(sent[0]).toHaveLength(WAITING_BATCH);
    answer[0]!();
    await tick();
    expect(sent[1]!.map((k) => k.pk)).toEqual([WAITING_BATCH, WAITING_BATCH + 2, WAITING_BATCH + 3, WAITING_BATCH + 4].map((i) => `REQ#w${i}#r`));
    answer[1]!();
    expect(await Promise.all(reads.map((r) => r.result))).toEqual(reads.map(() => undefined));
  });

  it('a failed BatchGet fails the reads it carried, and the next keys are still read', async () => {
    let calls = 0;
    const deps = { store: { getMany: async () => (++calls === 1 ? Promise.reject(new Error('throttled')) : [{ pk: 'REQ#b#r', sk: 'REQ' }]) } } as unknown as Deps;
    const a = waitingRead(deps, { pk: 'REQ#a#r', sk: 'REQ' });
    await expect(a.result).rejects.toThrow('throttled');
    const b = waitingRead(deps, { pk: 'REQ#b#r', sk: 'REQ' });
    expect(await b.result).toMatchObject({ pk: 'REQ#b#r' });
  });
});
