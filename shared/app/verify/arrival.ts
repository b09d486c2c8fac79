import * as z from 'zod/mini';
import { id, bizDateSchema } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, TransactionCancelled, queryAll } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import { orderFromItem, orderKey, type Order } from '../orders/model.ts';
import { requireCommunity } from '../catalog/communities.ts';
import { arrivedIndex } from './keys.ts';
import { pickupDaysFor, pickupDeadline } from '#domain/pickup-deadline';
import { requireLeaderOrStaff } from './leader.ts';
import { forEachLimit } from '../concurrency.ts';
import { confirmLaterArrival, firstDeliveryArrived, isLaterArrival, mixedArrivalDeadlines } from '../supply/deliveries.ts';
import { arrivesLaterOnly } from '#domain/deliveries';
import { keepConfirmedAt, statusAsRead, withEffectiveStatus } from '../orders/effective.ts';

export interface ArrivalResult {
  /** Orders of the wave that have arrived (a repeat answers the same number). */
  arrived: number;
  /** The deadline of orders without fresh lines (`pickupDays`). */
  pickupDeadline: string;
  /** The deadline of orders with a fresh line (`freshPickupDays`). */
  freshPickupDeadline: string;
}

/**
 * The goods of a community's wave reached the pickup point. Idempotent and resumable: the
 * arrival time is fixed on the community wave by the first confirmation, so a repeat (or a
 * retry after a crash halfway) gives every order the same deadline and skips the done ones.
 */
export async function confirmArrival(deps: Deps, input: { communityId: string; waveDate: string; by: string; arrivalDate?: string }): Promise<ArrivalResult> {
  // Steps: community exists → wave cut off (CLOSED) → arrival time fixed once → each CONFIRMED
  // order ARRIVED with its deadline and the customer's arrival notice in one write → count.
  const community = await requireCommunity(deps, input.communityId);
  if (isLaterArrival(input.waveDate, input.arrivalDate)) return confirmLaterArrival(deps, community, { ...input, arrivalDate: input.arrivalDate! }); // 隔日达
  const waveKey = keys.communityWave(input.communityId, input.waveDate);
  const now = toBizIso(deps.clock.now());
  let wave;
  try {
    wave = await deps.store.write({
      type: 'update',
      key: waveKey,
      update: { setIfAbsent: { arrivedAt: now, arrivedBy: input.by } },
      when: [{ op: 'eq', path: 'status', value: 'CLOSED' }],
    });
  } catch (e) {
    if (e instanceof ConditionFailed) throw new AppError('INVALID_STATE', `wave ${input.waveDate} has not been cut off yet`, { waveDate: input.waveDate });
    throw e;
  }
  const arrivedAt = Date.parse(String(wave!.arrivedAt));
  // A late notice (cutoff/late.ts) moves the deadlines: they count from its new time when that is later.
  const from = Math.max(arrivedAt, wave!.lateArrivalAt ? Date.parse(String(wave!.lateArrivalAt)) : 0);
  const deadlines = {
    regular: pickupDeadline(from, pickupDaysFor(deps.settings, []), deps.settings.pickupClosesAt, community.hours),
    fresh: pickupDeadline(from, pickupDaysFor(deps.settings, [{ fresh: true }]), deps.settings.pickupClosesAt, community.hours),
  };

  const orders = await withEffectiveStatus(deps, (await queryAll(deps.store, { ...keys.ordersOfWave(input.communityId, input.waveDate), consistent: true })).map(orderFromItem));
  await forEachLimit(
    orders.filter((o) => o.status === 'CONFIRMED' && !arrivesLaterOnly(o)), // a 隔日达-only order arrives with its own date
    8,
    (o) => markArrived(deps, o, { arrivedAt: toBizIso(arrivedAt), pickupDeadline: o.lines.some((l) => l.fresh) ? deadlines.fresh : deadlines.regular, pickupPointName: community.name, ...mixedArrivalDeadlines(deps, o, arrivedAt, community.hours) }),
  );

  const after = (await queryAll(deps.store, { ...keys.ordersOfWave(input.communityId, input.waveDate), consistent: true })).map(orderFromItem);
  return { arrived: after.filter((o) => o.arrivedAt).length, pickupDeadline: deadlines.regular, freshPickupDeadline: deadlines.fresh };
}

async function markArrived(deps: Deps, order: Order, at: { arrivedAt: string; pickupDeadline: string; pickupPointName: string; firstDeadline?: string }): Promise<void> {
  try {
    await deps.store.transact([
      {
        type: 'update',
        key: orderKey(order),
        update: { set: { status: 'ARRIVED', ...keepConfirmedAt(order), arrivedAt: at.arrivedAt, pickupDeadline: at.pickupDeadline, ...arrivedIndex({ id: order.id, pickupDeadline: at.pickupDeadline }), ...firstDeliveryArrived(order, { arrivedAt: at.arrivedAt, pickupDeadline: at.firstDeadline ?? at.pickupDeadline }) } },
        // CONFIRMED as read: stored PAID of the CLOSED wave, or a legacy stored CONFIRMED (orders/effective.ts).
        when: [statusAsRead(order.status)],
      },
      outboxOp(deps, {
        key: 'arrivalNotice',
        touser: order.userId,
        payload: { orderId: order.id, orderShortNo: order.shortNo, pickupPointName: at.pickupPointName, pickupCode: order.pickupCode ?? '-', pickupDeadline: at.firstDeadline ?? at.pickupDeadline },
        dedupe: `arrival#${order.id}`,
      }),
    ]);
  } catch (e) {
    // Another confirmation got there first (or the customer's order changed): nothing to do.
    if (e instanceof TransactionCancelled && e.failedAt() >= 0) return;
    throw e;
  }
}

/** POST /verify/arrival: the community's leader (or staff) confirms a wave's goods arrived. */
export const arrivalCommand = defineCommand({
  name: 'verify.arrival',
  roles: ['leader', 'owner', 'operations', 'warehouse'],
  input: z.object({ communityId: id(), waveDate: bizDateSchema(), arrivalDate: z.optional(bizDateSchema()) }),
  http: { method: 'POST', path: '/verify/arrival' },
  async run(ctx, input) {
    const leader = await requireLeaderOrStaff(ctx, input.communityId);
    return confirmArrival(ctx.deps, { ...input, by: leader?.leaderId ?? `staff:${ctx.caller.kind === 'user' ? ctx.caller.userId : ''}` });
  },
});
