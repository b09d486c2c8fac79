import { AppError } from '#domain/errors';
import { arrivesLaterOnly, planDeliveries, type Delivery } from '#domain/deliveries';
import { pickupDaysFor, pickupDeadline } from '#domain/pickup-deadline';
import { addDays, toBizIso } from '#domain/time';
import { ConditionFailed, TransactionCancelled, queryAll } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import { orderFromItem, orderKey, type Order, type OrderLine } from '../orders/model.ts';
import type { Community } from '../catalog/communities.ts';
import { arrivedIndex } from '../verify/keys.ts';
import { forEachLimit } from '../concurrency.ts';
import { keepConfirmedAt, statusAsRead, withEffectiveStatus } from '../orders/effective.ts';

/**
 * Deliveries by arrival date (次日达 / 隔日达, DESIGN.md §14): an order whose lines arrive on
 * different days carries `deliveries`; the wave's first arrival (verify.arrival as before)
 * arrives the first, a later `arrivalDate` the others, each with its own pickup deadline and
 * arrival notice.
 */

/** The order's `deliveries` field when its lines arrive on different days (placement). */
export function deliveriesOf(waveDate: string, lines: readonly Pick<OrderLine, 'productId' | 'arrivalDays'>[], arrivalTime: string): { deliveries?: Delivery[] } {
  const deliveries = planDeliveries(waveDate, lines, arrivalTime);
  return deliveries ? { deliveries } : {};
}

/** The first delivery of a mixed order marked arrived with the order's own deadline (set beside the order's ARRIVED). */
export function firstDeliveryArrived(order: Order, at: { arrivedAt: string; pickupDeadline: string }): { deliveries?: Delivery[] } {
  if (!order.deliveries?.length) return {};
  return { deliveries: order.deliveries.map((d, i) => (i === 0 ? { ...d, status: 'ARRIVED' as const, arrivedAt: at.arrivedAt, pickupDeadline: at.pickupDeadline } : d)) };
}

/**
 * At the first arrival of a mixed order: its first delivery's own deadline, and the order's
 * (what the overdue job reads): the latest of its deliveries', the later ones estimated from
 * their planned arrival until they arrive, so the order is not expired before its 隔日达 goods.
 */
export function mixedArrivalDeadlines(deps: Deps, order: Order, arrivedAt: number, hours: Community['hours']): { pickupDeadline: string; firstDeadline: string } | undefined {
  if (!order.deliveries?.length) return undefined;
  const fresh = (d: Delivery) => order.lines.some((l) => d.productIds.includes(l.productId) && l.fresh);
  const deadline = (at: number, d: Delivery) => pickupDeadline(at, pickupDaysFor(deps.settings, [{ fresh: fresh(d) }]), deps.settings.pickupClosesAt, hours);
  const [first, ...rest] = order.deliveries;
  const firstDeadline = deadline(arrivedAt, first!);
  const all = [firstDeadline, ...rest.map((d) => deadline(Math.max(arrivedAt, Date.parse(d.arrivalAt)), d))];
  return { firstDeadline, pickupDeadline: all.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)) };
}

/** Whether `arrivalDate` names a later delivery than the wave's first (the day after its cutoff). */
export const isLaterArrival = (waveDate: string, arrivalDate: string | undefined): boolean => arrivalDate !== undefined && arrivalDate !== addDays(waveDate, 1);

/**
 * A later delivery of a community's wave arrived: each order with a PENDING delivery of that
 * date gets it ARRIVED with its own deadline (its lines' pickup days from this arrival) and an
 * arrival notice, once. The arrival time is fixed on the community wave by the first
 * confirmation, so a repeat gives the same deadlines. The order's own deadline (what the
 * overdue job reads) moves to the latest delivery's.
 */
export async function confirmLaterArrival(deps: Deps, community: Community, input: { waveDate: string; arrivalDate: string; by: string }) {
  if (input.arrivalDate !== addDays(input.waveDate, 2))
    throw new AppError('VALIDATION_FAILED', 'arrivalDate is one or two days after the wave', { issues: [{ path: 'arrivalDate', message: 'expected the day after or two days after waveDate' }] });
  const attr = `arrivedAt${input.arrivalDate.replaceAll('-', '')}`;
  let wave;
  try {
    wave = await deps.store.write({
      type: 'update',
      key: keys.communityWave(community.id, input.waveDate),
      update: { setIfAbsent: { [attr]: toBizIso(deps.clock.now()) } },
      when: [{ op: 'eq', path: 'status', value: 'CLOSED' }],
    });
  } catch (e) {
    if (e instanceof ConditionFailed) throw new AppError('INVALID_STATE', `wave ${input.waveDate} has not been cut off yet`, { waveDate: input.waveDate });
    throw e;
  }
  const arrivedAt = Date.parse(String(wave![attr]));
  const deadlineFor = (fresh: boolean) => pickupDeadline(arrivedAt, pickupDaysFor(deps.settings, [{ fresh }]), deps.settings.pickupClosesAt, community.hours);
  const orders = await withEffectiveStatus(deps, (await queryAll(deps.store, { ...keys.ordersOfWave(community.id, input.waveDate), consistent: true })).map(orderFromItem));
  const due = orders.filter((o) => (o.status === 'CONFIRMED' || o.status === 'ARRIVED') && o.deliveries?.some((d) => d.arrivalDate === input.arrivalDate && d.status === 'PENDING'));
  await forEachLimit(due, 8, async (o) => {
    const delivery = o.deliveries!.find((d) => d.arrivalDate === input.arrivalDate)!;
    const fresh = o.lines.some((l) => delivery.productIds.includes(l.productId) && l.fresh);
    const deadline = deadlineFor(fresh);
    const deliveries = o.deliveries!.map((d) => (d === delivery ? { ...d, status: 'ARRIVED' as const, arrivedAt: toBizIso(arrivedAt), pickupDeadline: deadline } : d));
    const later = o.pickupDeadline === undefined || Date.parse(deadline) > Date.parse(o.pickupDeadline);
    // An order of 隔日达 lines only arrives now (as the first arrival does for the others).
    const arrives = o.status === 'CONFIRMED' && arrivesLaterOnly(o) ? { status: 'ARRIVED', ...keepConfirmedAt(o), arrivedAt: toBizIso(arrivedAt) } : undefined;
    try {
      await deps.store.transact([
        {
          type: 'update',
          key: orderKey(o),
          update: { set: { deliveries, ...arrives, ...(later && (arrives || o.status === 'ARRIVED') ? { pickupDeadline: deadline, ...arrivedIndex({ id: o.id, pickupDeadline: deadline }) } : {}) } },
          when: [statusAsRead(o.status)],
        },
        outboxOp(deps, {
          key: 'arrivalNotice',
          touser: o.userId,
          payload: { orderId: o.id, orderShortNo: o.shortNo, pickupPointName: community.name, pickupCode: o.pickupCode ?? '-', pickupDeadline: deadline },
          dedupe: `arrival#${o.id}#${input.arrivalDate}`,
        }),
      ]);
    } catch (e) {
      // The order changed meanwhile (or a concurrent confirmation did it): left to a repeat.
      if (e instanceof TransactionCancelled) return;
      throw e;
    }
  });
  const after = (await queryAll(deps.store, { ...keys.ordersOfWave(community.id, input.waveDate), consistent: true })).map(orderFromItem);
  return {
    arrived: after.filter((o) => o.deliveries?.some((d) => d.arrivalDate === input.arrivalDate && d.status === 'ARRIVED')).length,
    pickupDeadline: deadlineFor(false),
    freshPickupDeadline: deadlineFor(true),
  };
}
