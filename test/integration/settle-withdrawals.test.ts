import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import type { RawResponse } from '#platform/command';
import { keys } from '#app/keys';
import { outboxKey } from '#app/outbox';
import { getBalance } from '#app/ledger';
import {
  decideWithdrawalCommand,
  myWithdrawalsCommand,
  transferNotifyCommand,
  withdrawalsCommand,
  withdrawCommand,
} from '#app/settle/commands';
import { devPayoutCommand } from '#app/settle/dev';
import { leaderItems } from '#test/settle-fixtures';
import { findWithdrawal } from '#app/settle/withdrawals';
import { makeWorld, type TestWorld } from '../support/harness.ts';

type W = { id: string; status: string; amountFen: number; transfer?: { packageInfo?: string; billNo?: string } };

const LEADER = { kind: 'openid' as const, openid: 'demo-leader-xujiahui' };
const STAFF = { kind: 'openid' as const, openid: 'staff-1' };

async function giveAvailable(w: TestWorld, leaderId: string, availableFen: number) {
  await w.store.write({ type: 'put', item: { ...keys.leaderBalance(leaderId), leaderId, pendingFen: 0, availableFen, withdrawnFen: 0, reservedFen: 0 } });
}

const withdraw = (w: TestWorld, requestId: string, amountFen: number, who = LEADER) => dispatch(withdrawCommand, { requestId, amountFen }, who, w.deps) as Promise<W>;
const decide = (w: TestWorld, id: string, decision: 'approve' | 'reject', reason?: string) =>
  dispatch(decideWithdrawalCommand, { id, decision, ...(reason ? { reason } : {}) }, STAFF, w.deps) as Promise<W>;
const devWorld = (w: TestWorld) => ({ ...w.deps, devMode: true });
const payout = (w: TestWorld, withdrawalId: string, state?: 'SUCCESS' | 'FAIL' | 'CANCELLED') =>
  dispatch(devPayoutCommand, { withdrawalId, ...(state ? { state } : {}) }, LEADER, devWorld(w)) as Promise<{ notification: { status: number; body: unknown }; withdrawal: W }>;
const outbox = (w: TestWorld, dedupe: string) => w.store.get(outboxKey(dedupe));

describe('withdrawals', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await makeWorld({ now: '2026-12-01T10:00:00+08:00' });
  });

  it('20 concurrent withdrawals of 60% of the balance: exactly one is accepted, never negative', async () => {
    await giveAvailable(w, 'l-xujiahui', 10_000);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => withdraw(w, `c-${i}`, 6_000)));
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(accepted).toHaveLength(1);
    expect(refused.map((r) => (r.reason as { code: string }).code)).toEqual(Array(19).fill('INSUFFICIENT_BALANCE'));
    expect(await getBalance(w.deps, 'l-xujiahui')).toMatchObject({ availableFen: 4_000, reservedFen: 6_000 });
  });

  it('replays the same requestId, refuses it for another amount, and enforces the limits', async () => {
    await giveAvailable(w, 'l-jingan', 9_000_000);
    const who = { kind: 'openid' as const, openid: 'demo-leader-jingan' };
    const first = await withdraw(w, 'same', 1_000, who);
    expect(await withdraw(w, 'same', 1_000, who)).toEqual(first);
    await expect(withdraw(w, 'same', 2_000, who)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect((await getBalance(w.deps, 'l-jingan')).reservedFen).toBe(1_000);
    // default min ¥1 per request, max ¥20,000 per request and ¥50,000 a day
    await expect(withdraw(w, 'tiny', 99, who)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'amountFen' }] } });
    expect(await withdraw(w, 'min', 100, who)).toMatchObject({ status: 'PENDING', amountFen: 100 });
    await expect(withdraw(w, 'huge', 2_000_001, who)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await withdraw(w, 'max-1', 2_000_000, who);
    await withdraw(w, 'max-2', 2_000_000, who);
    await expect(withdraw(w, 'over-day', 998_901, who)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(await withdraw(w, 'to-cap', 998_900, who)).toMatchObject({ status: 'PENDING' });
    // a customer is not a leader
    await expect(withdraw(w, 'x', 100, { kind: 'openid', openid: 'someone' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('reject gives the amount back and tells the leader', async () => {
    await giveAvailable(w, 'l-lujiazui', 3_000);
    const who = { kind: 'openid' as const, openid: 'demo-leader-lujiazui' };
    const asked = await withdraw(w, 'r-1', 2_000, who);
    const rejected = await decide(w, asked.id, 'reject', '信息不符');
    expect(rejected).toMatchObject({ status: 'REJECTED', reason: '信息不符' });
    expect(await getBalance(w.deps, 'l-lujiazui')).toMatchObject({ availableFen: 3_000, reservedFen: 0 });
    expect((await outbox(w, `wd#${asked.id}#rejected`))!.payload).toMatchObject({ result: 'rejected', amountFen: 2_000 });
    await expect(decide(w, asked.id, 'reject')).rejects.toMatchObject({ code: 'ALREADY_DONE' });
    await expect(decide(w, asked.id, 'approve')).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(decide(w, 'nope', 'approve')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('approve → transfer → sandbox notification: PAID exactly once, even delivered twice', async () => {
    await giveAvailable(w, 'l-wujiaochang', 8_000);
    const who = { kind: 'openid' as const, openid: 'demo-leader-wujiaochang' };
    const asked = await withdraw(w, 'p-1', 5_000, who);
    const approved = await decide(w, asked.id, 'approve');
    expect(approved.status).toBe('APPROVED');
    expect(approved.transfer).toMatchObject({ packageInfo: expect.stringMatching(/^sandbox_package_/), billNo: w.sandbox.billNoFor(asked.id) });
    const mine = (await dispatch(myWithdrawalsCommand, {}, who, w.deps)) as W[];
    expect(mine[0]).toMatchObject({ id: asked.id, status: 'APPROVED', transfer: { packageInfo: approved.transfer!.packageInfo } });
    expect(mine[0]!.transfer).not.toHaveProperty('billNo');
    expect((await outbox(w, `wd#${asked.id}#approved`))!.payload).toMatchObject({ result: 'approved' });
    await expect(decide(w, asked.id, 'approve')).rejects.toMatchObject({ code: 'ALREADY_DONE' });

    const once = await payout(w, asked.id);
    const twice = await payout(w, asked.id);
    expect(once).toMatchObject({ notification: { status: 200, body: { code: 'SUCCESS' } }, withdrawal: { status: 'PAID' } });
    expect(twice).toMatchObject({ notification: { status: 200 }, withdrawal: { status: 'PAID' } });
    expect(await getBalance(w.deps, 'l-wujiaochang')).toMatchObject({ availableFen: 3_000, reservedFen: 0, withdrawnFen: 5_000 });
    expect((await outbox(w, `wd#${asked.id}#paid`))!.payload).toMatchObject({ result: 'paid', amountFen: 5_000 });
    const paidList = (await dispatch(withdrawalsCommand, { status: 'PAID' }, STAFF, w.deps)) as W[];
    expect(paidList.map((x) => x.id)).toContain(asked.id);
    expect(((await dispatch(withdrawalsCommand, { status: 'APPROVED' }, STAFF, w.deps)) as W[]).map((x) => x.id)).not.toContain(asked.id);
  });

  it('a failed or cancelled transfer gives the amount back', async () => {
    await giveAvailable(w, 'l-wujiaochang', 8_000);
    const who = { kind: 'openid' as const, openid: 'demo-leader-wujiaochang' };
    for (const state of ['FAIL', 'CANCELLED'] as const) {
      const asked = await withdraw(w, `f-${state}`, 1_000, who);
      await decide(w, asked.id, 'approve');
      const done = await payout(w, asked.id, state);
      expect(done.withdrawal).toMatchObject({ status: 'FAILED', reason: expect.any(String) });
      // a late SUCCESS for a final transfer changes nothing
      await payout(w, asked.id, 'SUCCESS');
    }
    expect(await getBalance(w.deps, 'l-wujiaochang')).toMatchObject({ availableFen: 8_000, reservedFen: 0 });
  });

  it('a forged transfer notification answers 401 and changes nothing', async () => {
    await giveAvailable(w, 'l-wujiaochang', 2_000);
    const who = { kind: 'openid' as const, openid: 'demo-leader-wujiaochang' };
    const asked = await withdraw(w, 'forged', 2_000, who);
    await decide(w, asked.id, 'approve');
    const genuine = w.sandbox.signedTransferNotification({ withdrawalId: asked.id, amountFen: 2_000, state: 'SUCCESS' });
    const tampered = { headers: genuine.headers, body: genuine.body.replace('"id":"', '"id":"x') };
    const unsigned = { headers: { 'content-type': 'application/json' }, body: genuine.body };
    for (const raw of [tampered, unsigned]) {
      const answer = (await dispatch(transferNotifyCommand, {}, { kind: 'bearer', token: undefined }, w.deps, raw)) as RawResponse;
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'FAIL', message: expect.any(String) });
    }
    expect((await findWithdrawal(w.deps, asked.id))!.status).toBe('APPROVED');
    expect(await getBalance(w.deps, 'l-wujiaochang')).toMatchObject({ availableFen: 0, reservedFen: 2_000, withdrawnFen: 0 });
    // the genuine one, through the HTTP command, completes it
    const ok = (await dispatch(transferNotifyCommand, {}, { kind: 'bearer', token: undefined }, w.deps, genuine)) as RawResponse;
    expect(ok.status).toBe(200);
    expect((await findWithdrawal(w.deps, asked.id))!.status).toBe('PAID');
  });

  it('dev.payout exists only on the local stage', async () => {
    await expect(dispatch(devPayoutCommand, { withdrawalId: 'x' }, LEADER, w.deps)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const pending = await withdraw(w, 'dev-pending', 100);
    await expect(payout(w, pending.id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});

describe('withdrawal property: random interleavings against the real store', () => {
  let w: TestWorld;
  let run = 0;
  beforeAll(async () => {
    w = await makeWorld({ now: '2026-12-01T10:00:00+08:00', seed: false });
  });

  type Op = { kind: 'withdraw'; amount: number } | { kind: 'reject' | 'approve' | 'paid' | 'failed'; pick: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('withdraw' as const), amount: fc.integer({ min: 100, max: 7_000 }) }),
    fc.record({ kind: fc.constantFrom('reject' as const, 'approve' as const, 'paid' as const, 'failed' as const), pick: fc.nat() }),
  );

  it('never takes the balance below zero, and money is neither made nor lost', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }), async (batches) => {
        // prepare: a fresh leader with ¥100 available
        const leaderId = `lp-${run++}`;
        const openid = `openid-${leaderId}`;
        await w.store.putMany(leaderItems({ id: leaderId, createdAt: '2026-11-01T00:00:00+08:00' }));
        await giveAvailable(w, leaderId, 10_000);
        const who = { kind: 'openid' as const, openid };
        const ids: string[] = [];
        let requests = 0;
        const leaderRole = { caller: { kind: 'user' as const, userId: openid, roles: ['customer' as const, 'leader' as const] }, deps: w.deps };
        // act: each batch runs at once; batches one after another
        for (const batch of batches) {
          await Promise.allSettled(
            batch.map(async (o) => {
              if (o.kind === 'withdraw') {
                const x = (await withdrawCommand.run(leaderRole, { requestId: `q-${requests++}`, amountFen: o.amount })) as W;
                ids.push(x.id);
                return;
              }
              const id = ids[o.pick % Math.max(ids.length, 1)];
              if (!id) return;
              if (o.kind === 'reject' || o.kind === 'approve') await decide(w, id, o.kind);
              else await payout(w, id, o.kind === 'paid' ? 'SUCCESS' : 'FAIL');
            }),
          );
          const b = await getBalance(w.deps, leaderId);
          expect(b.availableFen).toBeGreaterThanOrEqual(0);
          expect(b.reservedFen).toBeGreaterThanOrEqual(0);
        }
        // assert: conservation, and the balance agrees with the withdrawals' states
        const b = await getBalance(w.deps, leaderId);
        expect(b.availableFen + b.reservedFen + b.withdrawnFen).toBe(10_000);
        const all = (await dispatch(myWithdrawalsCommand, { limit: 500 }, who, w.deps)) as W[];
        const sum = (statuses: string[]) => all.filter((x) => statuses.includes(x.status)).reduce((a, x) => a + x.amountFen, 0);
        expect(b.reservedFen).toBe(sum(['PENDING', 'APPROVED']));
        expect(b.withdrawnFen).toBe(sum(['PAID']));
      }),
      { numRuns: 15 },
    );
  });
});
