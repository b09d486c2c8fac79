import { describe, expect, it } from 'vitest';
import { dispatch, type Identity } from '#platform/dispatch';
import type { Command } from '#platform/command';
import { confirmWebTicketCommand, createStaffCommand, listStaffCommand, updateStaffCommand, webTicketCommand, webTicketStatusCommand } from '#app/staff/commands';
import { TICKET_MS } from '#app/staff/web-tickets';
import { upsertProductCommand } from '#app/admin/commands';
import { makeWorld, type TestWorld } from '../support/harness.ts';
import { codeOf } from '../support/errors.ts';

/**
 * Scan sign-in (扫码登录, issue 14 item 2) through dispatch on DynamoDB Local: the browser's
 * ticket, the mini-program's confirmation by a staff member's openid (scene from the code),
 * the token handed out once, a ticket confirmed once and expiring after 2 minutes on the
 * business clock.
 */
const anon: Identity = { kind: 'bearer', token: undefined };
const SEED: Identity = { kind: 'openid', openid: 'staff-1' };
const call = (w: TestWorld, c: Command<any, any, any>, input: unknown, who: Identity) => dispatch(c, input, who, w.deps) as Promise<any>;
const failure = (p: Promise<unknown>) => p.then(() => 'ok', codeOf);

describe('scan sign-in', () => {
  it('ticket → confirm by a bound openid with the scene → the first poll gets an 8-hour staff token, later polls none', async () => {
    const w = await makeWorld();
    const m = await call(w, createStaffCommand, { login: 'scanner', name: '扫码', roles: ['operations'], openid: 'o-scanner' }, SEED);
    const t = await call(w, webTicketCommand, {}, anon);
    expect(t.scene.length).toBeLessThanOrEqual(32);
    expect(t.scene).not.toContain(t.ticket);
    expect(Date.parse(t.expiresAt) - w.clock.now()).toBe(TICKET_MS);
    expect(await call(w, webTicketStatusCommand, { ticket: t.ticket }, anon)).toEqual({ status: 'PENDING' });
    // The scene is what the code carries: it confirms, but nobody polls with it.
    expect(await failure(call(w, webTicketStatusCommand, { ticket: t.scene }, anon))).toBe('NOT_FOUND');

    expect(await call(w, confirmWebTicketCommand, { ticket: t.scene }, { kind: 'openid', openid: 'o-scanner' })).toEqual({ confirmed: true });
    const first = await call(w, webTicketStatusCommand, { ticket: t.ticket }, anon);
    expect(first).toMatchObject({ status: 'CONFIRMED', token: expect.any(String), user: { id: `staff:${m.id}`, roles: ['staff'], staffRoles: ['operations'] } });
    expect(Date.parse(first.expiresAt) - Date.now()).toBeGreaterThan(8 * 3600_000 - 60_000);
    expect(Date.parse(first.expiresAt) - Date.now()).toBeLessThanOrEqual(8 * 3600_000);
    expect(await call(w, webTicketStatusCommand, { ticket: t.ticket }, anon)).toEqual({ status: 'CONFIRMED' });
    expect(await failure(call(w, upsertProductCommand, { title: 't', category: 'c', priceFen: 100, supplierId: 's', commissionRate: 0.1, fresh: false, status: 'active' }, { kind: 'bearer', token: first.token }))).toBe('ok');
  });

  it('a ticket confirms once: the same member again is answered the same, another staff member gets INVALID_STATE; customers may not confirm', async () => {
    const w = await makeWorld();
    await call(w, createStaffCommand, { login: 'other', name: '别人', roles: ['finance'], openid: 'o-other' }, SEED);
    const t = await call(w, webTicketCommand, {}, anon);
    expect(await failure(call(w, confirmWebTicketCommand, { ticket: t.scene }, { kind: 'openid', openid: 'a-customer' }))).toBe('FORBIDDEN');
    // A STAFF_OPENIDS seed confirms as its owner record (made once).
    expect(await call(w, confirmWebTicketCommand, { ticket: t.ticket }, SEED)).toEqual({ confirmed: true });
    expect(await call(w, confirmWebTicketCommand, { ticket: t.scene }, SEED)).toEqual({ confirmed: true });
    expect(await failure(call(w, confirmWebTicketCommand, { ticket: t.scene }, { kind: 'openid', openid: 'o-other' }))).toBe('INVALID_STATE');
    const got = await call(w, webTicketStatusCommand, { ticket: t.ticket }, anon);
    expect(got.user.staffRoles).toEqual(['owner']);
    expect(await failure(call(w, listStaffCommand, {}, { kind: 'bearer', token: got.token }))).toBe('ok');
    expect(await failure(call(w, confirmWebTicketCommand, { ticket: 'wt.nosuchscene00000000' }, SEED))).toBe('NOT_FOUND');
  });

  it('two members confirming at once: exactly one wins; polls at once: exactly one gets the token', async () => {
    const w = await makeWorld();
    for (const n of [1, 2, 3, 4]) await call(w, createStaffCommand, { login: `race${n}`, name: `r${n}`, roles: ['warehouse'], openid: `o-race${n}` }, SEED);
    const t = await call(w, webTicketCommand, {}, anon);
    const confirms = await Promise.all([1, 2, 3, 4].map((n) => failure(call(w, confirmWebTicketCommand, { ticket: t.scene }, { kind: 'openid', openid: `o-race${n}` }))));
    expect(confirms.filter((c) => c === 'ok')).toHaveLength(1);
    expect(confirms.filter((c) => c === 'INVALID_STATE')).toHaveLength(3);
    const polls = await Promise.all(Array.from({ length: 6 }, () => call(w, webTicketStatusCommand, { ticket: t.ticket }, anon)));
    expect(polls.filter((p) => p.token)).toHaveLength(1);
    expect(polls.every((p) => p.status === 'CONFIRMED')).toBe(true);
  });

  it('a ticket expires after 2 minutes on the business clock: EXPIRED to the poll, INVALID_STATE to a late confirmation; a confirmed ticket unclaimed at expiry gives no token', async () => {
    const w = await makeWorld();
    const t = await call(w, webTicketCommand, {}, anon);
    w.clock.advance(TICKET_MS - 1);
    expect((await call(w, webTicketStatusCommand, { ticket: t.ticket }, anon)).status).toBe('PENDING');
    w.clock.advance(1);
    expect(await call(w, webTicketStatusCommand, { ticket: t.ticket }, anon)).toEqual({ status: 'EXPIRED' });
    expect(await failure(call(w, confirmWebTicketCommand, { ticket: t.scene }, SEED))).toBe('INVALID_STATE');

    const u = await call(w, webTicketCommand, {}, anon);
    await call(w, confirmWebTicketCommand, { ticket: u.scene }, SEED);
    w.clock.advance(TICKET_MS);
    expect(await call(w, webTicketStatusCommand, { ticket: u.ticket }, anon)).toEqual({ status: 'EXPIRED' });
  });

  it('a member disabled between confirmation and poll gets no token; a disabled member cannot confirm', async () => {
    const w = await makeWorld();
    const m = await call(w, createStaffCommand, { login: 'leaving', name: '离职', roles: ['operations'], openid: 'o-leaving' }, SEED);
    const t = await call(w, webTicketCommand, {}, anon);
    await call(w, confirmWebTicketCommand, { ticket: t.scene }, { kind: 'openid', openid: 'o-leaving' });
    await call(w, updateStaffCommand, { id: m.id, status: 'disabled' }, SEED);
    expect(await call(w, webTicketStatusCommand, { ticket: t.ticket }, anon)).toEqual({ status: 'EXPIRED' });
    const u = await call(w, webTicketCommand, {}, anon);
    expect(await failure(call(w, confirmWebTicketCommand, { ticket: u.scene }, { kind: 'openid', openid: 'o-leaving' }))).toBe('FORBIDDEN');
  });
});
