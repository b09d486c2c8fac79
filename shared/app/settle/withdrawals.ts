import { AppError } from '#domain/errors';
import { bizDate, toBizIso } from '#domain/time';
import { ConditionFailed, TransactionCancelled, type Item, type WriteOp } from '#ports/item-store';
import type { RawNotification } from '#ports/payment';
import type { RawResponse } from '#app/command';
import { logger } from '#platform/logger';
import type { Deps } from '../deps.ts';
import { verifiedNotification, wechatPayAnswer } from '../pay-notifications.ts';
import { keys } from '../keys.ts';
import { afterStatement, getBalance, heldOf, stillHeld } from '../ledger.ts';
import { outboxOp } from '../outbox.ts';
import { payoutDayOp } from './finance.ts';
import { failedGuard, guard } from '../guards.ts';
import { settleKeys } from './keys.ts';
import { settlementSettingsOf } from './settings.ts';
import { webhookEvents } from '../webhooks/emit.ts';

/**
 * Leader withdrawals (DESIGN.md §7): `PENDING → APPROVED → PAID`, or `REJECTED`, `FAILED`.
 * Asking reserves the amount from `availableFen` in one conditional write, so concurrent asks
 * can never take the balance below zero; reject or a failed transfer gives it back (repaying any
 * debt first); approval
 * pays through the merchant transfer (商家转账) whose notification settles it exactly once.
 */
export const WITHDRAWAL_STATUSES = ['PENDING', 'APPROVED', 'PAID', 'REJECTED', 'FAILED'] as const;
export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];

export interface Withdrawal {
  id: string;
  leaderId: string;
  /** The leader's openid, the transfer's payee. */
  openid: string;
  amountFen: number;
  status: WithdrawalStatus;
  requestId: string;
  requestedAt: string;
  decidedAt?: string;
  decidedBy?: string;
  /** Why it was rejected or why the transfer failed. */
  reason?: string;
  /** The merchant transfer: what the leader confirms with wx.requestMerchantTransfer. */
  transfer?: { packageInfo?: string; billNo: string };
  transferState?: string;
  paidAt?: string;
  failedAt?: string;
}

const TRANSFER_REMARK = '团长佣金提现';
const IDEMPOTENCY_DAYS = 7;

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']);
export function withdrawalFromItem(item: Item): Withdrawal {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!META.has(k)) out[k] = v;
  return out as unknown as Withdrawal;
}

/** API.md `withdrawal`; staff also see the transfer bill number and state. */
export function withdrawalView(w: Withdrawal, viewer: 'leader' | 'staff') {
  return {
    id: w.id,
    leaderId: w.leaderId,
    amountFen: w.amountFen,
    status: w.status,
    requestedAt: w.requestedAt,
    ...(w.decidedAt ? { decidedAt: w.decidedAt } : {}),
    ...(w.reason ? { reason: w.reason } : {}),
    ...(w.transfer ? { transfer: viewer === 'staff' ? w.transfer : { ...(w.transfer.packageInfo ? { packageInfo: w.transfer.packageInfo } : {}) } } : {}),
    ...(w.paidAt ? { paidAt: w.paidAt } : {}),
    ...(w.failedAt ? { failedAt: w.failedAt } : {}),
    ...(viewer === 'staff' ? { ...(w.transferState ? { transferState: w.transferState } : {}), ...(w.decidedBy ? { decidedBy: w.decidedBy } : {}) } : {}),
  };
}

export async function findWithdrawal(deps: Deps, withdrawalId: string): Promise<Withdrawal | undefined> {
  const ref = await deps.store.get(settleKeys.withdrawalRef(withdrawalId));
  if (!ref) return undefined;
  const item = await deps.store.get(keys.leaderWithdrawal(String(ref.leaderId), withdrawalId));
  return item ? withdrawalFromItem(item) : undefined;
}

const withdrawalKey = (w: Pick<Withdrawal, 'leaderId' | 'id'>) => keys.leaderWithdrawal(w.leaderId, w.id);
const statusIndex = (w: Pick<Withdrawal, 'requestedAt' | 'id'>, status: WithdrawalStatus) => settleKeys.withdrawalIndex(status, w.requestedAt, w.id);

function amountIssue(message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { issues: [{ path: 'amountFen', message }] });
}

/**
 * A leader asks to withdraw. Steps: replay a known requestId → per-request limits (settings
 * `withdrawal.minFen` / `maxFen`) → one transaction: idempotency record, balance reserve
 * (availableFen ≥ amount), withdrawal, its reference, the day's cap (`maxPerDayFen`) and the
 * finance counter. INSUFFICIENT_BALANCE / LIMIT_EXCEEDED when a condition fails.
 */
export async function requestWithdrawal(deps: Deps, caller: { userId: string; leaderId: string }, input: { requestId: string; amountFen: number }) {
  const replay = await replayWithdrawal(deps, caller.userId, input);
  if (replay) return replay;
  const limits = settlementSettingsOf(deps).withdrawal;
  if (input.amountFen < limits.minFen) throw amountIssue(`at least ${limits.minFen} fen per withdrawal`);
  if (input.amountFen > limits.maxFen) throw amountIssue(`at most ${limits.maxFen} fen per withdrawal`);

  const now = deps.clock.now();
  const w: Withdrawal = {
    id: deps.ids.newId(),
    leaderId: caller.leaderId,
    openid: caller.userId,
    amountFen: input.amountFen,
    status: 'PENDING',
    requestId: input.requestId,
    requestedAt: toBizIso(now),
  };
  const today = bizDate(now);
  const ops: WriteOp[] = [
    guard('request', {
      type: 'put',
      item: {
        ...keys.idempotency(caller.userId, input.requestId),
        withdrawalId: w.id,
        leaderId: w.leaderId,
        amountFen: w.amountFen,
        createdAt: w.requestedAt,
        expiresAt: Math.floor(now / 1000) + IDEMPOTENCY_DAYS * 86_400,
      },
      when: [{ op: 'notExists' }],
    }),
    guard('balance', {
      type: 'update',
      key: keys.leaderBalance(w.leaderId),
      update: { inc: { availableFen: -w.amountFen, reservedFen: w.amountFen } },
      when: [{ op: 'gte', path: 'availableFen', value: w.amountFen }],
    }),
    { type: 'put', item: { ...withdrawalKey(w), ...statusIndex(w, 'PENDING'), ...w }, when: [{ op: 'notExists' }] },
    { type: 'put', item: { ...settleKeys.withdrawalRef(w.id), leaderId: w.leaderId }, when: [{ op: 'notExists' }] },
    guard('dailyLimit', {
      type: 'update',
      key: settleKeys.withdrawnOfDay(w.leaderId, today),
      update: { inc: { amountFen: w.amountFen } },
      when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'amountFen' }, { op: 'lte', path: 'amountFen', value: limits.maxPerDayFen - w.amountFen }] }],
    }),
    payoutDayOp(today, { requestedFen: w.amountFen }),
  ];
  try {
    await deps.store.transact(ops);
  } catch (e) {
    if (!(e instanceof TransactionCancelled)) throw e;
    const failed = failedGuard<'request' | 'balance' | 'dailyLimit'>(e, ops);
    if (failed === 'request') {
      const again = await replayWithdrawal(deps, caller.userId, input);
      if (again) return again;
    }
    if (failed === 'balance') {
      const { availableFen } = await getBalance(deps, w.leaderId);
      throw new AppError('INSUFFICIENT_BALANCE', 'the amount is above the available balance', { availableFen: Math.max(0, availableFen) });
    }
    if (failed === 'dailyLimit') throw new AppError('LIMIT_EXCEEDED', 'the daily withdrawal limit is reached', { limit: limits.maxPerDayFen });
    throw e;
  }
  return withdrawalView(w, 'leader');
}

/** The first result of a requestId (API.md idempotency); INVALID_STATE when reused for another amount. */
async function replayWithdrawal(deps: Deps, userId: string, input: { requestId: string; amountFen: number }) {
  const record = await deps.store.get(keys.idempotency(userId, input.requestId));
  if (!record) return undefined;
  if (record.withdrawalId === undefined || Number(record.amountFen) !== input.amountFen) {
    throw new AppError('INVALID_STATE', 'this requestId was used for a different request', { requestId: input.requestId });
  }
  const item = await deps.store.get(keys.leaderWithdrawal(String(record.leaderId), String(record.withdrawalId)));
  if (!item) throw new AppError('INVALID_STATE', 'the withdrawal of this requestId is being written; retry', { requestId: input.requestId });
  return withdrawalView(withdrawalFromItem(item), 'leader');
}

function resultPush(deps: Deps, w: Withdrawal, result: 'approved' | 'rejected' | 'paid' | 'failed', reason?: string): WriteOp {
  return outboxOp(deps, {
    key: 'withdrawalResult',
    touser: w.openid,
    payload: { withdrawalId: w.id, amountFen: w.amountFen, result, ...(reason ? { reason } : {}), at: toBizIso(deps.clock.now()) },
    dedupe: `wd#${w.id}#${result}`,
  });
}

/**
 * Staff decide a PENDING withdrawal. Reject: PENDING → REJECTED and the amount back to
 * `availableFen` (debt repaid first), in one transaction. Approve: PENDING → APPROVED, then the merchant transfer
 * (the withdrawal id is its stable out_bill_no, so asking again never pays twice), then the
 * transfer's package stored for the leader to confirm. Approving an APPROVED withdrawal whose
 * transfer was not created yet (a failed call) retries the transfer.
 */
export async function decideWithdrawal(deps: Deps, staffId: string, input: { id: string; decision: 'approve' | 'reject'; reason?: string }) {
  const w = await findWithdrawal(deps, input.id);
  if (!w) throw new AppError('NOT_FOUND', `withdrawal ${input.id} not found`);
  return input.decision === 'reject' ? rejectWithdrawal(deps, staffId, w, input.reason) : approveWithdrawal(deps, staffId, w);
}

function notPending(w: Withdrawal, decision: 'approve' | 'reject'): AppError {
  const same = (decision === 'reject' && w.status === 'REJECTED') || (decision === 'approve' && (w.status === 'APPROVED' || w.status === 'PAID'));
  return same
    ? new AppError('ALREADY_DONE', `the withdrawal is already ${w.status}`, { status: w.status, decidedAt: w.decidedAt, decidedBy: w.decidedBy })
    : new AppError('INVALID_STATE', `the withdrawal is ${w.status}`, { status: w.status });
}

async function rejectWithdrawal(deps: Deps, staffId: string, w: Withdrawal, reason = '审核未通过') {
  if (w.status !== 'PENDING') throw notPending(w, 'reject');
  const now = toBizIso(deps.clock.now());
  const next: Withdrawal = { ...w, status: 'REJECTED', decidedAt: now, decidedBy: staffId, reason };
  const failed = await transactGivingBack(deps, w, (giveBack) => [
    guard('pending', {
      type: 'update',
      key: withdrawalKey(w),
      update: { set: { status: 'REJECTED', decidedAt: now, decidedBy: staffId, reason, ...statusIndex(w, 'REJECTED') } },
      when: [{ op: 'eq', path: 'status', value: 'PENDING' }],
    }),
    giveBack,
    resultPush(deps, w, 'rejected', reason),
    payoutDayOp(bizDate(deps.clock.now()), { returnedFen: w.amountFen }),
  ]);
  if (failed === 'pending') throw notPending((await findWithdrawal(deps, w.id)) ?? w, 'reject');
  return withdrawalView(next, 'staff');
}

async function approveWithdrawal(deps: Deps, staffId: string, w: Withdrawal) {
  let current = w;
  if (current.status === 'PENDING') {
    const now = toBizIso(deps.clock.now());
    try {
      const after = await deps.store.write({
        type: 'update',
        key: withdrawalKey(w),
        // A reason left by a transfer that could not be created before is history now.
        update: { set: { status: 'APPROVED', decidedAt: now, decidedBy: staffId, ...statusIndex(w, 'APPROVED') }, remove: ['reason'] },
        when: [{ op: 'eq', path: 'status', value: 'PENDING' }],
      });
      current = withdrawalFromItem(after!);
    } catch (e) {
      if (!(e instanceof ConditionFailed)) throw e;
      throw notPending((await findWithdrawal(deps, w.id)) ?? w, 'approve');
    }
  } else if (current.status !== 'APPROVED' || current.transfer) {
    throw notPending(current, 'approve');
  }
  return withdrawalView(await startTransfer(deps, current), 'staff');
}

/**
 * Creates the merchant transfer of an APPROVED withdrawal and stores its package (with the
 * leader's push). The payee is the openid on the leader record, never whoever asked: a stale or
 * forged role binding cannot redirect the money. When the transfer cannot be created (no payee,
 * payouts not configured, WeChat Pay refused it) the withdrawal goes back to PENDING with the
 * reason, the amount still reserved, for staff to approve again (same out_bill_no, so never paid
 * twice) or reject.
 */
async function startTransfer(deps: Deps, w: Withdrawal): Promise<Withdrawal> {
  let result;
  try {
    const leader = await deps.store.get(keys.leader(w.leaderId), { consistent: true });
    const payee = typeof leader?.openid === 'string' && leader.openid ? leader.openid : undefined;
    if (!payee) throw new AppError('INVALID_STATE', 'the leader record has no openid to pay');
    result = await deps.payout.createTransfer({ withdrawalId: w.id, openid: payee, amountFen: w.amountFen, remark: TRANSFER_REMARK });
  } catch (e) {
    const reason = `转账未能发起: ${e instanceof Error ? e.message : 'unknown'}`.slice(0, 200);
    logger.warn('transfer not created: the withdrawal goes back to PENDING', { withdrawalId: w.id, error: e instanceof Error ? e.name : 'unknown' });
    await backToPending(deps, w, reason);
    return (await findWithdrawal(deps, w.id)) ?? w;
  }
  const transfer = { billNo: result.billNo, ...(result.packageInfo ? { packageInfo: result.packageInfo } : {}) };
  try {
    await deps.store.transact([
      {
        type: 'update',
        key: withdrawalKey(w),
        update: { set: { transfer, transferState: result.state } },
        when: [{ op: 'eq', path: 'status', value: 'APPROVED' }, { op: 'attrNotExists', path: 'transfer' }],
      },
      resultPush(deps, w, 'approved'),
    ]);
  } catch (e) {
    if (!(e instanceof TransactionCancelled)) throw e;
    // The transfer's notification (or a concurrent approval) got there first.
  }
  // A transfer may be final at once (e.g. refused by WeChat): settle it like its notification.
  if (isFinal(result.state)) await applyTransferOutcome(deps, { ...w, transfer }, result.state as FinalState);
  return (await findWithdrawal(deps, w.id)) ?? w;
}

/** APPROVED → PENDING (no transfer was created), with the reason; the amount stays reserved. */
async function backToPending(deps: Deps, w: Withdrawal, reason: string): Promise<void> {
  try {
    await deps.store.write({
      type: 'update',
      key: withdrawalKey(w),
      update: { set: { status: 'PENDING', reason, transferFailedAt: toBizIso(deps.clock.now()), ...statusIndex(w, 'PENDING') } },
      when: [{ op: 'eq', path: 'status', value: 'APPROVED' }, { op: 'attrNotExists', path: 'transfer' }],
    });
  } catch (e) {
    // A concurrent approval created the transfer meanwhile: that one stands.
    if (!(e instanceof ConditionFailed)) throw e;
  }
}

type FinalState = 'SUCCESS' | 'FAIL' | 'CANCELLED';
const isFinal = (s: string): s is FinalState => s === 'SUCCESS' || s === 'FAIL' || s === 'CANCELLED';

/**
 * Applies a transfer's final state to an APPROVED withdrawal, once: SUCCESS → PAID
 * (withdrawnFen += amount, reservedFen −= amount); FAIL / CANCELLED → FAILED (the amount back
 * to availableFen, debt repaid first). Returns false when it had been applied already (a repeated notification).
 */
async function applyTransferOutcome(deps: Deps, w: Withdrawal, state: FinalState, failReason?: string): Promise<boolean> {
  const now = deps.clock.now();
  const at = toBizIso(now);
  const paid = state === 'SUCCESS';
  const reason = paid ? undefined : (failReason ?? (state === 'CANCELLED' ? '转账已撤销，金额已退回' : '转账失败，金额已退回'));
  const ops = (balanceOp: WriteOp): WriteOp[] => [
    guard('approved', {
      type: 'update',
      key: withdrawalKey(w),
      update: {
        set: paid
          ? { status: 'PAID', paidAt: at, transferState: state, ...statusIndex(w, 'PAID') }
          : { status: 'FAILED', failedAt: at, transferState: state, reason, ...statusIndex(w, 'FAILED') },
      },
      when: [{ op: 'eq', path: 'status', value: 'APPROVED' }],
    }),
    balanceOp,
    resultPush(deps, w, paid ? 'paid' : 'failed', reason),
    payoutDayOp(bizDate(now), paid ? { withdrawnFen: w.amountFen } : { returnedFen: w.amountFen }),
  ];
  if (!paid) return (await transactGivingBack(deps, w, ops)) !== 'approved';
  const paidOps = ops({ type: 'update', key: keys.leaderBalance(w.leaderId), update: { inc: { withdrawnFen: w.amountFen, reservedFen: -w.amountFen } } });
  paidOps.push(...(await webhookEvents(deps, 'withdrawal.paid', { withdrawalId: w.id, leaderId: w.leaderId, amountFen: w.amountFen, paidAt: at }, w.id)));
  try {
    await deps.store.transact(paidOps);
    return true;
  } catch (e) {
    if (failedGuard(e, paidOps) === 'approved') return false;
    throw e;
  }
}

const GIVE_BACK_ATTEMPTS = 5;

/**
 * Runs the transaction `ops(giveBack)` that gives a withdrawal's reserved amount back (reject, a
 * failed or cancelled transfer) with the debt rule (shared/domain/leader-debt.ts): the amount
 * repays `debtFen` first and the rest becomes available. The balance op is conditioned on what
 * the balance held when read (guard 'balance': read again). Answers undefined once written, or
 * the name of another guard whose condition failed; any other error is thrown.
 */
async function transactGivingBack(deps: Deps, w: Withdrawal, ops: (giveBack: WriteOp) => WriteOp[]): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    const held = heldOf(await deps.store.get(keys.leaderBalance(w.leaderId), { consistent: true }));
    const next = afterStatement(held, w.amountFen);
    const all = ops(
      guard('balance', {
        type: 'update',
        key: keys.leaderBalance(w.leaderId),
        update: { inc: { reservedFen: -w.amountFen }, set: { availableFen: next.availableFen, debtFen: next.debtFen } },
        when: stillHeld(held),
      }),
    );
    try {
      await deps.store.transact(all);
      return undefined;
    } catch (e) {
      const failed = failedGuard(e, all);
      if (failed === 'balance' && attempt < GIVE_BACK_ATTEMPTS) continue;
      if (failed && failed !== 'balance') return failed;
      throw e;
    }
  }
}

/**
 * The merchant-transfer notification (POST /pay/transfer-notify). Verified by the payout port
 * (signature over the raw body, timestamp, decryption) before anything is read: a forged or
 * stale one answers 401 and changes nothing. A final state is applied once; WeChat re-sends
 * what it did not see acknowledged, and a repeat changes nothing.
 */
export async function receiveTransferNotification(deps: Deps, raw: RawNotification): Promise<RawResponse> {
  const verified = await verifiedNotification((r) => deps.payout.parseNotification(r), raw, 'transfer');
  if ('refused' in verified) return verified.refused;
  const notice = verified.notice;
  try {
    const w = await findWithdrawal(deps, notice.withdrawalId);
    if (!w) {
      logger.warn('transfer notification for an unknown withdrawal', { withdrawalId: notice.withdrawalId });
      return wechatPayAnswer(200, 'SUCCESS');
    }
    if (notice.amountFen !== w.amountFen) {
      logger.error('transfer notification amount differs', { withdrawalId: w.id });
      return wechatPayAnswer(400, 'FAIL', 'amount does not match');
    }
    if (isFinal(notice.state)) {
      const applied = await applyTransferOutcome(deps, w, notice.state, notice.reason);
      if (!applied) logger.info('transfer notification repeated', { withdrawalId: w.id, state: notice.state });
    } else if (w.status === 'APPROVED') {
      await deps.store
        .write({ type: 'update', key: withdrawalKey(w), update: { set: { transferState: notice.state } }, when: [{ op: 'eq', path: 'status', value: 'APPROVED' }] })
        .catch((e) => {
          if (!(e instanceof ConditionFailed)) throw e;
        });
    }
    return wechatPayAnswer(200, 'SUCCESS');
  } catch (e) {
    logger.error('transfer notification not applied', { withdrawalId: notice.withdrawalId, error: e instanceof Error ? e.name : 'unknown' });
    return wechatPayAnswer(500, 'FAIL', 'try again later');
  }
}

/** A leader's withdrawals, newest first (ids are time-sortable). */
export async function leaderWithdrawals(deps: Deps, leaderId: string, limit: number) {
  const page = await deps.store.query({ ...settleKeys.withdrawals(leaderId), descending: true, limit });
  return page.items.map((i) => withdrawalView(withdrawalFromItem(i), 'leader'));
}

/** Withdrawals for staff, newest first: of one status, or of every status. */
export async function staffWithdrawals(deps: Deps, status: WithdrawalStatus | undefined, limit: number) {
  const statuses = status ? [status] : WITHDRAWAL_STATUSES;
  const pages = await Promise.all(statuses.map((s) => deps.store.query({ ...settleKeys.withdrawalsByStatus(s), descending: true, limit })));
  return pages
    .flatMap((p) => p.items)
    .sort((a, b) => (String(b.gsi1sk) < String(a.gsi1sk) ? -1 : 1))
    .slice(0, limit)
    .map((i) => withdrawalView(withdrawalFromItem(i), 'staff'));
}
