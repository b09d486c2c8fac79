import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { rechargeBonusFor } from '#domain/wallet';
import { ConditionFailed, TransactionCancelled, type Item, type WriteOp } from '#ports/item-store';
import type { PaymentNotice, PaymentParams } from '#ports/payment';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { walletChangeOps } from './balance.ts';
import { MEMBERSHIP_PREFIX, RECHARGE_PREFIX, walletKeys } from './keys.ts';

/**
 * What the customer buys through WeChat Pay besides goods (DESIGN.md §12): a wallet recharge
 * (principal + the bonus of its tier) and a paid membership (会员卡: `memberUntil` extended).
 * Each is a record in the customer's partition whose id is the payment's out_trade_no (`RC…`,
 * `MB…`); the payment notification (`applyPayment`, verified first) moves it PENDING → PAID in
 * the transaction that credits the wallet or extends the membership, so once per payment; a
 * payment it can no longer take (a second payment, a wrong amount) is refunded as it came.
 */
type TradeKind = 'recharge' | 'membership';

const PAY_WINDOW_MS = 2 * 3600_000;

export interface RechargeView {
  id: string;
  amountFen: number;
  bonusFen: number;
  status: string;
}

export interface MembershipOrderView {
  id: string;
  planId: string;
  title: string;
  amountFen: number;
  days: number;
  status: string;
  createdAt: string;
  paidAt?: string;
  memberUntil?: string;
}

const rechargeView = (r: Item): RechargeView => ({ id: String(r.id), amountFen: Number(r.amountFen), bonusFen: Number(r.bonusFen), status: String(r.status) });
const membershipView = (m: Item): MembershipOrderView => ({
  id: String(m.id),
  planId: String(m.planId),
  title: String(m.title),
  amountFen: Number(m.amountFen),
  days: Number(m.days),
  status: String(m.status),
  createdAt: String(m.createdAt),
  ...(m.paidAt ? { paidAt: String(m.paidAt) } : {}),
  ...(m.memberUntil ? { memberUntil: String(m.memberUntil) } : {}),
});

const tradeKey = (kind: TradeKind, userId: string, id: string) => (kind === 'recharge' ? walletKeys.recharge(userId, id) : walletKeys.membershipOrder(userId, id));

/**
 * Creates a recharge or membership order once per `requestId` (a retry answers the first
 * response; the same requestId for something else → INVALID_STATE) and prepays it.
 */
async function createTrade(
  deps: Deps,
  userId: string,
  kind: TradeKind,
  requestId: string,
  fingerprint: string,
  record: (id: string, createdAt: string) => Record<string, unknown> & { amountFen: number; title: string },
): Promise<{ item: Item; payment: PaymentParams }> {
  const reqKey = walletKeys.request(userId, requestId);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const known = await deps.store.get(reqKey, { consistent: true });
    if (known) {
      if (known.kind !== kind || known.fingerprint !== fingerprint) throw new AppError('INVALID_STATE', 'this requestId was used for something else', { requestId });
      const item = await deps.store.get(tradeKey(kind, userId, String(known.tradeId)), { consistent: true });
      if (!item) throw new AppError('INVALID_STATE', 'the request is being written; retry', { requestId });
      const payment = (known.payment as PaymentParams | undefined) ?? (await prepayAndKeep(deps, reqKey, userId, item));
      return { item, payment };
    }
    const now = deps.clock.now();
    const id = `${kind === 'recharge' ? RECHARGE_PREFIX : MEMBERSHIP_PREFIX}${deps.ids.newId()}`;
    const createdAt = toBizIso(now);
    const item: Item = { ...tradeKey(kind, userId, id), id, userId, status: 'PENDING', createdAt, payBy: toBizIso(now + PAY_WINDOW_MS), requestId, ...record(id, createdAt) };
    try {
      await deps.store.transact([
        { type: 'put', item: { ...reqKey, kind, fingerprint, tradeId: id, createdAt, expiresAt: Math.floor(now / 1000) + 7 * 86400 }, when: [{ op: 'notExists' }] },
        { type: 'put', item, when: [{ op: 'notExists' }] },
        { type: 'put', item: { ...walletKeys.tradeRef(id), userId, kind } },
      ]);
    } catch (e) {
      if (e instanceof TransactionCancelled) continue; // a concurrent twin: answer as it did
      throw e;
    }
    return { item, payment: await prepayAndKeep(deps, reqKey, userId, item) };
  }
  throw new AppError('INVALID_STATE', 'the request could not be written; retry', { requestId });
}

async function prepayAndKeep(deps: Deps, reqKey: { pk: string; sk: string }, userId: string, item: Item): Promise<PaymentParams> {
  const payment = await deps.payment.prepay({ orderId: String(item.id), amountFen: Number(item.amountFen), openid: userId, description: String(item.title), expiresAt: String(item.payBy) });
  await deps.store.write({ type: 'update', key: reqKey, update: { set: { payment } }, when: [{ op: 'attrNotExists', path: 'payment' }] }).catch((e) => {
    if (!(e instanceof ConditionFailed)) throw e;
  });
  return payment;
}

/** POST /wallet/recharges: a recharge of `amountFen` with the bonus of the highest tier it reaches. */
export async function createRecharge(deps: Deps, userId: string, input: { requestId: string; amountFen: number }): Promise<{ recharge: RechargeView; payment: PaymentParams }> {
  const bonusFen = rechargeBonusFor(deps.settings.rechargeBonus, input.amountFen);
  const { item, payment } = await createTrade(deps, userId, 'recharge', input.requestId, `a${input.amountFen}`, () => ({ amountFen: input.amountFen, bonusFen, refundedFen: 0, title: '余额充值' }));
  return { recharge: rechargeView(item), payment };
}

/** POST /membership/orders: a paid membership of a plan (setting `membershipPlans`). */
export async function createMembershipOrder(deps: Deps, userId: string, input: { requestId: string; planId: string }): Promise<{ order: MembershipOrderView; payment: PaymentParams }> {
  const plan = deps.settings.membershipPlans.find((p) => p.id === input.planId);
  if (!plan) throw new AppError('NOT_FOUND', `membership plan ${input.planId} not found`, { planId: input.planId });
  const { item, payment } = await createTrade(deps, userId, 'membership', input.requestId, `p${plan.id}`, () => ({ planId: plan.id, title: plan.title, amountFen: plan.priceFen, days: plan.days }));
  return { order: membershipView(item), payment };
}

/** The record a recharge's or membership order's out_trade_no names, with its kind; undefined when unknown. */
export async function findTrade(deps: Deps, id: string): Promise<{ kind: TradeKind; userId: string; item: Item } | undefined> {
  const ref = await deps.store.get(walletKeys.tradeRef(id));
  if (!ref) return undefined;
  const kind = ref.kind as TradeKind;
  const item = await deps.store.get(tradeKey(kind, String(ref.userId), id), { consistent: true });
  return item ? { kind, userId: String(ref.userId), item } : undefined;
}

/**
 * A verified payment of a recharge or membership order: PENDING → PAID with its effect (wallet
 * credited; membership extended from the later of now and the current `memberUntil`) in one
 * transaction conditioned on PENDING, so a repeated notification changes nothing. A payment
 * the record cannot take (it is paid already by another transaction, or the amount differs) is
 * refunded in full, once (the refund id names the payment).
 */
export async function applyWalletPayment(deps: Deps, notice: PaymentNotice): Promise<void> {
  for (let attempt = 1; attempt <= 6; attempt++) {
    const trade = await findTrade(deps, notice.orderId);
    if (!trade) throw new AppError('NOT_FOUND', 'unknown order', { orderId: notice.orderId });
    const { kind, userId, item } = trade;
    if (item.transactionId === notice.transactionId) return; // a repeat
    if (item.status !== 'PENDING' || notice.amountFen !== Number(item.amountFen)) {
      await refundPayment(deps, String(item.id), notice);
      return;
    }
    const now = deps.clock.now();
    const paidAt = toBizIso(now);
    const ops: WriteOp[] = [];
    const set: Record<string, unknown> = { status: 'PAID', paidAt, transactionId: notice.transactionId };
    if (kind === 'recharge') {
      ops.push(
        ...walletChangeOps(userId, { entryId: `rch-${String(item.id)}`, kind: 'recharge', principalFen: Number(item.amountFen), bonusFen: Number(item.bonusFen), rechargeId: String(item.id), at: paidAt }),
      );
    } else {
      const profile = await deps.store.get(keys.user(userId), { consistent: true });
      const current = typeof profile?.memberUntil === 'string' ? profile.memberUntil : undefined;
      const from = current && Date.parse(current) > now ? Date.parse(current) : now;
      const memberUntil = toBizIso(from + Number(item.days) * 86400_000);
      set.memberUntil = memberUntil;
      ops.push({
        type: 'update',
        key: keys.user(userId),
        update: { set: { memberUntil }, setIfAbsent: { id: userId, points: 0, createdAt: paidAt } },
        when: [current ? { op: 'eq', path: 'memberUntil', value: current } : { op: 'attrNotExists', path: 'memberUntil' }],
      });
    }
    ops.unshift({ type: 'update', key: tradeKey(kind, userId, String(item.id)), update: { set }, when: [{ op: 'eq', path: 'status', value: 'PENDING' }] });
    try {
      await deps.store.transact(ops);
      return;
    } catch (e) {
      if (e instanceof TransactionCancelled) continue; // paid meanwhile, or the membership moved: look again
      throw e;
    }
  }
  throw new AppError('INTERNAL', 'payment could not be applied');
}

async function refundPayment(deps: Deps, tradeId: string, notice: PaymentNotice): Promise<void> {
  const refundId = `${tradeId}-PAY-${notice.transactionId.slice(-12)}`;
  logger.warn('payment the record cannot take: refunded', { orderId: tradeId, refundId });
  const request = { orderId: tradeId, refundId, amountFen: notice.amountFen, totalFen: notice.amountFen, reason: 'payment not taken' };
  await deps.payment.refund(request).catch(async () => {
    await deps.store.write({ type: 'put', item: { ...keys.job('refund-retry', refundId), ...request, parkedAt: toBizIso(deps.clock.now()) } });
  });
}

/** A recharge's or membership order's view for its owner (the local sandbox's /dev/pay answer). */
export const tradeView = (kind: TradeKind, item: Item) => (kind === 'recharge' ? { recharge: rechargeView(item) } : { membershipOrder: membershipView(item) });
