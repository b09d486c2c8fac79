import * as z from 'zod/mini';
import { defineCommand } from '#app/command';
import { userOf } from '#platform/dispatch';
import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, queryAll, TransactionCancelled, type Item, type WriteOp } from '#ports/item-store';
import { DEV_SMS_PARTITION } from '#ports/sms';
import { DEV_SINK_PARTITION } from '#ports/message-sender';
import type { Deps } from '../deps.ts';
import { keys, ordersOfUser } from '../keys.ts';
import { orderFromItem, orderKey, orderView, type Order } from '../orders/model.ts';
import { rolesOf } from '../users.ts';
import { outboxKey } from '../outbox.ts';
import { afterSalesByStatus, afterSalesKey, AFTER_SALES_STATUSES } from '../after-sales/model.ts';
import { SMS_KINDS } from '../sms/fallback.ts';
import { smsEntryId } from '../sms/keys.ts';
import { destroyContactOps } from './contacts.ts';
import { forgetReferral } from '../referral/referral.ts';
import { referralKeys } from '../referral/keys.ts';
import { applicationsOf, forgetApplications } from '../workspace/applications.ts';
import { walletView } from '../wallet/balance.ts';
import { ERASED_USER, erasedMarkOf, privacyKeys } from './keys.ts';
import { forgetBoundCustomer } from '../customers.ts';
import { assertWalletErasable, eraseWalletRefs } from '../wallet/privacy.ts';
import { orderKeys } from '../orders/keys.ts';
import { listAddresses } from '../delivery/addresses.ts';
import { forgetTeamMemberships } from '../teams/privacy.ts';
import { withEffectiveStatus } from '../orders/effective.ts';

/**
 * The customer's personal-information rights (PIPL; DESIGN.md §15): SMS opt-out, export and
 * erasure of the account. Each acts on the caller only.
 */

/** `POST /me/sms { enabled }`: the customer takes SMS fallbacks (default) or not. */
export const smsPreferenceCommand = defineCommand({
  name: 'auth.smsPreference',
  roles: ['customer'],
  input: z.object({ enabled: z.boolean() }),
  http: { method: 'POST', path: '/me/sms' },
  async run(ctx, input) {
    const { userId } = userOf(ctx);
    const { deps } = ctx;
    const at = toBizIso(deps.clock.now());
    await deps.store.write({
      type: 'update',
      key: keys.user(userId),
      update: { set: { smsEnabled: input.enabled, smsPreferenceAt: at }, setIfAbsent: { id: userId, points: 0, createdAt: at } },
    });
    return { enabled: input.enabled };
  },
});

/** The caller's orders, read again from their partition (the GSI copy may lag). */
async function ordersOf(deps: Deps, userId: string): Promise<Order[]> {
  const listed = await queryAll(deps.store, ordersOfUser(userId));
  const items = await deps.store.getMany(listed.map((o) => keys.order(String(o.communityId), String(o.waveDate), String(o.id))));
  return withEffectiveStatus(deps, items.map(orderFromItem).filter((o) => o.userId === userId));
}

const strip = (item: Item) => {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, expiresAt, ...rest } = item;
  return rest;
};

/**
 * `GET /me/export`: everything held about the caller, as JSON — the profile, addresses (none are
 * stored yet: []), every order with its own contact opened, points, coupons, subscription quota,
 * SMS preference, after-sales requests, the ratings given; wallet and invites are [] until those features exist.
 */
export const exportCommand = defineCommand({
  name: 'auth.export',
  roles: ['customer'],
  input: z.object({}),
  http: { method: 'GET', path: '/me/export' },
  async run(ctx) {
    const { userId } = userOf(ctx);
    const { deps } = ctx;
    const own = await queryAll(deps.store, { ...keys.userItems(userId), consistent: true });
    const profileItem = own.find((it) => it.sk === 'PROFILE');
    const orders = await ordersOf(deps, userId);
    const couponItems = own.filter((it) => String(it.sk).startsWith('CPN#'));
    const defs = new Map((await deps.store.getMany(couponItems.map((c) => keys.coupon(String(c.couponId))))).map((d) => [String(d.id), strip(d)]));
    const afterSales = (await Promise.all(AFTER_SALES_STATUSES.map((s) => queryAll(deps.store, afterSalesByStatus(s))))).flat().filter((a) => a.userId === userId);
    const profile = profileItem ? strip(profileItem) : { id: userId };
    const ratings = orders.length ? await deps.store.getMany(orders.map((o) => orderKeys.rating(o.id))) : [];
    return {
      exportedAt: toBizIso(deps.clock.now()),
      profile: { ...profile, smsEnabled: profileItem?.smsEnabled !== false },
      addresses: (await listAddresses(deps, userId)).map((a) => ({ id: a.id, ...a.fields, createdAt: a.createdAt })),
      orders: orders.map((o) => orderView(deps, o, 'owner')),
      points: { balance: Number(profileItem?.points ?? 0), debt: Number(profileItem?.pointsDebt ?? 0) },
      coupons: couponItems.map((c) => ({ ...strip(c), terms: defs.get(String(c.couponId)) ?? null })),
      subscriptions: own.filter((it) => String(it.sk).startsWith('QUOTA#')).map((q) => ({ templateId: q.templateId, count: Number(q.count ?? 0) })),
      afterSales: afterSales.map(strip),
      wallet: await walletView(deps, userId),
      ratings: ratings.filter((r) => r.userId === userId).map(strip),
      // Read only (auth.invites would make an invite code for a customer without one).
      invites: {
        invitees: (await queryAll(deps.store, referralKeys.invitees(userId))).map(strip),
        rewards: (await queryAll(deps.store, referralKeys.rewards(userId))).map(strip),
      },
      leaderApplications: await applicationsOf(deps, userId),
    };
  },
});

/** States in which the account cannot be erased: the merchant still owes or is owed something. */
const OPEN = new Set(['PENDING_PAYMENT', 'PAID', 'CONFIRMED', 'ARRIVED', 'TEAM_PENDING']);
const DONE = ['PICKED_UP', 'DELIVERED', 'CANCELLED', 'EXPIRED'];
const sum = (r: Record<string, number> | undefined) => Object.values(r ?? {}).reduce((a, b) => a + Number(b), 0);
/** Units asked for in a pending request (claimed = pending + approved; approved are refunded). */
const inAfterSales = (o: Order & { claimedQty?: Record<string, number>; refundedQty?: Record<string, number> }) => sum(o.claimedQty) > sum(o.refundedQty);

/**
 * `POST /me/delete { confirm: "DELETE" }`: erases the account. Refused (INVALID_STATE, nothing
 * changed) while an order is unpaid, paid and not yet picked up, or in after-sales, and for a
 * leader or staff member (closed by staff). Otherwise:
 * 1. a keyed hash of the openid is kept (`ERASED#<hash>`), so signing in again makes a new
 *    customer without the new-user coupons or the first-order discount;
 * 2. every order is anonymised, one transaction each, conditioned on a finished state: sealed
 *    contact, masked name, phone tail and the customer's index removed, `userId` → "erased"
 *    (amounts, lines and refunds stay for the merchant's accounts, finance counters untouched);
 *    the phone's blind-index item, the order reference's user, the idempotency record and the
 *    order's customer notices (push and SMS outbox entries) are deleted; after-sales requests
 *    lose the user and the free-text reason;
 * 3. everything in the user's partition is deleted: profile (points are forfeited), coupons,
 *    quota, limits, SMS counters; on the local stage also what the sinks recorded for them.
 * A retry after a failure carries on (each step is idempotent).
 */
export const deleteAccountCommand = defineCommand({
  name: 'auth.deleteAccount',
  roles: ['customer'],
  input: z.object({ confirm: z.literal('DELETE') }),
  http: { method: 'POST', path: '/me/delete' },
  async run(ctx) {
    const { userId } = userOf(ctx);
    const { deps } = ctx;
    const roles = await rolesOf(deps, userId);
    if (roles.leader || roles.roles.includes('staff'))
      throw new AppError('INVALID_STATE', 'a leader’s or staff member’s account is closed by staff, not here', {});
    const orders = await ordersOf(deps, userId);
    const open = orders.filter((o) => OPEN.has(o.status) || inAfterSales(o));
    if (open.length)
      throw new AppError('INVALID_STATE', 'the account cannot be deleted while an order is unpaid, waiting for pickup or in after-sales', {
        orders: open.map((o) => ({ id: o.id, status: o.status })),
      });
    await assertWalletErasable(deps, userId); // wallet/privacy.ts
    const at = toBizIso(deps.clock.now());
    await deps.store.write({ type: 'put', item: { ...privacyKeys.erased(erasedMarkOf(deps, userId)), at } });
    await forgetTeamMemberships(deps, userId, orders); // 拼团 member entries (teams/privacy.ts)
    for (const o of orders) await anonymise(deps, o, at);
    await eraseAfterSales(deps, userId);
    await forgetBoundCustomer(deps, userId); // the leader's customer list (customers.ts)
    await eraseWalletRefs(deps, userId); // growth counters, recharge and membership references (wallet/privacy.ts)
    await forgetReferral(deps, userId); // invite code index, the inviter's list (referral/referral.ts)
    await forgetApplications(deps, userId); // leader applications: pending and rejected deleted, approved ones anonymised (workspace/applications.ts)
    const own = await queryAll(deps.store, { ...keys.userItems(userId), consistent: true });
    // The profile last: a retry after a failure still finds the caller's partition.
    for (const it of own.sort((a, b) => (a.sk === 'PROFILE' ? 1 : b.sk === 'PROFILE' ? -1 : 0))) {
      if (String(it.sk).startsWith('R#')) continue;
      await deps.store.write({ type: 'delete', key: { pk: String(it.pk), sk: String(it.sk) } });
    }
    if (deps.devMode) await eraseSinks(deps, userId);
    return { deleted: true };
  },
});

async function anonymise(deps: Deps, o: Order, at: string): Promise<void> {
  const ops: WriteOp[] = destroyContactOps(deps, o, {
    masked: false,
    set: { userId: ERASED_USER, anonymisedAt: at },
    when: [
      { op: 'eq', path: 'userId', value: o.userId },
      { op: 'in', path: 'status', values: DONE },
      // No after-sales request since the check (every request bumps the revision).
      (o as { afterSalesRev?: number }).afterSalesRev === undefined
        ? { op: 'attrNotExists', path: 'afterSalesRev' }
        : { op: 'eq', path: 'afterSalesRev', value: (o as { afterSalesRev?: number }).afterSalesRev! },
    ],
  });
  const first = ops[0]!;
  if (first.type === 'update') first.update.remove = [...(first.update.remove ?? []), 'gsi1pk', 'gsi1sk'];
  ops.push({ type: 'update', key: keys.orderRef(o.id), update: { remove: ['userId'] } });
  ops.push({ type: 'delete', key: keys.idempotency(o.userId, o.requestId) });
  try {
    await deps.store.transact(ops);
  } catch (e) {
    if (e instanceof TransactionCancelled) throw new AppError('INVALID_STATE', 'an order changed while the account was being deleted; try again', { orderId: o.id });
    throw e;
  }
  // The order's rating stays for the leader review, without the customer.
  await deps.store
    .write({ type: 'update', key: orderKeys.rating(o.id), update: { set: { userId: ERASED_USER } }, when: [{ op: 'eq', path: 'userId', value: o.userId }] })
    .catch((e) => {
      if (!(e instanceof ConditionFailed)) throw e;
    });
  // The order's customer notices: the push entries and their SMS (ids derived from the order).
  const notices = [`arrival#${o.id}`, `pickupReminder#${o.id}`, ...SMS_KINDS.map((k) => smsEntryId(k, o.id)), ...(o.refunds ?? []).map((r) => `refund#${r.id}`), ...((o as { lateNotices?: string[] }).lateNotices ?? [])];
  for (const id of notices) await deps.store.write({ type: 'delete', key: outboxKey(id.replace(/[^A-Za-z0-9_#:.-]/g, '_')) });
}

async function eraseAfterSales(deps: Deps, userId: string): Promise<void> {
  for (const status of AFTER_SALES_STATUSES) {
    for (const a of await queryAll(deps.store, afterSalesByStatus(status))) {
      if (a.userId !== userId) continue;
      await deps.store.write({ type: 'update', key: afterSalesKey(String(a.id)), update: { set: { userId: ERASED_USER, reason: '(erased)' } }, when: [{ op: 'eq', path: 'userId', value: userId }] }).catch((e) => {
        if (!(e instanceof ConditionFailed)) throw e;
      });
    }
  }
}

async function eraseSinks(deps: Deps, userId: string): Promise<void> {
  for (const it of await queryAll(deps.store, { pk: DEV_SMS_PARTITION, consistent: true })) if (it.userId === userId) await deps.store.write({ type: 'delete', key: { pk: DEV_SMS_PARTITION, sk: String(it.sk) } });
  for (const it of await queryAll(deps.store, { pk: DEV_SINK_PARTITION, consistent: true })) if (it.touser === userId) await deps.store.write({ type: 'delete', key: { pk: DEV_SINK_PARTITION, sk: String(it.sk) } });
}

export const privacyCommands = [smsPreferenceCommand, exportCommand, deleteAccountCommand];
