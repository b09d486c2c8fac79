import { webhookEvents } from '../webhooks/emit.ts';
import * as z from 'zod/mini';
import { bizDateSchema, id, isoTime } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, queryAll, TransactionCancelled, type Item, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { outboxOp } from '../outbox.ts';
import { listCommunities, type Community } from '../catalog/communities.ts';
import { orderFromItem, orderKey, type Order } from '../orders/model.ts';
import { deliveryKeys } from '../delivery/keys.ts';
import { statusAsRead, withEffectiveStatus } from '../orders/effective.ts';

export const LateInput = z.object({
  date: bizDateSchema(),
  requestId: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/)),
  routeId: z.optional(id()),
  newArrivalAt: isoTime(),
  reason: z.string().check(z.minLength(1), z.maxLength(40)),
});
type LateInput = z.infer<typeof LateInput>;

export interface LateResult {
  /** Confirmed orders of the route or wave (pickup and delivery) given the new arrival time. */
  orders: number;
  /** Leaders of their communities told. */
  leaders: number;
}

const fingerprint = (i: LateInput) => JSON.stringify([i.routeId ?? null, toBizIso(Date.parse(i.newArrivalAt)), i.reason]);

/**
 * A late route or wave (DESIGN.md §13, 五.1 时效): warehouse staff post a new arrival time and a
 * reason. Every CONFIRMED order of the route's communities (of every community without
 * `routeId`) gets `arrivalAt` = the new time; each affected customer gets ONE `lateNotice` push
 * (whatever the number of their orders) and the leader of each affected community ONE
 * `lateNoticeLeader` — through the outbox, so subscription quota decides at send time like every
 * push. The community wave keeps `lateArrivalAt`: a deadline computed at arrival starts from it
 * when the leader confirms earlier (verify/arrival.ts), so the deadlines move by the delay.
 *
 * Idempotent per requestId: the record `W#<date>` / `LATE#<requestId>` keeps the input's
 * fingerprint and the first answer; a repeat answers it and writes nothing, another input →
 * INVALID_STATE. Every write is idempotent too (the same `arrivalAt`, pushes deduplicated by
 * requestId and recipient), so a retry after a crash halfway finishes the job without a second
 * push.
 */
export async function markLate(deps: Deps, input: LateInput, by: string): Promise<LateResult> {
  // Steps: replay → new time ahead → communities (route known) → confirmed orders → per customer:
  // the orders' new time and the push in one write → per community: the wave's late time and the
  // leader's push → the record.
  const recordKey = deliveryKeys.lateRequest(input.date, input.requestId);
  const hash = fingerprint(input);
  const known = await deps.store.get(recordKey, { consistent: true });
  if (known) {
    if (known.hash !== hash) throw new AppError('INVALID_STATE', 'this requestId was used for another late notice', { requestId: input.requestId });
    return known.result as LateResult;
  }
  const newAt = Date.parse(input.newArrivalAt);
  if (newAt <= deps.clock.now())
    throw new AppError('VALIDATION_FAILED', 'the new arrival time has passed', { issues: [{ path: 'newArrivalAt', message: 'must be in the future' }] });
  const newArrivalAt = toBizIso(newAt);

  const communities = (await listCommunities(deps)).filter((c) => !input.routeId || c.routeId === input.routeId);
  if (input.routeId && communities.length === 0) throw new AppError('NOT_FOUND', `route ${input.routeId} not found`, { routeId: input.routeId });

  const affected: { community: Community; orders: Order[] }[] = [];
  for (const community of communities) {
    const orders = (await withEffectiveStatus(deps, (await queryAll(deps.store, { ...keys.ordersOfWave(community.id, input.date), consistent: true })).map(orderFromItem))).filter(
      (o) => o.status === 'CONFIRMED',
    );
    if (orders.length) affected.push({ community, orders });
  }

  const byCustomer = new Map<string, { order: Order; community: Community }[]>();
  for (const { community, orders } of affected) for (const order of orders) byCustomer.set(order.userId, [...(byCustomer.get(order.userId) ?? []), { order, community }]);
  for (const [userId, own] of byCustomer) {
    const first = own[0]!;
    const pushId = `late#${input.date}#${input.requestId}#${userId}`;
    // The first order names the push (and its SMS) so that erasing the account finds them (privacy/commands.ts).
    const updates: WriteOp[] = own.map(({ order }, i) => ({
      type: 'update',
      key: orderKey(order),
      update: { set: { arrivalAt: newArrivalAt, ...(i === 0 ? { lateNotices: [...new Set([...((order as { lateNotices?: string[] }).lateNotices ?? []), pushId])] } : {}) } },
      // Still CONFIRMED: stored PAID (its wave was seen CLOSED) or a legacy stored CONFIRMED (orders/effective.ts).
      when: [statusAsRead('CONFIRMED')],
    }));
    const push = outboxOp(deps, {
      key: 'lateNotice',
      touser: userId,
      payload: { orderId: first.order.id, orderShortNo: first.order.shortNo, pickupPointName: first.community.name, newArrivalAt, reason: input.reason },
      dedupe: pushId,
    });
    await writeTogether(deps, [...updates, push]);
  }

  let leaders = 0;
  for (const { community, orders } of affected) {
    const wave: WriteOp = { type: 'update', key: keys.communityWave(community.id, input.date), update: { set: { lateArrivalAt: newArrivalAt, lateReason: input.reason, lateBy: by } } };
    const leader: Item | undefined = community.leaderId ? await deps.store.get(keys.leader(community.leaderId)) : undefined;
    const told = leader && leader.status !== 'removed' && typeof leader.openid === 'string';
    const ops: WriteOp[] = [wave];
    if (told) {
      leaders++;
      ops.push(
        outboxOp(deps, {
          key: 'lateNoticeLeader',
          touser: String(leader.openid),
          payload: { waveDate: input.date, pickupPointName: community.name, orderCount: orders.length, newArrivalAt, reason: input.reason },
          dedupe: `late#${input.date}#${input.requestId}#L#${community.id}`,
        }),
      );
    }
    await writeTogether(deps, ops);
  }

  const result: LateResult = { orders: affected.reduce((a, x) => a + x.orders.length, 0), leaders };
  const record: WriteOp = { type: 'put', item: { ...recordKey, hash, result, newArrivalAt, reason: input.reason, ...(input.routeId ? { routeId: input.routeId } : {}), by, at: toBizIso(deps.clock.now()) }, when: [{ op: 'notExists' }] };
  // Webhook deliveries of `delivery.late` in the same write as the record (shared/app/webhooks): once per requestId.
  const events = await webhookEvents(deps, 'delivery.late', { date: input.date, ...(input.routeId ? { routeId: input.routeId } : {}), newArrivalAt, reason: input.reason, ...result }, `${input.date}#${input.requestId}`);
  try {
    if (events.length) await deps.store.transact([record, ...events]);
    else await deps.store.write(record);
  } catch (e) {
    if (!(e instanceof ConditionFailed) && !(e instanceof TransactionCancelled)) throw e;
    // A concurrent twin finished first: its answer is the answer.
    const first = await deps.store.get(recordKey, { consistent: true });
    if (first?.hash !== hash) throw new AppError('INVALID_STATE', 'this requestId was used for another late notice', { requestId: input.requestId });
    return first.result as LateResult;
  }
  return result;
}

/**
 * The changes and their push in one write; when it is refused (the push is queued already by an
 * earlier try, or an order moved on from CONFIRMED meanwhile) each write goes alone, a refused
 * one skipped: the orders still CONFIRMED get the time, and a push is never queued twice.
 */
async function writeTogether(deps: Deps, ops: WriteOp[]): Promise<void> {
  // More than a transaction holds (a customer with very many orders in the wave): one by one, the push last.
  if (ops.length <= MAX_TOGETHER) {
    try {
      await deps.store.transact(ops);
      return;
    } catch (e) {
      if (!(e instanceof TransactionCancelled)) throw e;
    }
  }
  for (const op of ops) {
    try {
      await deps.store.write(op);
    } catch (e) {
      if (!(e instanceof ConditionFailed)) throw e;
    }
  }
}

const MAX_TOGETHER = 90;

/** POST /admin/waves/{date}/late: warehouse staff mark a route (or the whole wave) late. */
export const lateCommand = defineCommand({
  name: 'cutoff.late',
  roles: ['warehouse'],
  input: LateInput,
  http: { method: 'POST', path: '/admin/waves/{date}/late' },
  async run(ctx, input) {
    const by = ctx.caller.kind === 'user' ? `staff:${ctx.caller.userId}` : 'staff';
    return markLate(ctx.deps, input, by);
  },
});
