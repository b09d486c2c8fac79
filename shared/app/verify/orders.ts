import * as z from 'zod/mini';
import { bizDateSchema } from '#platform/schema';
import { defineCommand } from '#app/command';
import { lastDueWaveDate } from '#domain/wave-clock';
import { queryAll } from '#ports/item-store';
import { keys } from '../keys.ts';
import { orderFromItem, orderView, type Order, type OrderStatus } from '../orders/model.ts';
import { requireLeaderOf } from './leader.ts';
import { withEffectiveStatus } from '../orders/effective.ts';

const STATUSES = ['PAID', 'CONFIRMED', 'ARRIVED', 'PICKED_UP', 'DELIVERED', 'CANCELLED', 'EXPIRED'] as const satisfies readonly OrderStatus[];

/** Product totals of a list of orders (what the delivery brings), in order of first appearance. */
export function productSummary(orders: readonly Order[]) {
  const items = new Map<string, { productId: string; title: string; qty: number }>();
  for (const o of orders)
    for (const l of o.lines) {
      const it = items.get(l.productId) ?? { productId: l.productId, title: l.title, qty: 0 };
      it.qty += l.qty;
      items.set(l.productId, it);
    }
  return { orders: orders.length, items: [...items.values()] };
}

/**
 * GET /leader/orders: a wave's orders of the leader's own community, with masked contacts and
 * the product totals to expect. `waveDate` defaults to the last wave cut off (the one arriving
 * today); unpaid orders are never shown; `status` and `phoneTail` (the customer's lookup at the
 * counter) filter the list, and the summary counts what is listed, cancelled orders aside.
 */
export const leaderOrdersCommand = defineCommand({
  name: 'verify.orders',
  roles: ['leader'],
  input: z.object({
    waveDate: z.optional(bizDateSchema()),
    status: z.optional(z.enum(STATUSES)),
    phoneTail: z.optional(z.string().check(z.regex(/^\d{4}$/, 'expected the last 4 digits of a phone number'))),
  }),
  http: { method: 'GET', path: '/leader/orders' },
  async run(ctx, input) {
    // Steps: the caller's community → the wave's orders (one partition prefix) → filters → view.
    const { deps } = ctx;
    const leader = await requireLeaderOf(ctx);
    const waveDate = input.waveDate ?? lastDueWaveDate(deps.settings, deps.clock.now());
    const orders = (await withEffectiveStatus(deps, (await queryAll(deps.store, { ...keys.ordersOfWave(leader.communityId, waveDate), consistent: true })).map(orderFromItem)))
      .filter((o) => o.status !== 'PENDING_PAYMENT')
      .filter((o) => (input.status ? o.status === input.status : true))
      .filter((o) => (input.phoneTail ? o.phoneTail === input.phoneTail : true));
    return {
      waveDate,
      summary: productSummary(orders.filter((o) => o.status !== 'CANCELLED')),
      items: orders.map((o) => orderView(deps, o, 'leader')),
    };
  },
});
