import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { keys, outboxPartition } from '#app/keys';
import { OUTBOX_SHARDS } from '#app/outbox';
import { findOrder, type Order } from '#app/orders/model';
import { receivePaymentNotification } from '#app/orders/pay';
import { runCutoff } from '#app/cutoff/close-waves';
import { teamKeys } from '#app/teams/keys';
import { queryAll } from '#ports/item-store';
import { callAs, lowerHeaders } from '#test/calls';
import { runJobInWorld } from '../support/jobs.ts';
import { makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';

/**
 * Issue 16 item 1: team buys (拼团). A team of N completes in the transaction of its N-th paid
 * member (every member PAID together, one push each); joins beyond N are refused before
 * payment (TEAM_FULL) or refunded when their payment lands after completion; a team incomplete
 * at its window's end or at its wave's cutoff is dissolved and every member refunded once.
 */
const D = '2027-10-01';
const C = 'c-jingan';
const lower = lowerHeaders;
const as = callAs;
const staff = (w: TestWorld, name: string, input: Record<string, unknown>) => as(w, 'staff-1', name, input);

async function offer(w: TestWorld, over: Record<string, unknown> = {}) {
  return staff(w, 'admin.upsertTeamOffer', {
    productId: 'p-oil',
    teamSize: 2,
    teamPriceFen: 9990,
    windowHours: 2,
    perUserLimit: 1,
    stock: 100,
    startsAt: `${D}T00:00:00+08:00`,
    endsAt: '2027-10-10T00:00:00+08:00',
    ...over,
  });
}

const place = (w: TestWorld, openid: string, team: { offerId: string; teamId?: string }, qty = 1) =>
  as(w, openid, 'order.place', { communityId: C, items: [{ productId: 'p-oil', qty }], requestId: `r-${openid}-${team.teamId ?? 'start'}`, contact: { name: '张三', phone: '13912345678' }, team });

async function pay(w: TestWorld, order: { id: string; amounts: { payableFen: number } }, openid: string): Promise<Order> {
  const signed = w.sandbox.signedPaymentNotification({ orderId: order.id, amountFen: order.amounts.payableFen, openid });
  const res = await receivePaymentNotification(w.deps, { headers: lower(signed.headers), body: signed.body });
  expect(res.status).toBe(200);
  return (await findOrder(w.deps, order.id))!;
}

/** Every queued push of a kind, read from the outbox's partitions. */
async function pushes(w: TestWorld, key: string) {
  const all = [];
  for (let s = 0; s < OUTBOX_SHARDS; s++) all.push(...(await queryAll(w.store, { index: 'gsi2', pk: outboxPartition(s) })));
  return all.filter((m) => m.key === key);
}

describe('team buys (拼团)', () => {
  it('a 2-person team: A starts and pays (TEAM_PENDING), B joins and pays: both PAID in the same wave, one push each', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const o = await offer(w);
    expect(o).toMatchObject({ productId: 'p-oil', teamSize: 2, teamPriceFen: 9990, sold: 0 });

    const quoted = await as(w, 'u-a', 'order.quote', { communityId: C, items: [{ productId: 'p-oil', qty: 1 }], team: { offerId: o.id } });
    expect(quoted.lines[0].unitPriceFen).toBe(9990);
    const a = await place(w, 'u-a', { offerId: o.id });
    expect(a.order).toMatchObject({ status: 'PENDING_PAYMENT', lines: [{ productId: 'p-oil', qty: 1, unitPriceFen: 9990 }] });
    expect(a.order.amounts.goodsFen).toBe(9990);
    const teamId = a.order.team.teamId;
    expect(a.order.team).toEqual({ offerId: o.id, teamId });
    // Not listed until someone paid.
    expect((await as(w, 'u-b', 'order.teamOffers', { communityId: C }))[0].openTeams).toEqual([]);

    const aPaid = await pay(w, a.order, 'u-a');
    expect(aPaid.status).toBe('TEAM_PENDING');
    expect((await as(w, 'u-a', 'order.get', { id: a.order.id })).pickupCode).toBeUndefined();
    expect(await as(w, 'u-b', 'order.team', { teamId })).toMatchObject({ status: 'OPEN', members: [{ name: '张*' }], needed: 1, size: 2 });
    const listed = await as(w, 'u-b', 'order.teamOffers', { communityId: C });
    expect(listed[0]).toMatchObject({ id: o.id, remaining: 99, openTeams: [{ teamId, members: 1, needed: 1 }] });

    // The starter cannot join their own team.
    expect(codeOf(await place(w, 'u-a', { offerId: o.id, teamId }).catch((e) => e))).toBe('INVALID_STATE');

    const b = await place(w, 'u-b', { offerId: o.id, teamId });
    const bPaid = await pay(w, b.order, 'u-b');
    expect(bPaid.status).toBe('PAID');
    const aAfter = (await findOrder(w.deps, a.order.id))!;
    expect(aAfter.status).toBe('PAID');
    expect(aAfter.waveDate).toBe(bPaid.waveDate);
    expect((await as(w, 'u-a', 'order.get', { id: a.order.id })).pickupCode).toMatch(/^\d{8}$/);
    expect(await as(w, 'u-c', 'order.team', { teamId })).toMatchObject({ status: 'COMPLETE', needed: 0 });

    // One push each.
    const sent = await pushes(w, 'teamComplete');
    expect(sent.map((m) => m.touser).sort()).toEqual(['u-a', 'u-b']);
    // A third joiner: the team is full.
    expect(codeOf(await place(w, 'u-c', { offerId: o.id, teamId }).catch((e) => e))).toBe('TEAM_FULL');
    // A repeated notification changes nothing.
    expect((await pay(w, b.order, 'u-b')).status).toBe('PAID');
    expect(await pushes(w, 'teamComplete')).toHaveLength(2);
  });

  it('12 concurrent joins of a 5-person team: exactly 5 members, the rest refused (TEAM_FULL) or refunded once', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const refunds = recordRefunds(w);
    const o = await offer(w, { teamSize: 5 });
    const a = await place(w, 'u-a', { offerId: o.id });
    await pay(w, a.order, 'u-a');
    const teamId = a.order.team.teamId;

    const joiners = Array.from({ length: 12 }, (_, i) => `u-j${i}`);
    const outcomes = await Promise.all(
      joiners.map(async (u) => {
        let placed;
        try {
          placed = await place(w, u, { offerId: o.id, teamId });
        } catch (e) {
          return { u, refused: codeOf(e) };
        }
        await pay(w, placed.order, u);
        return { u, id: placed.order.id as string };
      }),
    );
    // Read every joiner's order again now: early payers waited as TEAM_PENDING until the 5th paid.
    for (const r of outcomes) if ('id' in r) Object.assign(r, { order: await findOrder(w.deps, r.id!) });
    for (const r of outcomes) if ('refused' in r) expect(r.refused).toBe('TEAM_FULL');
    const orders = outcomes.map((r) => (r as { order?: Order }).order).filter((o): o is Order => !!o);
    const paid = orders.filter((o) => o.status === 'PAID');
    const refunded = orders.filter((o) => o.status !== 'PAID');
    expect(paid).toHaveLength(4);
    for (const now of refunded) {
      expect(now).toMatchObject({ status: 'CANCELLED', cancelReason: 'TEAM_FULL' });
      expect(now.refunds).toHaveLength(1);
      expect(now.refunds[0]!.amountFen).toBe(now.amounts.payableFen);
      expect(refunds.filter((x) => x.orderId === now.id)).toHaveLength(1);
    }
    const team = await w.store.get(teamKeys.team(teamId), { consistent: true });
    expect(team).toMatchObject({ status: 'COMPLETE', paid: 5 });
    expect(team!.members).toHaveLength(5);
    expect((await findOrder(w.deps, a.order.id))!.status).toBe('PAID');
    // Refunded joiners gave their offer stock back: 5 units held.
    expect((await w.store.get(teamKeys.offerStock(o.id), { consistent: true }))?.sold).toBe(5);
    expect(await pushes(w, 'teamComplete')).toHaveLength(5);
  });

  it('a team incomplete at its window’s end: every member refunded once (the expire job twice)', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const refunds = recordRefunds(w);
    const o = await offer(w, { teamSize: 3, windowHours: 1 });
    const a = await place(w, 'u-a', { offerId: o.id });
    await pay(w, a.order, 'u-a');
    const teamId = a.order.team.teamId;
    const b = await place(w, 'u-b', { offerId: o.id, teamId });
    expect((await pay(w, b.order, 'u-b')).status).toBe('TEAM_PENDING');

    // Before the window ends nothing is dissolved.
    w.clock.set(`${D}T10:30:00+08:00`);
    expect((await runJobInWorld(w, 'expire')).result).toMatchObject({ teams: { dissolved: 0 } });

    w.clock.set(`${D}T11:00:01+08:00`);
    const first = await runJobInWorld(w, 'expire');
    expect(first.result).toMatchObject({ teams: { dissolved: 1, refunded: 2 } });
    await runJobInWorld(w, 'expire');
    for (const id of [a.order.id, b.order.id]) {
      const order = (await findOrder(w.deps, id))!;
      expect(order).toMatchObject({ status: 'CANCELLED', cancelReason: 'TEAM_FAILED' });
      expect(order.refunds).toHaveLength(1);
      expect(refunds.filter((r) => r.orderId === id)).toHaveLength(1);
    }
    expect(await as(w, 'u-c', 'order.team', { teamId })).toMatchObject({ status: 'DISSOLVED' });
    expect((await w.store.get(teamKeys.offerStock(o.id), { consistent: true }))?.sold).toBe(0);
    // Joining a dissolved team is refused before payment.
    expect(codeOf(await place(w, 'u-c', { offerId: o.id, teamId }).catch((e) => e))).toBe('INVALID_STATE');
    // A member who deletes their account leaves no openid or name in the team.
    await as(w, 'u-a', 'auth.deleteAccount', { confirm: 'DELETE' });
    const after = JSON.stringify([await w.store.get(teamKeys.team(teamId), { consistent: true }), await w.store.get(teamKeys.member(teamId, 'u-a'), { consistent: true })]);
    expect(after).not.toContain('u-a');
    expect(after).toContain('u-b');
  });

  it('the cutoff dissolves a team still open in the wave it closes: refunded, never confirmed', async () => {
    const w = await makeWorld({ now: `${D}T20:30:00+08:00` });
    const refunds = recordRefunds(w);
    const o = await offer(w, { teamSize: 3, windowHours: 24 });
    const a = await place(w, 'u-a', { offerId: o.id });
    await pay(w, a.order, 'u-a');
    // The team ends with the wave's cutoff.
    expect((await as(w, 'u-a', 'order.team', { teamId: a.order.team.teamId })).endsAt).toBe(`${D}T22:00:00+08:00`);
    w.clock.set(`${D}T22:00:00+08:00`);
    await runCutoff(w.deps, { date: D });
    const order = (await findOrder(w.deps, a.order.id))!;
    expect(order).toMatchObject({ status: 'CANCELLED', cancelReason: 'TEAM_FAILED' });
    expect(refunds.filter((r) => r.orderId === a.order.id)).toHaveLength(1);
    expect((await w.store.get(keys.communityWave(C, D), { consistent: true }))?.status).toBe('CLOSED');
  });

  it('per-customer limit, offer stock and one membership per customer', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const o = await offer(w, { teamSize: 3, stock: 2, perUserLimit: 1 });
    expect(codeOf(await place(w, 'u-a', { offerId: o.id }, 2).catch((e) => e))).toBe('LIMIT_EXCEEDED');
    const a = await place(w, 'u-a', { offerId: o.id });
    // A second team of the same customer: the per-customer limit of the offer.
    expect(codeOf(await as(w, 'u-a', 'order.place', { communityId: C, items: [{ productId: 'p-oil', qty: 1 }], requestId: 'r-a-2', contact: { name: '张三', phone: '13912345678' }, team: { offerId: o.id } }).catch((e) => e))).toBe('LIMIT_EXCEEDED');
    const b = await place(w, 'u-b', { offerId: o.id, teamId: a.order.team.teamId });
    expect(b.order.status).toBe('PENDING_PAYMENT');
    expect(codeOf(await place(w, 'u-c', { offerId: o.id }).catch((e) => e))).toBe('OUT_OF_STOCK');
    // Another product in a team order, or a second line, is refused.
    expect(codeOf(await as(w, 'u-d', 'order.place', { communityId: C, items: [{ productId: 'p-rice', qty: 1 }], requestId: 'r-d', contact: { name: '张三', phone: '13912345678' }, team: { offerId: o.id } }).catch((e) => e))).toBe('VALIDATION_FAILED');
    // B cancels the unpaid join: stock, limit and membership come back; B may join again.
    await as(w, 'u-b', 'order.cancel', { id: b.order.id });
    expect((await w.store.get(teamKeys.offerStock(o.id), { consistent: true }))?.sold).toBe(1);
    expect(await w.store.get(teamKeys.member(a.order.team.teamId, 'u-b'), { consistent: true })).toBeUndefined();
    const again = await as(w, 'u-b', 'order.place', { communityId: C, items: [{ productId: 'p-oil', qty: 1 }], requestId: 'r-b-again', contact: { name: '张三', phone: '13912345678' }, team: { offerId: o.id, teamId: a.order.team.teamId } });
    expect(again.order.team.teamId).toBe(a.order.team.teamId);
    expect(codeOf(await as(w, 'u-b', 'order.place', { communityId: C, items: [{ productId: 'p-oil', qty: 1 }], requestId: 'r-b-3', contact: { name: '张三', phone: '13912345678' }, team: { offerId: o.id, teamId: a.order.team.teamId } }).catch((e) => e))).toBe('INVALID_STATE');
    // A customer cannot cancel a paid order waiting for its team.
    await pay(w, a.order, 'u-a');
    expect(codeOf(await as(w, 'u-a', 'order.cancel', { id: a.order.id }).catch((e) => e))).toBe('INVALID_STATE');
  });
});
