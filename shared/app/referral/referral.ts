import { toBizIso, bizDate } from '#domain/time';
import { TransactionCancelled, queryAll, type Item, type WriteOp } from '#ports/item-store';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { keys, ordersOfUser } from '../keys.ts';
import { findOrder, orderFromItem, type Order } from '../orders/model.ts';
import { erasedMarkOf, privacyKeys } from '../privacy/keys.ts';
import { sceneContent, storeScene } from '../share/scenes.ts';
import { inviteCodeOf, inviterOfCode } from './codes.ts';
import { inviteeRefOf, referralKeys } from './keys.ts';

/** What a sign-in through a scene did about an invite (`invite` of the sign-in answer). */
export type InviteOutcome = 'BOUND' | 'NO_INVITE' | 'SELF' | 'EXISTING' | 'ALREADY_BOUND' | 'NOT_FIRST_SIGN_IN';

/**
 * Binds a customer to the inviter of the scene their FIRST sign-in came through, once: the
 * binding (`REF#BY`, conditional), the inviter's invitee entry and the invitee's new-user
 * reward (`referral.inviteePoints`) in one transaction. Refused for one's own code, and for an
 * account that is not new: orders before, a first-order claim, or an erased account signing up
 * again (the salted openid mark of shared/app/privacy).
 */
export async function bindInvite(deps: Deps, inviteeId: string, scene: string): Promise<InviteOutcome> {
  const content = await sceneContent(deps, scene);
  if (!content?.inviterCode) return 'NO_INVITE';
  const inviterId = await inviterOfCode(deps, content.inviterCode);
  if (!inviterId) return 'NO_INVITE';
  if (inviterId === inviteeId) return 'SELF';
  const [profile, erased, orders] = await Promise.all([
    deps.store.get(keys.user(inviteeId), { consistent: true }),
    deps.store.get(privacyKeys.erased(erasedMarkOf(deps, inviteeId))),
    deps.store.query({ ...ordersOfUser(inviteeId), limit: 1 }),
  ]);
  if (profile?.invitedBy) return 'ALREADY_BOUND';
  if (erased || profile?.returning || profile?.firstPaidOrderId || profile?.firstOrderClaimedBy || orders.items.length > 0) return 'EXISTING';
  const joinedAt = toBizIso(deps.clock.now());
  const points = deps.settings.referral.inviteePoints;
  const ops: WriteOp[] = [
    { type: 'put', item: { ...referralKeys.binding(inviteeId), inviterId, inviterCode: content.inviterCode, joinedAt, ...(points > 0 ? { inviteePoints: points } : {}) }, when: [{ op: 'notExists' }] },
    { type: 'put', item: { ...referralKeys.invitee(inviterId, inviteeRefOf(deps, inviteeId)), joinedAt, rewarded: false }, when: [{ op: 'notExists' }] },
    {
      type: 'update',
      key: keys.user(inviteeId),
      update: { set: { invitedBy: inviterId }, ...(points > 0 ? { inc: { points } } : {}) },
      when: [
        { op: 'attrNotExists', path: 'invitedBy' },
        { op: 'attrNotExists', path: 'firstPaidOrderId' },
        { op: 'attrNotExists', path: 'firstOrderClaimedBy' },
      ],
    },
  ];
  try {
    await deps.store.transact(ops);
    return 'BOUND';
  } catch (e) {
    if (!(e instanceof TransactionCancelled)) throw e;
    return (await deps.store.get(referralKeys.binding(inviteeId), { consistent: true })) ? 'ALREADY_BOUND' : 'EXISTING';
  }
}

export type RewardOutcome = 'REWARDED' | 'CAPPED' | 'NOT_INVITED' | 'ALREADY_DONE' | 'SELF';

/** The calendar month (Asia/Shanghai) of a time: `YYYY-MM`. */
const monthOf = (ms: number) => bizDate(ms).slice(0, 7);

/**
 * The inviter's reward when an invitee's order is picked up (called by verify.redeem after the
 * pickup is written). Decided by the database once per invitee: the binding's `rewardOrderId`
 * is set only if absent and the reward item is put only if absent, in one transaction with the
 * month's counter (`REF#CAP#<month>`, never above `referral.monthlyCapPerInviter`) and the
 * reward itself (points, or the setting's coupon; a coupon the inviter already holds unused is
 * given as points instead). Past the cap the invitee is settled without a reward.
 */
export async function rewardInviterOnPickup(deps: Deps, order: Pick<Order, 'id' | 'userId' | 'contactMasked'>, attempt = 1): Promise<RewardOutcome> {
  const binding = await deps.store.get(referralKeys.binding(order.userId), { consistent: true });
  if (!binding) return 'NOT_INVITED';
  if (binding.rewardOrderId) return 'ALREADY_DONE';
  const inviterId = String(binding.inviterId);
  if (inviterId === order.userId) return 'SELF';
  const ref = inviteeRefOf(deps, order.userId);
  const now = deps.clock.now();
  const at = toBizIso(now);
  const month = monthOf(now);
  const s = deps.settings.referral;
  const claim: WriteOp = {
    type: 'update',
    key: referralKeys.binding(order.userId),
    update: { set: { rewardOrderId: order.id, rewardDecidedAt: at } },
    when: [{ op: 'exists' }, { op: 'attrNotExists', path: 'rewardOrderId' }],
  };
  const capOp: WriteOp = {
    type: 'update',
    key: referralKeys.monthCap(inviterId, month),
    update: { inc: { count: 1 } },
    when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'count' }, { op: 'lte', path: 'count', value: s.monthlyCapPerInviter - 1 }] }],
  };
  const rewardId = `referral-${ref}`;
  const coupon = s.inviterReward === 'coupon' && s.inviterRewardCouponId ? s.inviterRewardCouponId : undefined;
  for (const kind of coupon ? (['coupon', 'points'] as const) : (['points'] as const)) {
    const reward = kind === 'coupon' ? { kind, couponId: coupon! } : { kind, amount: s.inviterRewardPoints };
    const grant: WriteOp =
      kind === 'coupon'
        ? {
            type: 'put',
            item: { ...keys.userCoupon(inviterId, coupon!), couponId: coupon!, status: 'available', grantedAt: at, grantedFor: rewardId },
            when: [{ op: 'or', conditions: [{ op: 'notExists' }, { op: 'ne', path: 'status', value: 'available' }] }],
          }
        : { type: 'update', key: keys.user(inviterId), update: { inc: { points: s.inviterRewardPoints }, setIfAbsent: { id: inviterId } } };
    const ops: WriteOp[] = [
      claim,
      capOp,
      { type: 'put', item: { ...referralKeys.reward(inviterId, ref), at, month, orderId: order.id, inviteeRef: ref, ...reward }, when: [{ op: 'notExists' }] },
      { type: 'update', key: referralKeys.invitee(inviterId, ref), update: { set: { rewarded: true, rewardedAt: at, name: order.contactMasked } } },
      grant,
    ];
    try {
      await deps.store.transact(ops);
      return 'REWARDED';
    } catch (e) {
      if (!(e instanceof TransactionCancelled)) throw e;
      const failed = e.failedAt();
      // A write-write conflict outlasting the store's retries: read again and decide anew.
      if (failed === -1 && attempt < 4) return rewardInviterOnPickup(deps, order, attempt + 1);
      if (failed === 0 || failed === 2) return 'ALREADY_DONE';
      if (failed === 4 && kind === 'coupon') continue; // holds the coupon unused: points instead
      if (failed !== 1) throw e;
      // Past this month's cap: the invitee is settled, without a reward.
      try {
        await deps.store.transact([claim, { type: 'update', key: referralKeys.invitee(inviterId, ref), update: { set: { capped: true, name: order.contactMasked } } }]);
        return 'CAPPED';
      } catch (again) {
        if (again instanceof TransactionCancelled) return 'ALREADY_DONE';
        throw again;
      }
    }
  }
  return 'ALREADY_DONE';
}

/** Best effort after a pickup: a failure is logged and never fails the pickup. */
export async function rewardInviterAfterPickup(deps: Deps, order: Pick<Order, 'id' | 'userId' | 'contactMasked'>): Promise<void> {
  try {
    await rewardInviterOnPickup(deps, order);
  } catch (e) {
    logger.error('referral reward failed', { orderId: order.id, error: e instanceof Error ? e.name : 'unknown' });
  }
}

/** What an order's refunds have given back (failed or closed refunds gave nothing). */
const refundedFen = (o: Order) => (o.refunds ?? []).filter((r) => r.status !== 'FAILED' && r.status !== 'CLOSED').reduce((a, r) => a + r.amountFen, 0);

/**
 * Takes back the inviter's reward when the order that earned it is refunded in full (called
 * after every refund is recorded): the reward is marked `reversed` once (conditional), the
 * month's slot is given back, the points are taken back (never below zero: what is left) or the
 * granted coupon is withdrawn while unused. An order that earned nothing changes nothing.
 */
export async function reverseReferralOnRefund(deps: Deps, orderId: string): Promise<'REVERSED' | 'UNCHANGED'> {
  const order = await findOrder(deps, orderId);
  if (!order) return 'UNCHANGED';
  const binding = await deps.store.get(referralKeys.binding(order.userId), { consistent: true });
  if (binding?.rewardOrderId !== order.id) return 'UNCHANGED';
  const paid = order.amounts.payableFen + Number((order.amounts as { balanceFen?: number }).balanceFen ?? 0);
  if (refundedFen(order) < paid) return 'UNCHANGED';
  const inviterId = String(binding.inviterId);
  const ref = inviteeRefOf(deps, order.userId);
  for (let attempt = 1; attempt <= 5; attempt++) {
    const reward = await deps.store.get(referralKeys.reward(inviterId, ref), { consistent: true });
    if (!reward || reward.reversed) return 'UNCHANGED';
    const at = toBizIso(deps.clock.now());
    const ops: WriteOp[] = [
      { type: 'update', key: referralKeys.reward(inviterId, ref), update: { set: { reversed: true, reversedAt: at } }, when: [{ op: 'attrNotExists', path: 'reversed' }] },
      { type: 'update', key: referralKeys.invitee(inviterId, ref), update: { set: { reversed: true } } },
      { type: 'update', key: referralKeys.monthCap(inviterId, String(reward.month)), update: { inc: { count: -1 } }, when: [{ op: 'gte', path: 'count', value: 1 }] },
    ];
    if (reward.kind === 'points') {
      const profile = await deps.store.get(keys.user(inviterId), { consistent: true });
      const take = Math.min(Number(reward.amount ?? 0), Number(profile?.points ?? 0));
      if (take > 0) ops.push({ type: 'update', key: keys.user(inviterId), update: { inc: { points: -take } }, when: [{ op: 'gte', path: 'points', value: take }] });
      ops[0] = { ...ops[0]!, update: { set: { reversed: true, reversedAt: at, takenBack: take } } } as WriteOp;
    } else if (reward.kind === 'coupon') {
      const held = await deps.store.get(keys.userCoupon(inviterId, String(reward.couponId)), { consistent: true });
      const unused = held?.status === 'available' && held.grantedFor === `referral-${ref}`;
      if (unused)
        ops.push({ type: 'delete', key: keys.userCoupon(inviterId, String(reward.couponId)), when: [{ op: 'eq', path: 'status', value: 'available' }, { op: 'eq', path: 'grantedFor', value: `referral-${ref}` }] });
      ops[0] = { ...ops[0]!, update: { set: { reversed: true, reversedAt: at, takenBack: unused } } } as WriteOp;
    }
    try {
      await deps.store.transact(ops);
      return 'REVERSED';
    } catch (e) {
      if (!(e instanceof TransactionCancelled)) throw e;
      // Points spent meanwhile or a concurrent reversal: read again.
    }
  }
  logger.error('referral reversal not written', { orderId });
  return 'UNCHANGED';
}

/** Best effort after a refund is recorded: a failure is logged and never fails the refund. */
export async function reverseReferralAfterRefund(deps: Deps, orderId: string): Promise<void> {
  try {
    await reverseReferralOnRefund(deps, orderId);
  } catch (e) {
    logger.error('referral reversal failed', { orderId, error: e instanceof Error ? e.name : 'unknown' });
  }
}

/** GET /me/invites: the caller's invite code and scene, invitees (masked) and rewards. */
export async function invitesOf(deps: Deps, userId: string) {
  const code = await inviteCodeOf(deps, userId);
  const latest = await deps.store.query({ ...ordersOfUser(userId), descending: true, limit: 1 });
  const communityId = latest.items[0] ? orderFromItem(latest.items[0]).communityId : undefined;
  const scene = await storeScene(deps, { ...(communityId ? { communityId } : {}), inviterCode: code });
  const [invitees, rewards] = await Promise.all([queryAll(deps.store, referralKeys.invitees(userId)), queryAll(deps.store, referralKeys.rewards(userId))]);
  return {
    code,
    scene,
    invitees: invitees
      .map((i: Item) => ({ name: typeof i.name === 'string' ? i.name : '微信用户', joinedAt: String(i.joinedAt), rewarded: i.rewarded === true && i.reversed !== true }))
      .sort((a, b) => (a.joinedAt < b.joinedAt ? 1 : -1)),
    rewards: rewards
      .map((r: Item) => ({
        at: String(r.at),
        kind: r.kind as 'points' | 'coupon',
        ...(r.kind === 'points' ? { amount: Number(r.amount) } : {}),
        ...(r.kind === 'coupon' ? { couponId: String(r.couponId) } : {}),
        ...(r.reversed ? { reversed: true } : {}),
      }))
      .sort((a, b) => (a.at < b.at ? 1 : -1)),
  };
}
