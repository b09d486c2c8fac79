import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { orderView } from '../orders/model.ts';
import { requireCommunity } from '../catalog/communities.ts';
import { PICKUP_CODE, redeemPickupCode } from '../verify/redeem.ts';
import { requireLeaderOrStaff } from '../verify/leader.ts';

/**
 * POST /verify/deliver: a home delivery handed over with the customer's code (DESIGN.md §13).
 * The same atomic write as a pickup (verify/redeem.ts): the ARRIVED order becomes DELIVERED
 * exactly once (a repeat → ALREADY_DONE), the community leader's commission accrues (settlement
 * treats DELIVERED like PICKED_UP: `pickedUpAt` is set too) and the customer's points are
 * credited. The community's leader, or staff delivering for them (a rider: owner, operations,
 * warehouse — the commission still goes to the community's leader). A pickup order's code →
 * INVALID_STATE (`details.reason: "NOT_DELIVERY"`).
 */
export const deliverCommand = defineCommand({
  name: 'verify.deliver',
  roles: ['leader', 'owner', 'operations', 'warehouse'],
  input: z.object({ communityId: id(), code: z.string().check(z.regex(PICKUP_CODE, 'expected an 8-digit pickup code')) }),
  http: { method: 'POST', path: '/verify/deliver' },
  async run(ctx, input) {
    const leader = await requireLeaderOrStaff(ctx, input.communityId);
    let leaderId = leader?.leaderId;
    if (!leaderId) {
      leaderId = (await requireCommunity(ctx.deps, input.communityId)).leaderId;
      if (!leaderId) throw new AppError('INVALID_STATE', 'the community has no leader to credit', { communityId: input.communityId });
    }
    const order = await redeemPickupCode(ctx.deps, { leaderId }, input.communityId, input.code, 'DELIVERED', (o) => {
      if (!o.delivery) throw new AppError('INVALID_STATE', `order ${o.shortNo} is picked up, not delivered`, { orderId: o.id, reason: 'NOT_DELIVERY' });
    });
    return orderView(ctx.deps, order, 'leader');
  },
});
