import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, baseUrl, login, resetClock, setClock, uniqueOpenid } from '../support/stack.ts';
import { runJobAndWait } from '../support/jobs.ts';

/**
 * Issue 16 items 2 and 3 over HTTP on the local stack: a share card (a real QR PNG the stack
 * serves, made once per scene), the landing data of its scene, an invitee bound at their first
 * sign-in through it, their order attributed to the scene's leader (the dashboard), the
 * inviter rewarded once at the invitee's first pickup and the reward reversed by a full refund.
 * Clock: 2027-11-01 … 2027-11-14 only.
 */
const C = 'c-xujiahui';
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const phone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

describe('share cards and referral over HTTP', () => {
  let staff: string;
  let leader: string;
  const inviter = { openid: uniqueOpenid('ref-inviter'), token: '' };
  const invitee = { openid: uniqueOpenid('ref-invitee'), token: '' };
  const s: { scene?: string; code?: string; orderId?: string; secondId?: string } = {};

  const points = async (token: string) => {
    const r = await api('GET', '/me', { token });
    expect(r.status, r.text).toBe(200);
    return r.body.data.points as number;
  };
  const place = async (token: string, scene?: string) => {
    const placed = await api('POST', '/orders', {
      token,
      body: { communityId: C, items: [{ productId: 'p-rice', qty: 1 }], requestId: `ref-${Math.random().toString(36).slice(2)}`, contact: { name: '欧阳小峰', phone: phone() }, ...(scene ? { scene } : {}) },
    });
    expect(placed.status, placed.text).toBe(201);
    const paid = await api('POST', `/dev/pay/${placed.body.data.order.id}`, { token });
    expect(paid.body.data.order.status, paid.text).toBe('PAID');
    return placed.body.data.order as { id: string; amounts: { payableFen: number }; lines: { productId: string; qty: number }[] };
  };
  const pickUp = async (orderId: string, token: string) => {
    const code = (await api('GET', `/orders/${orderId}`, { token })).body.data.pickupCode;
    const r = await api('POST', '/verify/redeem', { token: leader, body: { communityId: C, code } });
    expect(r.status, r.text).toBe(200);
  };

  beforeAll(async () => {
    staff = await login('demo-staff');
    leader = await login('demo-leader-xujiahui');
    inviter.token = await login(inviter.openid);
  });
  afterAll(async () => {
    await resetClock(staff);
  });

  it('POST /share/cards: a real PNG served by the stack, made once per scene; GET /share/resolve gives the landing data', async () => {
    await setClock(staff, '2027-11-01T10:00:00+08:00');
    const invites = await api('GET', '/me/invites', { token: inviter.token });
    expect(invites.status, invites.text).toBe(200);
    s.code = invites.body.data.code;

    const card = await api('POST', '/share/cards', { token: inviter.token, body: { communityId: C, productId: 'p-rice' } });
    expect(card.status, card.text).toBe(200);
    const { scene, imageUrl } = card.body.data as { scene: string; imageUrl: string };
    expect(scene.length).toBeLessThanOrEqual(32);
    expect(new URL(imageUrl).port).toBe(new URL(baseUrl()).port);
    const image = await fetch(imageUrl);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await image.arrayBuffer());
    expect([...bytes.slice(0, 8)]).toEqual(PNG);
    expect(bytes.length).toBeGreaterThan(200);

    // The same scene again: the same card, the file not made again.
    const file = join(inject('stackEnv').LOCAL_DIR, 'storage', 'cards', `${scene}.png`);
    const madeAt = statSync(file).mtimeMs;
    const again = await api('POST', '/share/cards', { token: inviter.token, body: { communityId: C, productId: 'p-rice' } });
    expect(again.body.data).toEqual({ scene, imageUrl });
    expect(statSync(file).mtimeMs).toBe(madeAt);

    const landing = await api('GET', `/share/resolve?scene=${scene}`, { token: inviter.token });
    expect(landing.status, landing.text).toBe(200);
    expect(landing.body.data).toEqual({ communityId: C, productId: 'p-rice', leaderId: 'l-xujiahui', inviterCode: s.code });
    expect((await api('GET', '/share/resolve?scene=sNOSUCHSCENE', { token: inviter.token })).status).toBe(404);
    expect((await api('GET', '/dev/storage/cards/nothing.png')).status).toBe(404);
    s.scene = scene;
  });

  it('the invitee\'s first sign-in through the card binds them; their order through the scene is attributed to its leader on the dashboard', async () => {
    const signed = await api('POST', '/auth/dev-login', { body: { openid: invitee.openid, scene: s.scene } });
    expect(signed.status, signed.text).toBe(200);
    expect(signed.body.data.invite).toEqual({ status: 'BOUND' });
    invitee.token = signed.body.data.token;
    expect(await points(invitee.token)).toBe(200);
    // The inviter through their own scene: not bound (self-invite), nothing given.
    const self = await api('POST', '/auth/dev-login', { body: { openid: inviter.openid, scene: s.scene } });
    expect(self.body.data.invite.status).not.toBe('BOUND');
    expect(await points(inviter.token)).toBe(0);

    await setClock(staff, '2027-11-02T10:00:00+08:00');
    const order = await place(invitee.token, s.scene);
    s.orderId = order.id;
    // A second order the same day, not through the scene: not attributed.
    s.secondId = (await place(invitee.token)).id;
    await setClock(staff, '2027-11-02T22:00:01+08:00');
    expect((await runJobAndWait(baseUrl(), staff, 'cutoff')).status).toBe('DONE');
    const dash = await api('GET', '/admin/dashboard?from=2027-11-02&to=2027-11-02', { token: staff });
    expect(dash.status, dash.text).toBe(200);
    expect(dash.body.data.attributed).toEqual([{ leaderId: 'l-xujiahui', name: '王芳', orders: 1, gmvFen: order.amounts.payableFen }]);
  });

  it('the invitee\'s first pickup rewards the inviter once; a second pickup does not; a full refund reverses the reward', async () => {
    await setClock(staff, '2027-11-03T16:30:00+08:00');
    expect((await api('POST', '/verify/arrival', { token: leader, body: { communityId: C, waveDate: '2027-11-02' } })).status).toBe(200);
    await pickUp(s.orderId!, invitee.token);
    expect(await points(inviter.token)).toBe(500);
    let invites = (await api('GET', '/me/invites', { token: inviter.token })).body.data;
    expect(invites.invitees).toEqual([{ name: '欧***', joinedAt: expect.stringMatching(/^2027-11-01T10:00/), rewarded: true }]);
    expect(invites.rewards).toEqual([{ at: expect.stringMatching(/^2027-11-03T16:30/), kind: 'points', amount: 500 }]);

    // The invitee's second order, picked up: no second reward.
    await pickUp(s.secondId!, invitee.token);
    expect(await points(inviter.token)).toBe(500);

    // The rewarded order refunded in full (after-sales, approved by staff): the reward is taken back.
    const asked = await api('POST', `/orders/${s.orderId}/after-sales`, { token: invitee.token, body: { lines: [{ productId: 'p-rice', qty: 1 }], reason: '米里有虫' } });
    expect(asked.status, asked.text).toBe(200);
    const decided = await api('POST', `/admin/after-sales/${asked.body.data.id}/decide`, { token: staff, body: { decision: 'approve' } });
    expect(decided.status, decided.text).toBe(200);
    expect(await points(inviter.token)).toBe(0);
    invites = (await api('GET', '/me/invites', { token: inviter.token })).body.data;
    expect(invites.rewards).toEqual([{ at: expect.stringMatching(/^2027-11-03T16:30/), kind: 'points', amount: 500, reversed: true }]);
    expect(invites.invitees[0].rewarded).toBe(false);
  });
});
