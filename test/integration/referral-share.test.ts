import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { loginCommand } from '#app/auth/commands';
import { invitesCommand } from '#app/referral/commands';
import { bindInvite, rewardInviterOnPickup } from '#app/referral/referral';
import { referralKeys } from '#app/referral/keys';
import { resolveSceneCommand, shareCardCommand } from '#app/share/commands';
import { shareKeys } from '#app/share/keys';
import { placeCommand } from '#app/orders/commands';
import { findOrder } from '#app/orders/model';
import { redeemCommand } from '#app/verify/redeem';
import { afterSalesCommand, decideAfterSalesCommand } from '#app/after-sales/commands';
import { erasedMarkOf, privacyKeys } from '#app/privacy/keys';
import { deleteAccountCommand } from '#app/privacy/commands';
import { createFolderStorage } from '#adapters/local/folder-storage';
import { createSandboxCodes } from '#adapters/local/sandbox-codes';
import type { MiniProgramCodes } from '#ports/mini-program-code';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';
import { call } from '#test/calls';

/**
 * Issue 16 items 2 and 3 on DynamoDB Local through the real adapters: share scenes and cards
 * (made once per scene, a real PNG in object storage), attribution of orders placed through a
 * scene, and referral (老带新): binding at the first sign-in through an invite scene, the
 * inviter's reward at the invitee's first pickup (once, capped per month), its reversal by a
 * full refund, never for oneself or an account that is not new.
 */
const XJH = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function world(settings: Record<string, unknown> = {}) {
  const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00', settings });
  const sandbox = createSandboxCodes();
  const made: string[] = [];
  const codes: MiniProgramCodes = {
    async unlimited(r) {
      made.push(r.scene);
      await new Promise((res) => setTimeout(res, 50)); // slow enough for concurrent callers to meet
      return sandbox.unlimited(r);
    },
  };
  const storage = createFolderStorage({ dir: mkdtempSync(join(tmpdir(), 'gb-storage-')), baseUrl: 'http://local.test' });
  Object.assign(w.deps, { objectStorage: storage, miniCodes: codes });
  // jscode2session stand-in: the code is the openid.
  w.deps.wechatLogin = { exchange: async (code: string) => ({ openid: code }) };
  return { w, made, storage };
}

const signIn = (w: TestWorld, openid: string, scene?: string) => call(w, loginCommand, { code: openid, ...(scene ? { scene } : {}) }, openid);
const points = async (w: TestWorld, userId: string) => Number((await w.store.get(keys.user(userId)))?.points ?? 0);

let n = 0;
/** An ARRIVED order of the customer, picked up by the community's leader. */
async function pickedUp(w: TestWorld, userId: string, name = '王小明') {
  const order = await givenOrder(w, { communityId: XJH, userId, waveDate: '2026-11-24', lines: [{ productId: 'p-rice', qty: 1 }], status: 'ARRIVED', contact: { name, phone: `1391234${String(++n).padStart(4, '0')}` }, pickupDeadline: '2026-11-26T22:00:00+08:00' });
  await call(w, redeemCommand, { communityId: XJH, code: order.pickupCode }, LEADER);
  return order;
}

describe('share cards and scenes', () => {
  it('a card carries the community, product, leader and the caller\'s invite code; its PNG is made once per scene, however many ask at once', async () => {
    const { w, made, storage } = await world();
    await signIn(w, 'u-sharer');
    const cards = await Promise.all(Array.from({ length: 6 }, () => call(w, shareCardCommand, { communityId: XJH, productId: 'p-rice' }, 'u-sharer')));
    const { scene, imageUrl } = cards[0];
    expect(new Set(cards.map((c) => c.scene))).toEqual(new Set([scene]));
    expect(new Set(cards.map((c) => c.imageUrl))).toEqual(new Set([imageUrl]));
    expect(scene.length).toBeLessThanOrEqual(32);
    expect(made).toEqual([scene]);
    expect(imageUrl).toBe(`http://local.test/dev/storage/cards/${scene}.png`);
    const png = await storage.get(`cards/${scene}.png`);
    expect([...png!.bytes.slice(0, 8)]).toEqual(PNG);
    // again later: the cached card, nothing made
    expect(await call(w, shareCardCommand, { communityId: XJH, productId: 'p-rice' }, 'u-sharer')).toEqual({ scene, imageUrl });
    expect(made).toHaveLength(1);

    const { code } = await call(w, invitesCommand, {}, 'u-sharer');
    expect(await call(w, resolveSceneCommand, { scene }, 'u-other')).toEqual({ communityId: XJH, productId: 'p-rice', leaderId: 'l-xujiahui', inviterCode: code });
    // another product, another scene; another sharer, another scene
    const other = await call(w, shareCardCommand, { communityId: XJH }, 'u-sharer');
    expect(other.scene).not.toBe(scene);
    expect((await call(w, shareCardCommand, { communityId: XJH, productId: 'p-rice' }, 'u-other')).scene).not.toBe(scene);
    expect(made).toHaveLength(3);

    await expect(call(w, resolveSceneCommand, { scene: 'sNOPE' }, 'u-other').catch(codeOf)).resolves.toBe('NOT_FOUND');
    await expect(call(w, shareCardCommand, { communityId: 'c-nowhere' }, 'u-sharer').catch(codeOf)).resolves.toBe('NOT_FOUND');
    await expect(call(w, shareCardCommand, { communityId: XJH, productId: 'p-nowhere' }, 'u-sharer').catch(codeOf)).resolves.toBe('NOT_FOUND');
  });

  it('WeChat not answering is a retryable RATE_LIMITED, never a 500, and the next call makes the card', async () => {
    const { w, made } = await world();
    await signIn(w, 'u-offline');
    const working = w.deps.miniCodes;
    w.deps.miniCodes = { unlimited: async () => Promise.reject(new Error('access token: network error')) };
    await expect(call(w, shareCardCommand, { communityId: XJH }, 'u-offline').catch(codeOf)).resolves.toBe('RATE_LIMITED');
    w.deps.miniCodes = working;
    const card = await call(w, shareCardCommand, { communityId: XJH }, 'u-offline');
    expect(card.imageUrl).toMatch(/\.png$/);
    expect(made).toEqual([card.scene]);
  });

  it('an order placed through a scene records its attribution (leader, inviter); without one, none', async () => {
    const { w } = await world();
    await signIn(w, 'u-sharer');
    const { scene } = await call(w, shareCardCommand, { communityId: XJH, productId: 'p-rice' }, 'u-sharer');
    const { code } = await call(w, invitesCommand, {}, 'u-sharer');
    const placed = await call(w, placeCommand, { requestId: 'r-attr', scene, contact: { name: '王小明', phone: '13912345678' }, communityId: XJH, items: [{ productId: 'p-rice', qty: 1 }] }, 'u-buyer');
    expect((await findOrder(w.deps, placed.order.id))!.attribution).toEqual({ leaderId: 'l-xujiahui', inviterCode: code });
    const plain = await call(w, placeCommand, { requestId: 'r-plain', contact: { name: '王小明', phone: '13912345678' }, communityId: XJH, items: [{ productId: 'p-rice', qty: 1 }] }, 'u-buyer');
    expect((await findOrder(w.deps, plain.order.id))!.attribution).toBeUndefined();
  });
});

describe('referral 老带新', () => {
  it('the first pickup of an invitee rewards the inviter once; a full refund reverses it; never for oneself or an account that is not new', async () => {
    const { w } = await world();
    await signIn(w, 'u-inviter');
    const { code, scene } = await call(w, invitesCommand, {}, 'u-inviter');
    expect(scene.length).toBeLessThanOrEqual(32);
    expect(await call(w, resolveSceneCommand, { scene }, 'u-x')).toEqual({ inviterCode: code });
    const before = await points(w, 'u-inviter');

    // The invitee's first sign-in through the scene binds them and gives the new-user reward (200 points).
    expect((await signIn(w, 'u-new', scene)).invite).toEqual({ status: 'BOUND' });
    expect(await points(w, 'u-new')).toBe(200);
    // Signing in again (with the scene or another) changes nothing.
    expect((await signIn(w, 'u-new', scene)).invite).toEqual({ status: 'NOT_FIRST_SIGN_IN' });
    expect(await points(w, 'u-new')).toBe(200);

    // Self-invite: refused (the inviter's own code), also when asked directly.
    expect((await signIn(w, 'u-inviter', scene)).invite).toEqual({ status: 'NOT_FIRST_SIGN_IN' });
    await expect(bindInvite(w.deps, 'u-inviter', scene)).resolves.toBe('SELF');
    expect(await w.store.get(referralKeys.binding('u-inviter'))).toBeUndefined();
    // An account with orders before its first sign-in, and an erased account signing up again: not new.
    await givenOrder(w, { communityId: XJH, userId: 'u-old', waveDate: '2026-11-23', lines: [{ productId: 'p-rice', qty: 1 }], status: 'PICKED_UP' });
    expect((await signIn(w, 'u-old', scene)).invite).toEqual({ status: 'EXISTING' });
    await w.store.write({ type: 'put', item: { ...privacyKeys.erased(erasedMarkOf(w.deps, 'u-back')) } });
    expect((await signIn(w, 'u-back', scene)).invite).toEqual({ status: 'EXISTING' });
    expect(await points(w, 'u-back')).toBe(0);
    // A scene without an invite code binds nobody.
    expect((await signIn(w, 'u-plain', 'sUNKNOWN')).invite).toEqual({ status: 'NO_INVITE' });

    // The invitee's first pickup: the inviter gets 500 points, once.
    const first = await pickedUp(w, 'u-new', '赵小云');
    expect(await points(w, 'u-inviter')).toBe(before + 500);
    await pickedUp(w, 'u-new');
    expect(await points(w, 'u-inviter')).toBe(before + 500);
    await expect(rewardInviterOnPickup(w.deps, { id: first.id, userId: 'u-new', contactMasked: '赵**' })).resolves.toBe('ALREADY_DONE');
    // An invitee that is not bound (u-old) rewards nobody.
    await pickedUp(w, 'u-old');
    expect(await points(w, 'u-inviter')).toBe(before + 500);

    let invites = await call(w, invitesCommand, {}, 'u-inviter');
    expect(invites.code).toBe(code);
    expect(invites.invitees).toEqual([{ name: '赵**', joinedAt: '2026-11-24T10:00:00+08:00', rewarded: true }]);
    expect(invites.rewards).toEqual([{ at: '2026-11-24T10:00:00+08:00', kind: 'points', amount: 500 }]);
    expect(JSON.stringify(invites)).not.toContain('u-new');

    // A partial refund of the rewarded order keeps the reward; the full refund reverses it, once.
    const req = await call(w, afterSalesCommand, { id: first.id, lines: [{ productId: 'p-rice', qty: 1 }], reason: '菜叶发黄' }, 'u-new');
    await call(w, decideAfterSalesCommand, { id: req.id, decision: 'approve' }, 'staff-1');
    expect(await points(w, 'u-inviter')).toBe(before);
    invites = await call(w, invitesCommand, {}, 'u-inviter');
    expect(invites.rewards).toEqual([{ at: '2026-11-24T10:00:00+08:00', kind: 'points', amount: 500, reversed: true }]);
    expect(invites.invitees[0].rewarded).toBe(false);
    // No second reward for the same invitee after the reversal.
    await pickedUp(w, 'u-new');
    expect(await points(w, 'u-inviter')).toBe(before);
  });

  it('a partial refund keeps the reward; concurrent pickups of one invitee reward once; the monthly cap holds', async () => {
    const { w } = await world({ referral: { monthlyCapPerInviter: 2 } });
    await signIn(w, 'u-inv');
    const { scene } = await call(w, invitesCommand, {}, 'u-inv');
    for (const u of ['u-a', 'u-b', 'u-c']) expect((await signIn(w, u, scene)).invite).toEqual({ status: 'BOUND' });

    // u-a: two orders picked up at once → one reward.
    const orders = await Promise.all([0, 1].map(() => givenOrder(w, { communityId: XJH, userId: 'u-a', waveDate: '2026-11-24', lines: [{ productId: 'p-rice', qty: 2 }], status: 'ARRIVED', pickupDeadline: '2026-11-26T22:00:00+08:00' })));
    await Promise.all(orders.map((o) => call(w, redeemCommand, { communityId: XJH, code: o.pickupCode }, LEADER)));
    expect(await points(w, 'u-inv')).toBe(500);
    // A partial refund (1 of 2 units) of the rewarded order keeps the reward.
    const rewarded = String((await w.store.get(referralKeys.binding('u-a')))!.rewardOrderId);
    const req = await call(w, afterSalesCommand, { id: rewarded, lines: [{ productId: 'p-rice', qty: 1 }], reason: '少了一袋' }, 'u-a');
    await call(w, decideAfterSalesCommand, { id: req.id, decision: 'approve' }, 'staff-1');
    expect(await points(w, 'u-inv')).toBe(500);

    // u-b, u-c: the cap of 2 a month lets one more through.
    await pickedUp(w, 'u-b');
    await pickedUp(w, 'u-c');
    expect(await points(w, 'u-inv')).toBe(1000);
    const invites = await call(w, invitesCommand, {}, 'u-inv');
    expect(invites.rewards).toHaveLength(2);
    expect(invites.invitees.filter((i: { rewarded: boolean }) => i.rewarded)).toHaveLength(2);
    expect(await w.store.get(referralKeys.monthCap('u-inv', '2026-11'))).toMatchObject({ count: 2 });
  });

  it('a coupon reward (setting) grants the coupon and takes it back unused on a full refund', async () => {
    const couponId = 'cpn-100-10'; // the demo's 满100减10
    const { w } = await world({ referral: { inviterReward: 'coupon', inviterRewardCouponId: couponId } });
    await signIn(w, 'u-inv');
    expect(await w.store.get(keys.userCoupon('u-inv', couponId))).toBeUndefined();
    const { scene } = await call(w, invitesCommand, {}, 'u-inv');
    await signIn(w, 'u-new', scene);
    const order = await pickedUp(w, 'u-new');
    expect(await w.store.get(keys.userCoupon('u-inv', couponId))).toMatchObject({ status: 'available' });
    expect((await call(w, invitesCommand, {}, 'u-inv')).rewards).toEqual([{ at: '2026-11-24T10:00:00+08:00', kind: 'coupon', couponId }]);
    const req = await call(w, afterSalesCommand, { id: order.id, lines: [{ productId: 'p-rice', qty: 1 }], reason: '坏了' }, 'u-new');
    await call(w, decideAfterSalesCommand, { id: req.id, decision: 'approve' }, 'staff-1');
    expect(await w.store.get(keys.userCoupon('u-inv', couponId))).toBeUndefined();
    expect(await w.store.get(shareKeys.inviteCode(String((await w.store.get(keys.user('u-inv')))!.inviteCode)))).toMatchObject({ userId: 'u-inv' });
  });

  it('erasure forgets referral outside the partition: the invitee\'s masked name in the inviter\'s list, the inviter\'s code index (their scene then binds nobody)', async () => {
    const { w } = await world();
    await signIn(w, 'u-inv');
    const { code, scene } = await call(w, invitesCommand, {}, 'u-inv');
    await signIn(w, 'u-new', scene);
    await signIn(w, 'u-second', scene);
    await pickedUp(w, 'u-new', '赵小云');
    expect((await call(w, invitesCommand, {}, 'u-inv')).invitees.map((i: { name: string }) => i.name).sort()).toEqual(['微信用户', '赵**']);

    await call(w, deleteAccountCommand, { confirm: 'DELETE' }, 'u-new');
    const after = await call(w, invitesCommand, {}, 'u-inv');
    expect(after.invitees).toContainEqual({ name: '微信用户', joinedAt: '2026-11-24T10:00:00+08:00', rewarded: true });
    expect(JSON.stringify(after)).not.toContain('赵');

    await call(w, deleteAccountCommand, { confirm: 'DELETE' }, 'u-inv');
    expect(await w.store.get(shareKeys.inviteCode(code))).toBeUndefined();
    expect((await signIn(w, 'u-later', scene)).invite).toEqual({ status: 'NO_INVITE' });
    // The erased inviter's other invitee picks up: nobody is rewarded, nothing of the inviter is written again.
    await pickedUp(w, 'u-second');
    expect((await w.store.query({ pk: 'U#u-inv' })).items).toEqual([]);
    expect(JSON.stringify(await w.store.get(referralKeys.binding('u-second')))).not.toContain('u-inv');
  });
});
