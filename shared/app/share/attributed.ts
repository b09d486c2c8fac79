import type { Key } from '#ports/item-store';
import { queryAll } from '#ports/item-store';
import type { CutoffOrder } from '#domain/wave-reports';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';

/**
 * Orders and sales by the leader a share scene attributed them to (order.place `scene?`), for
 * the dashboard. Written by the cutoff beside each community's pick list, from the wave's
 * confirmed orders (`W#ATTR` / `<date>#<communityId>`: `{ byLeader: { <leaderId>: { orders,
 * gmvFen } } }`; a rerun rewrites the same item), read over a range by one query.
 */
const attributedKey = (date: string, communityId: string): Key => ({ pk: 'W#ATTR', sk: `${date}#${communityId}` });

export async function putAttributedPart(deps: Deps, date: string, communityId: string, orders: readonly CutoffOrder[]): Promise<void> {
  const byLeader: Record<string, { orders: number; gmvFen: number }> = {};
  for (const o of orders) {
    if (o.status !== 'CONFIRMED' || !o.attributedLeaderId) continue;
    const b = (byLeader[o.attributedLeaderId] ??= { orders: 0, gmvFen: 0 });
    b.orders += 1;
    b.gmvFen += o.lines.reduce((a, l) => a + l.paidFen, 0);
  }
  if (Object.keys(byLeader).length === 0) return;
  await deps.store.write({ type: 'put', item: { ...attributedKey(date, communityId), kind: 'attributed', date, communityId, byLeader } });
}

/** The dashboard's `attributed`: per attributed leader over the waves from `from` through `to`, most sales first. */
export async function attributedSummary(deps: Deps, from: string, to: string): Promise<{ leaderId: string; name?: string; orders: number; gmvFen: number }[]> {
  const parts = await queryAll(deps.store, { pk: 'W#ATTR', from: `${from}#`, to: `${to}#\uffff` });
  const sums = new Map<string, { orders: number; gmvFen: number }>();
  for (const p of parts)
    for (const [leaderId, b] of Object.entries((p.byLeader ?? {}) as Record<string, { orders: number; gmvFen: number }>)) {
      const s = sums.get(leaderId) ?? { orders: 0, gmvFen: 0 };
      s.orders += b.orders;
      s.gmvFen += b.gmvFen;
      sums.set(leaderId, s);
    }
  const leaders = sums.size ? await deps.store.getMany([...sums.keys()].map((id) => keys.leader(id))) : [];
  const names = new Map(leaders.map((l) => [String(l.pk).slice(2), typeof l.name === 'string' ? l.name : undefined]));
  return [...sums]
    .map(([leaderId, s]) => ({ leaderId, ...(names.get(leaderId) ? { name: names.get(leaderId)! } : {}), ...s }))
    .sort((a, b) => b.gmvFen - a.gmvFen || (a.leaderId < b.leaderId ? -1 : 1));
}
