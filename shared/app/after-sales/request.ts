import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import type { WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { lostRace } from '../verify/retry.ts';
import { findOrder, orderKey } from '../orders/model.ts';
import {
  afterSalesFromItem,
  afterSalesIndex,
  afterSalesKey,
  askableQty,
  mergeLines,
  orderedQty,
  sameRevision,
  type AfterSales,
  type OrderWithAfterSales,
} from './model.ts';

const MAX_ATTEMPTS = 5;

export const AfterSalesInput = z.object({
  id: id(),
  lines: z
    .array(z.object({ productId: id(), qty: z.int().check(z.minimum(1), z.maximum(999)) }))
    .check(z.minLength(1), z.maxLength(50)),
  reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
});

/**
 * A customer asks for after-sales on a picked-up order within `afterSalesHours` (default 48)
 * of pickup. One write stores the request and claims the units on the order (so no unit is
 * asked for twice; the order's revision is the condition). A rejected unit may be asked for
 * once more (re-asked units are taken first from those rejected once); a unit rejected twice
 * is closed. No complaint is counted here: only an approval counts one (decide.ts).
 */
export async function requestAfterSales(
  deps: Deps,
  userId: string,
  input: z.infer<typeof AfterSalesInput>,
  /** Filed by the community's leader and confirmed by the customer (shared/app/workspace/assisted-after-sales.ts): recorded on the request, its ops in the same write. */
  assisted?: { leaderId: string; photos: string[]; ops: WriteOp[] },
): Promise<AfterSales> {
  // Steps: own order (else NOT_FOUND) → PICKED_UP and within the window (else INVALID_STATE) →
  // products of the order (else VALIDATION_FAILED), units not yet claimed (else INVALID_STATE)
  // → request + claim in one write.
  const ask = mergeLines(input.lines);
  for (let attempt = 1; ; attempt++) {
    const order = (await findOrder(deps, input.id)) as OrderWithAfterSales | undefined;
    if (!order || order.userId !== userId) throw new AppError('NOT_FOUND', `order ${input.id} not found`);
    if ((order.status !== 'PICKED_UP' && order.status !== 'DELIVERED') || !order.pickedUpAt)
      throw new AppError('INVALID_STATE', `after-sales is for picked-up orders; this one is ${order.status}`, { status: order.status });
    const now = deps.clock.now();
    const until = Date.parse(order.pickedUpAt) + deps.settings.afterSalesHours * 3_600_000;
    if (now > until) throw new AppError('INVALID_STATE', `after-sales closed ${deps.settings.afterSalesHours} hours after pickup`, { until: toBizIso(until) });

    const claimed = { ...(order.claimedQty ?? {}) };
    const once = { ...(order.rejectedOnceQty ?? {}) };
    const reasked: Record<string, number> = {};
    const issues = ask.flatMap((l, i) => (orderedQty(order, l.productId) === 0 ? [{ path: `lines.${i}.productId`, message: 'not in this order' }] : []));
    if (issues.length) throw new AppError('VALIDATION_FAILED', 'a product is not in this order', { issues });
    for (const l of ask) {
      const left = askableQty(order, l.productId);
      if (l.qty > left) throw new AppError('INVALID_STATE', `only ${left} of ${l.productId} can still be asked for`, { productId: l.productId, remaining: left });
      claimed[l.productId] = (claimed[l.productId] ?? 0) + l.qty;
      const again = Math.min(l.qty, once[l.productId] ?? 0);
      if (again > 0) {
        reasked[l.productId] = again;
        once[l.productId] = (once[l.productId] ?? 0) - again;
      }
    }

    const record: AfterSales = {
      id: deps.ids.newId(),
      orderId: order.id,
      orderShortNo: order.shortNo,
      communityId: order.communityId,
      waveDate: order.waveDate,
      userId,
      ...(order.pickedUpBy ? { leaderId: order.pickedUpBy } : {}),
      lines: ask.map((l) => ({ ...l, title: order.lines.find((x) => x.productId === l.productId)!.title })),
      reason: input.reason,
      status: 'PENDING',
      createdAt: toBizIso(now),
      ...(Object.keys(reasked).length ? { reaskedQty: reasked } : {}),
      ...(assisted ? { assistedBy: assisted.leaderId, photos: assisted.photos } : {}),
    };
    const ops: WriteOp[] = [
      { type: 'put', item: { ...afterSalesKey(record.id), ...afterSalesIndex(record), ...record }, when: [{ op: 'notExists' }] },
      {
        type: 'update',
        key: orderKey(order),
        update: { set: { claimedQty: claimed, rejectedOnceQty: once, afterSalesRev: (order.afterSalesRev ?? 0) + 1 } },
        when: [{ op: 'eq', path: 'status', value: order.status }, sameRevision(order)],
      },
      ...(assisted?.ops ?? []),
    ];
    try {
      await deps.store.transact(ops);
      return record;
    } catch (e) {
      // The order's after-sales state moved under us (another request or a decision): read again.
      if (!lostRace(e) || attempt >= MAX_ATTEMPTS) throw e;
    }
  }
}

/** POST /orders/{id}/after-sales (order function). */
export const afterSalesCommand = defineCommand({
  name: 'order.afterSales',
  roles: ['customer'],
  input: AfterSalesInput,
  http: { method: 'POST', path: '/orders/{id}/after-sales' },
  async run(ctx, input) {
    return requestAfterSales(ctx.deps, userOf(ctx).userId, input);
  },
});

export { afterSalesFromItem };
