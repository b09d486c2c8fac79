import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { balancePays, splitGiveBack, type BalanceParts } from '#domain/wallet';
import { TransactionCancelled, queryAll, type WriteOp } from '#ports/item-store';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { walletKeys } from './keys.ts';

/**
 * The customer's wallet (DESIGN.md §12): one balance item (`principalFen`, `bonusFen`, kept
 * apart) and an immutable ledger, one entry per cause. Every change is one transaction: the
 * balance update (a debit conditioned on enough of each part, so it is never negative under any
 * interleaving) and the entry, put only if absent (so a cause changes the balance once).
 */
export type EntryKind = 'recharge' | 'bonus' | 'pay' | 'back' | 'withdraw' | 'forfeit';

export interface WalletView {
  principalFen: number;
  bonusFen: number;
}

export async function readWallet(deps: Deps, userId: string): Promise<WalletView> {
  const w = await deps.store.get(walletKeys.wallet(userId), { consistent: true });
  return { principalFen: Number(w?.principalFen ?? 0), bonusFen: Number(w?.bonusFen ?? 0) };
}

/** The writes of one wallet change: signed parts (negative debits, conditioned never to go below zero) and its ledger entry. */
export interface WalletChange {
  entryId: string;
  kind: EntryKind;
  principalFen: number;
  bonusFen: number;
  /** When (ISO +08:00, from the clock). */
  at: string;
  orderId?: string;
  rechargeId?: string;
}

export function walletChangeOps(userId: string, change: WalletChange): WriteOp[] {
  const when = [
    ...(change.principalFen < 0 ? [{ op: 'gte' as const, path: 'principalFen', value: -change.principalFen }] : []),
    ...(change.bonusFen < 0 ? [{ op: 'gte' as const, path: 'bonusFen', value: -change.bonusFen }] : []),
  ];
  const at = change.at;
  return [
    {
      type: 'update',
      key: walletKeys.wallet(userId),
      update: { inc: { principalFen: change.principalFen, bonusFen: change.bonusFen }, setIfAbsent: { userId } },
      ...(when.length ? { when } : {}),
    },
    {
      type: 'put',
      item: {
        ...walletKeys.entry(userId, change.entryId),
        id: change.entryId,
        at,
        kind: change.kind,
        amountFen: change.principalFen + change.bonusFen,
        principalFen: change.principalFen,
        bonusFen: change.bonusFen,
        ...(change.orderId ? { orderId: change.orderId } : {}),
        ...(change.rechargeId ? { rechargeId: change.rechargeId } : {}),
      },
      when: [{ op: 'notExists' }],
    },
  ];
}

/**
 * Applies a credit once (its entry id names its cause): done → true, already done → false. A
 * failure of the store parks it (`walletKeys.parked`) for `retryWalletCredits` (the expire job).
 */
export async function creditOnce(deps: Deps, userId: string, change: WalletChange): Promise<boolean> {
  try {
    await deps.store.transact(walletChangeOps(userId, change));
    return true;
  } catch (e) {
    if (e instanceof TransactionCancelled && e.failedAt() === 1) return false;
    logger.warn('wallet credit not applied, will retry', { entryId: change.entryId, error: e instanceof Error ? e.name : 'unknown' });
    await deps.store.write({ type: 'put', item: { ...walletKeys.parked(change.entryId), userId, change } }).catch(() => undefined);
    return false;
  }
}

/** The expire job: credits whose write failed after their cause committed, applied once. */
export async function retryWalletCredits(deps: Deps): Promise<{ credited: number }> {
  let credited = 0;
  for (const item of await queryAll(deps.store, { ...walletKeys.parkedAll(), consistent: true })) {
    const change = item.change as WalletChange;
    try {
      await deps.store.transact(walletChangeOps(String(item.userId), change));
      credited++;
    } catch (e) {
      if (!(e instanceof TransactionCancelled && e.failedAt() === 1)) continue;
    }
    await deps.store.write({ type: 'delete', key: { pk: item.pk, sk: item.sk } });
  }
  return { credited };
}

// ---------------------------------------------------------------------------------------------
// Paying an order with the balance (order.place `useBalance`)

/** What an order placed with the balance carries: the parts it took from the wallet. */
export interface BalancePaid {
  balance?: BalanceParts;
  amounts: { payableFen: number; balanceFen?: number };
}

/**
 * The balance part of an order being placed: `useBalance` true pays what the balance holds
 * (principal first), "only" refuses a WeChat part (INSUFFICIENT_BALANCE). Returns the order's
 * amounts after it, the parts and the conditioned debit with its entry, for the placing
 * transaction; nothing when the balance is not used.
 */
export async function balanceHold(
  deps: Deps,
  userId: string,
  useBalance: true | 'only' | undefined,
  order: { id: string; amounts: { payableFen: number } },
): Promise<{ amounts: { payableFen: number; balanceFen: number }; balance: BalanceParts; ops: WriteOp[] } | undefined> {
  if (!useBalance) return undefined;
  const dueFen = order.amounts.payableFen;
  const wallet = await readWallet(deps, userId);
  const parts = balancePays(wallet, dueFen);
  const used = parts.principalFen + parts.bonusFen;
  if (useBalance === 'only' && used < dueFen)
    throw new AppError('INSUFFICIENT_BALANCE', 'the balance does not cover the order', { balanceFen: wallet.principalFen + wallet.bonusFen, payableFen: dueFen });
  if (used === 0) return undefined;
  return {
    amounts: { payableFen: dueFen - used, balanceFen: used },
    balance: parts,
    ops: walletChangeOps(userId, { entryId: `pay-${order.id}`, kind: 'pay', principalFen: -parts.principalFen, bonusFen: -parts.bonusFen, orderId: order.id, at: toBizIso(deps.clock.now()) }),
  };
}

/** The error of a placing transaction whose balance debit failed. */
export const insufficientBalance = () => new AppError('INSUFFICIENT_BALANCE', 'the balance changed; it no longer covers this part', {});

/** The order's whole value: the WeChat part and the balance part. */
export const orderValueFen = (order: { amounts: { payableFen: number; balanceFen?: number } }) => order.amounts.payableFen + (order.amounts.balanceFen ?? 0);

/**
 * Gives back the balance part of an order that leaves PENDING_PAYMENT unpaid (cancel, expire,
 * cutoff, a payment too late): for `releaseOrderHoldsOps`, inside the transaction conditioned on
 * the order's status, so once. A paid order's balance part goes back through its refunds.
 */
export function balanceReleaseOps(order: { id: string; userId: string; status: string; createdAt: string; balance?: BalanceParts }, at?: string): WriteOp[] {
  if (order.status !== 'PENDING_PAYMENT' || !order.balance) return [];
  const { principalFen, bonusFen } = order.balance;
  if (principalFen + bonusFen <= 0) return [];
  return walletChangeOps(order.userId, { entryId: `back-${order.id}`, kind: 'back', principalFen, bonusFen, orderId: order.id, at: at ?? order.createdAt });
}

// ---------------------------------------------------------------------------------------------
// Refunds of orders paid partly or wholly by the balance

/** A refund's balance part (`newRefund` splits every give-back of an order paid by balance). */
export interface BalanceRefundPart {
  /** The order value this give-back returns (WeChat part `amountFen` + `balanceFen`). */
  valueFen?: number;
  balanceFen?: number;
  balance?: BalanceParts;
}

/**
 * Splits a give-back of `valueFen` of order value between WeChat Pay and the balance (principal,
 * bonus), in proportion, given the order's earlier give-backs. Undefined for an order the
 * balance did not pay (the refund is the WeChat part as it always was).
 */
export function splitRefund(
  order: { amounts?: { payableFen: number; balanceFen?: number }; balance?: BalanceParts; refunds?: (object & BalanceRefundPart)[] },
  valueFen: number,
): { amountFen: number; part: Required<BalanceRefundPart> } | undefined {
  if (!order.balance || !order.amounts?.balanceFen) return undefined;
  const before = { valueFen: 0, balance: { principalFen: 0, bonusFen: 0 } };
  for (const r of order.refunds ?? []) {
    if (r.valueFen === undefined) continue;
    before.valueFen += r.valueFen;
    before.balance.principalFen += r.balance?.principalFen ?? 0;
    before.balance.bonusFen += r.balance?.bonusFen ?? 0;
  }
  const split = splitGiveBack({ wechatFen: order.amounts.payableFen, balance: order.balance }, before, valueFen);
  return { amountFen: split.wechatFen, part: { valueFen, balanceFen: split.balance.principalFen + split.balance.bonusFen, balance: split.balance } };
}

/** After the refund's transaction: its balance part back to the wallet, once (entry `back-<refundId>`). */
export async function creditRefundBalance(deps: Deps, order: { id: string; userId?: string }, refund: { id: string } & BalanceRefundPart): Promise<void> {
  if (!refund.balance || !order.userId || (refund.balanceFen ?? 0) <= 0) return;
  await creditOnce(deps, order.userId, { entryId: `back-${refund.id}`, kind: 'back', principalFen: refund.balance.principalFen, bonusFen: refund.balance.bonusFen, orderId: order.id, at: toBizIso(deps.clock.now()) });
}

/** GET /wallet: the balance and the ledger, newest first. */
export async function walletView(deps: Deps, userId: string) {
  const [wallet, entries] = await Promise.all([readWallet(deps, userId), queryAll(deps.store, { ...walletKeys.entries(userId), consistent: true })]);
  return {
    ...wallet,
    entries: entries
      .map((e) => ({
        at: String(e.at),
        kind: String(e.kind),
        amountFen: Number(e.amountFen),
        principalFen: Number(e.principalFen),
        bonusFen: Number(e.bonusFen),
        ...(e.orderId ? { orderId: String(e.orderId) } : {}),
        ...(e.rechargeId ? { rechargeId: String(e.rechargeId) } : {}),
      }))
      .sort((a, b) => b.at.localeCompare(a.at)),
  };
}
