import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed } from '#ports/item-store';
import { personName } from '../catalog/schemas.ts';
import { findOrder } from './model.ts';
import { orderKeys, ratingIndex } from './keys.ts';

/**
 * `POST /orders/{id}/rating` (DESIGN.md §13): the customer rates a picked-up order once, 1–5
 * stars with optional tags. Another customer's order is NOT_FOUND (its existence is not
 * revealed); an order not picked up yet is INVALID_STATE; a second rating is ALREADY_DONE
 * (the rating is a conditional put, so two racing requests store one).
 */
export const rateCommand = defineCommand({
  name: 'order.rate',
  roles: ['customer'],
  input: z.object({
    id: id(),
    stars: z.int().check(z.minimum(1), z.maximum(5)),
    tags: z._default(z.array(personName(20)).check(z.maxLength(5)), []),
  }),
  http: { method: 'POST', path: '/orders/{id}/rating' },
  async run(ctx, input) {
    // Steps: the caller's order → picked up → one conditional put.
    const { userId } = userOf(ctx);
    const order = await findOrder(ctx.deps, input.id);
    if (!order || order.userId !== userId) throw new AppError('NOT_FOUND', `order ${input.id} not found`);
    if (order.status !== 'PICKED_UP' && order.status !== 'DELIVERED') throw new AppError('INVALID_STATE', 'only a picked-up or delivered order can be rated', { status: order.status });
    const ratedAt = toBizIso(ctx.deps.clock.now());
    const rating = { orderId: order.id, stars: input.stars, tags: [...new Set(input.tags)], ratedAt };
    try {
      await ctx.deps.store.write({
        type: 'put',
        item: { ...orderKeys.rating(order.id), ...ratingIndex(order.communityId, ratedAt, order.id), ...rating, userId, communityId: order.communityId, waveDate: order.waveDate },
        when: [{ op: 'notExists' }],
      });
    } catch (e) {
      if (e instanceof ConditionFailed) throw new AppError('ALREADY_DONE', `order ${order.id} is already rated`, { orderId: order.id });
      throw e;
    }
    return rating;
  },
});
