import { queryAll } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { ratingsOfCommunity } from '../orders/keys.ts';

/**
 * The month's ratings of a community for the leader review (issue 17 item 8): how many, and how
 * many low (1–2 stars). One GSI1 range query on `RATINGS#<communityId>` by rating time.
 */
export async function monthlyRatings(deps: Deps, communityId: string, month: { start: string; end: string }): Promise<{ total: number; low: number }> {
  const items = await queryAll(deps.store, { ...ratingsOfCommunity(communityId), from: month.start, to: `${month.end}` });
  const inMonth = items.filter((r) => String(r.ratedAt) >= month.start && String(r.ratedAt) < month.end);
  return { total: inMonth.length, low: inMonth.filter((r) => Number(r.stars) <= 2).length };
}
