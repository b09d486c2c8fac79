/**
 * Withdrawals pay the leader record's openid, never the caller's (DESIGN.md §11), and a payout
 * that cannot be created sends the withdrawal back to PENDING with the reason: an approved
 * withdrawal never strands money in APPROVED with no transfer behind it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { keys } from '#app/keys';
import { getBalance } from '#app/ledger';
import { decideWithdrawalCommand, withdrawCommand } from '#app/settle/commands';
import { findWithdrawal } from '#app/settle/withdrawals';
import { AppError } from '#domain/errors';
import type { TransferInput } from '#ports/payment';
import { makeWorld, type TestWorld } from '../support/harness.ts';

const STAFF = { kind: 'openid' as const, openid: 'staff-1' };
type W = { id: string; status: string; reason?: string; transfer?: unknown };

describe('withdrawal payouts', () => {
  let w: TestWorld;
  const transfers: TransferInput[] = [];
  let refuse: string | undefined;

  beforeAll(async () => {
    w = await makeWorld({ now: '2026-12-01T10:00:00+08:00' });
    const real = w.deps.payout;
    w.deps.payout = {
      createTransfer: async (input) => {
        transfers.push(input);
        if (refuse) throw new AppError('INVALID_STATE', refuse);
        return real.createTransfer(input);
      },
      parseNotification: (raw) => real.parseNotification(raw),
    };
    await w.store.write({ type: 'put', item: { ...keys.leaderBalance('l-jingan'), leaderId: 'l-jingan', pendingFen: 0, availableFen: 10_000, withdrawnFen: 0, reservedFen: 0 } });
  });

  const withdraw = (openid: string, requestId: string, amountFen: number) => dispatch(withdrawCommand, { requestId, amountFen }, { kind: 'openid', openid }, w.deps) as Promise<W>;
  const approve = (id: string) => dispatch(decideWithdrawalCommand, { id, decision: 'approve' }, STAFF, w.deps) as Promise<W>;

  it("pays the leader record's openid even when another openid holds the leader role (a stale binding) and asked", async () => {
    // A second openid bound to the same leader (e.g. left over from a re-bound account).
    await w.store.write({ type: 'put', item: { ...keys.leaderRole('u-stale-binding'), leaderId: 'l-jingan', communityId: 'c-jingan', status: 'active' } });
    const asked = await withdraw('u-stale-binding', 'payee-1', 1_000);
    const approved = await approve(asked.id);
    expect(approved).toMatchObject({ status: 'APPROVED', transfer: expect.any(Object) });
    const leader = await w.store.get(keys.leader('l-jingan'));
    expect(transfers.map((t) => [t.withdrawalId, t.openid])).toEqual([[asked.id, leader!.openid]]);
    expect(leader!.openid).not.toBe('u-stale-binding');
  });

  it('a transfer that cannot be created sends the withdrawal back to PENDING with the reason; approving again retries it', async () => {
    const asked = await withdraw('demo-leader-jingan', 'payee-2', 2_000);
    refuse = 'payouts are not configured for this environment (WXPAY_* settings)';
    const answer = await approve(asked.id);
    expect(answer).toMatchObject({ status: 'PENDING', reason: expect.stringContaining('payouts are not configured') });
    expect(answer).not.toHaveProperty('transfer');
    expect(await findWithdrawal(w.deps, asked.id)).toMatchObject({ status: 'PENDING' });
    // Still reserved: nothing was paid and nothing given back.
    expect(await getBalance(w.deps, 'l-jingan')).toMatchObject({ reservedFen: 3_000, availableFen: 7_000 });

    refuse = undefined;
    const again = await approve(asked.id);
    expect(again).toMatchObject({ status: 'APPROVED', transfer: expect.any(Object) });
    expect(again).not.toHaveProperty('reason');
    // The same out_bill_no both times: WeChat Pay never pays one withdrawal twice.
    expect(transfers.filter((t) => t.withdrawalId === asked.id)).toHaveLength(2);
  });

  it('a leader record without an openid is never paid to the caller: back to PENDING', async () => {
    const asked = await withdraw('demo-leader-jingan', 'payee-3', 500);
    const leader = (await w.store.get(keys.leader('l-jingan')))!;
    await w.store.write({ type: 'update', key: keys.leader('l-jingan'), update: { remove: ['openid'] } });
    try {
      const before = transfers.length;
      expect(await approve(asked.id)).toMatchObject({ status: 'PENDING', reason: expect.stringContaining('no openid') });
      expect(transfers).toHaveLength(before);
    } finally {
      await w.store.write({ type: 'update', key: keys.leader('l-jingan'), update: { set: { openid: leader.openid } } });
    }
  });
});
