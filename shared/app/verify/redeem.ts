import * as z from 'zod/mini';
import { id } from '#platform/schema';
import { defineCommand } from '#app/command';
import { AppError, isAppError } from '#domain/errors';
import { bizDate, toBizIso } from '#domain/time';
import { financeDayOp } from '../settle/finance.ts';
import type { WriteOp } from '#ports/item-store';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { ledgerEntryOps, type LedgerEntry } from '../ledger.ts';
import { orderFromItem, orderKey, orderView, type Order } from '../orders/model.ts';
import type { LeaderBinding } from '../users.ts';
import { pointsForFen, remainingLines } from '#domain/refund-share';
import { pickupGrowth } from '../wallet/levels.ts';
import { ARRIVED_INDEX_ATTRS } from './keys.ts';
import { requireLeaderOf } from './leader.ts';
import { lostRace } from './retry.ts';
import { assertNotRateLimited, countWrongCode } from './wrong-codes.ts';
import { rewardInviterAfterPickup } from '../referral/referral.ts';
import { assertTrainingRead } from '../workspace/announcements.ts';
import { pickupGrantOps } from '../coupons/centre.ts';
import { effectiveOne } from '../orders/effective.ts';

/** Pickup codes are 8 random digits (DESIGN.md §6). */
export const PICKUP_CODE = /^\d{8}$/;

/** Fields the verify and after-sales use cases add to the stored order. */
export type PickedUpOrder = Order & {
  /** Points credited at pickup (setting pointsPerYuanEarned), taken back in proportion on refund. */
  pointsEarned?: number;
  /** Marks which redeem attempt wrote the pickup, to recognise our own write after a lost answer. */
  pickupAttempt?: string;
};

/** The commission entry of a pickup; its id is derived from the order so it exists once. */
export function commissionEntry(order: Order, leaderId: string, at: string): LedgerEntry {
  // On what remains after staff unit refunds before pickup (none: the whole order).
  const left = remainingLines(order.lines, (order as { refundedQty?: Record<string, number> }).refundedQty ?? {});
  // A line refunded whole before pickup was not picked up: it earns nothing and is no statement line.
  const lines = order.lines
    .map((l, i) => ({
      productId: l.productId,
      title: l.title,
      qty: left[i]!.qty,
      paidFen: left[i]!.paidFen,
      rate: l.commissionRate,
      commissionFen: left[i]!.commissionFen,
    }))
    .filter((l) => l.qty > 0);
  return {
    id: `pickup-${order.id}`,
    leaderId,
    kind: 'commission',
    orderId: order.id,
    shortNo: order.shortNo,
    communityId: order.communityId,
    at,
    lines,
    amountFen: lines.reduce((a, l) => a + l.commissionFen, 0),
  };
}

function assertRedeemable(order: PickedUpOrder): void {
  if (order.status === 'PICKED_UP' || order.status === 'DELIVERED')
    throw new AppError('ALREADY_DONE', `order ${order.shortNo} was already picked up`, {
      orderId: order.id,
      pickedUpAt: order.pickedUpAt,
      pickedUpBy: order.pickedUpBy,
    });
  if (order.status !== 'ARRIVED') throw new AppError('INVALID_STATE', `order ${order.shortNo} is ${order.status}, not ARRIVED`, { orderId: order.id, status: order.status });
}

const MAX_ATTEMPTS = 5;

/**
 * Verifies a pickup code (核销). One atomic write turns the ARRIVED order PICKED_UP, accrues the
 * leader's commission (entry + pending balance) and credits the customer's points; the
 * order's status condition makes it happen exactly once, however many leaders' phones race.
 */
export async function redeemPickupCode(
  deps: Deps,
  leader: Pick<LeaderBinding, 'leaderId'>,
  communityId: string,
  code: string,
  /** DELIVERED: a home delivery handed over with the code (shared/app/delivery/deliver.ts checks the order first). */
  as: 'PICKED_UP' | 'DELIVERED' = 'PICKED_UP',
  check?: (order: PickedUpOrder) => void,
): Promise<PickedUpOrder> {
  // Steps: well-formed code → known code (an unknown one counts against the leader's minute:
  // NOT_FOUND, then RATE_LIMITED) → leader not rate limited → order ARRIVED (PICKED_UP →
  // ALREADY_DONE, else INVALID_STATE) → the pickup write → the order.
  if (!PICKUP_CODE.test(code))
    throw new AppError('VALIDATION_FAILED', 'a pickup code is 8 digits', { issues: [{ path: 'code', message: 'expected 8 digits' }] });
  const ref = await deps.store.get(keys.pickupCode(communityId, code));
  if (!ref) {
    await countWrongCode(deps, leader.leaderId);
    throw new AppError('NOT_FOUND', 'no order has this pickup code here', { code });
  }
  await assertNotRateLimited(deps, leader.leaderId);
  const key = keys.order(communityId, String(ref.waveDate), String(ref.orderId));

  for (let attempt = 1; ; attempt++) {
    const item = await deps.store.get(key, { consistent: true });
    if (!item) throw new AppError('NOT_FOUND', 'no order has this pickup code here', { code });
    const order = (await effectiveOne(deps, orderFromItem(item))) as PickedUpOrder;
    assertRedeemable(order);
    check?.(order);

    const now = toBizIso(deps.clock.now());
    const attemptId = deps.ids.newId();
    const keptFen = order.lines.reduce((a, l) => a + l.paidFen, 0) - ((order as { preRefundedFen?: number }).preRefundedFen ?? 0);
    // The customer's level: its points multiplier, and the growth this pickup adds (wallet/levels.ts).
    const growth = await pickupGrowth(deps, order, keptFen);
    const pointsEarned = Math.floor(pointsForFen(keptFen, deps.settings.pointsPerYuanEarned) * growth.pointsMultiplier);
    const entry = commissionEntry(order, leader.leaderId, now);
    const ops: WriteOp[] = [
      {
        type: 'update',
        key: orderKey(order),
        update: { set: { status: as, pickedUpAt: now, pickedUpBy: leader.leaderId, pickupAttempt: attemptId, pointsEarned, ...(as === 'DELIVERED' ? { deliveredAt: now } : {}) }, remove: ARRIVED_INDEX_ATTRS },
        when: [{ op: 'eq', path: 'status', value: 'ARRIVED' }],
      },
      ...ledgerEntryOps(deps, entry),
      financeDayOp(deps, bizDate(deps.clock.now()), { accruedFen: entry.amountFen }, order.id),
      ...growth.ops,
    ];
    if (pointsEarned > 0) ops.push({ type: 'update', key: keys.user(order.userId), update: { inc: { points: pointsEarned }, setIfAbsent: { id: order.userId } } });
    ops.push(...(await pickupGrantOps(deps, order))); // 复购券 (coupons/centre.ts)
    try {
      await deps.store.transact(ops);
      await rewardInviterAfterPickup(deps, order); // 老带新: the inviter's reward, once per invitee (shared/app/referral)
      return { ...order, status: as, pickedUpAt: now, pickedUpBy: leader.leaderId, pointsEarned, ...(as === 'DELIVERED' ? { deliveredAt: now } : {}) };
    } catch (e) {
      // Lost the race (condition or a conflict that outlasted the store's retries): read again.
      const after = await deps.store.get(key, { consistent: true });
      if (after?.pickupAttempt === attemptId) {
        await rewardInviterAfterPickup(deps, order);
        return orderFromItem(after) as PickedUpOrder;
      }
      if (attempt >= MAX_ATTEMPTS || !lostRace(e)) throw e;
    }
  }
}

/** POST /verify/redeem: the community's leader verifies one pickup code. */
export const redeemCommand = defineCommand({
  name: 'verify.redeem',
  roles: ['leader'],
  input: z.object({ communityId: id(), code: z.string().check(z.regex(PICKUP_CODE, 'expected an 8-digit pickup code')) }),
  http: { method: 'POST', path: '/verify/redeem' },
  async run(ctx, input) {
    const leader = await requireLeaderOf(ctx, input.communityId);
    await assertTrainingRead(ctx.deps, leader); // training before the first pickup (issue 17 item 4)
    const order = await redeemPickupCode(ctx.deps, leader, input.communityId, input.code);
    return orderView(ctx.deps, order, 'leader');
  },
});

/**
 * POST /verify/batch: several codes of one customer at once. Each code is its own atomic
 * redeem and fails on its own with its own error; a failed one changes nothing.
 */
export const batchCommand = defineCommand({
  name: 'verify.batch',
  roles: ['leader'],
  input: z.object({
    communityId: id(),
    codes: z.array(z.string().check(z.maxLength(32))).check(z.minLength(1), z.maxLength(20)),
  }),
  http: { method: 'POST', path: '/verify/batch' },
  async run(ctx, input) {
    const leader = await requireLeaderOf(ctx, input.communityId);
    await assertTrainingRead(ctx.deps, leader); // training before the first pickup (issue 17 item 4)
    const redeemed: ReturnType<typeof orderView>[] = [];
    const failed: { code: string; error: { code: string; message: string; details?: Record<string, unknown> } }[] = [];
    for (const code of input.codes) {
      try {
        redeemed.push(orderView(ctx.deps, await redeemPickupCode(ctx.deps, leader, input.communityId, code), 'leader'));
      } catch (e) {
        if (isAppError(e)) failed.push({ code, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });
        else {
          logger.error('batch redeem failed', { communityId: input.communityId, error: e instanceof Error ? e.name : 'unknown' });
          failed.push({ code, error: { code: 'INTERNAL', message: 'internal error' } });
        }
      }
    }
    return { redeemed, failed };
  },
});
