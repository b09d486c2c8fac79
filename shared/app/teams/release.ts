import type { WriteOp } from '#ports/item-store';
import { keys } from '../keys.ts';
import type { Order } from '../orders/model.ts';
import { teamKeys, teamLimitScope } from './keys.ts';

/**
 * What a team order's placement held beside the order's own holds: the offer's stock, the
 * customer's limit in the offer and their place in the team (so they may join again after an
 * unpaid order expired). Part of `releaseOrderHoldsOps`, inside the transaction that moves the
 * order out of its status, so it happens once.
 */
export function teamReleaseOps(order: Pick<Order, 'team' | 'lines' | 'userId'>): WriteOp[] {
  if (!order.team) return [];
  const { offerId, teamId } = order.team;
  const line = order.lines[0]!;
  return [
    { type: 'update', key: teamKeys.offerStock(offerId), update: { inc: { sold: -line.qty } }, when: [{ op: 'gte', path: 'sold', value: line.qty }] },
    { type: 'update', key: keys.userLimit(order.userId, teamLimitScope(offerId), line.productId), update: { inc: { count: -line.qty } }, when: [{ op: 'gte', path: 'count', value: line.qty }] },
    { type: 'delete', key: teamKeys.member(teamId, order.userId) },
  ];
}
