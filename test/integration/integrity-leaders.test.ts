import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { setLeaderStatusCommand, upsertLeaderCommand } from '#app/admin/commands';
import { leaderOrdersCommand } from '#app/verify/orders';
import { redeemCommand } from '#app/verify/commands';
import { getOrderCommand } from '#app/orders/commands';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';
import { call } from '#test/calls';

/** Issue 12 item 6: restoring a removed leader; a leader acts only where community.leaderId is theirs. */

const setStatus = (w: TestWorld, id: string, status: string) => call(w, setLeaderStatusCommand, { id, status }, 'staff-1');
const community = async (w: TestWorld, id: string) => (await w.store.get(keys.community(id)))!;
const leader = async (w: TestWorld, id: string) => (await w.store.get(keys.leader(id)))!;

describe('restoring a removed leader', () => {
  it('re-binds the community in the same write when it has no other leader', async () => {
    const w = await makeWorld();
    await setStatus(w, 'l-jingan', 'removed');
    expect((await community(w, 'c-jingan')).leaderId).toBeUndefined();
    await expect(call(w, leaderOrdersCommand, {}, 'demo-leader-jingan').catch(codeOf)).resolves.toBe('FORBIDDEN');

    await expect(setStatus(w, 'l-jingan', 'active')).resolves.toMatchObject({ id: 'l-jingan', status: 'active' });
    expect(await community(w, 'c-jingan')).toMatchObject({ leaderId: 'l-jingan', leaderName: '李娜' });
    expect(await w.store.get(keys.leaderRole('demo-leader-jingan'))).toMatchObject({ leaderId: 'l-jingan', status: 'active' });
    await expect(call(w, leaderOrdersCommand, {}, 'demo-leader-jingan')).resolves.toMatchObject({ items: [] });
  });

  it('is INVALID_STATE, changing nothing, when another leader took the community meanwhile', async () => {
    const w = await makeWorld();
    await setStatus(w, 'l-xujiahui', 'removed');
    await call(w, upsertLeaderCommand, { id: 'l-new', openid: 'openid-new', name: '新团长', phone: '13800009999', communityId: 'c-xujiahui' }, 'staff-1');
    expect((await community(w, 'c-xujiahui')).leaderId).toBe('l-new');

    for (const status of ['active', 'warned', 'suspended']) {
      await expect(setStatus(w, 'l-xujiahui', status).catch((e) => e)).resolves.toMatchObject({ code: 'INVALID_STATE', details: { communityId: 'c-xujiahui' } });
    }
    expect((await leader(w, 'l-xujiahui')).status).toBe('removed');
    expect((await w.store.get(keys.leaderRole('demo-leader-xujiahui')))!.status).toBe('removed');
    expect(await community(w, 'c-xujiahui')).toMatchObject({ leaderId: 'l-new', leaderName: '新团长' });
  });

  it('editing a removed leader’s details does not bind the community again; only a restore does', async () => {
    const w = await makeWorld();
    await setStatus(w, 'l-wujiaochang', 'removed');
    await call(w, upsertLeaderCommand, { id: 'l-wujiaochang', openid: 'demo-leader-wujiaochang', name: '刘洋洋', phone: '13800001004', communityId: 'c-wujiaochang' }, 'staff-1');
    expect((await community(w, 'c-wujiaochang')).leaderId).toBeUndefined();
    expect(await leader(w, 'l-wujiaochang')).toMatchObject({ status: 'removed', name: '刘洋洋' });
    await expect(setStatus(w, 'l-wujiaochang', 'active')).resolves.toMatchObject({ status: 'active' });
    expect(await community(w, 'c-wujiaochang')).toMatchObject({ leaderId: 'l-wujiaochang', leaderName: '刘洋洋' });
  });

  it('two restores racing with an onboarding: the community never has two leaders', async () => {
    const w = await makeWorld();
    await setStatus(w, 'l-lujiazui', 'removed');
    const results = await Promise.allSettled([
      setStatus(w, 'l-lujiazui', 'active'),
      call(w, upsertLeaderCommand, { id: 'l-rival', openid: 'openid-rival', name: '对手', phone: '13800008888', communityId: 'c-lujiazui' }, 'staff-1'),
    ]);
    const bound = (await community(w, 'c-lujiazui')).leaderId;
    const [restore, onboard] = results;
    expect([restore!.status, onboard!.status].filter((s) => s === 'fulfilled')).toHaveLength(1);
    if (restore!.status === 'fulfilled') {
      expect(bound).toBe('l-lujiazui');
      expect(await w.store.get(keys.leader('l-rival'))).toBeUndefined();
    } else {
      expect(codeOf(restore!.reason)).toBe('INVALID_STATE');
      expect(bound).toBe('l-rival');
      expect((await leader(w, 'l-lujiazui')).status).toBe('removed');
    }
  });
});

describe('a leader acts only where community.leaderId is theirs', () => {
  it('a binding whose community names someone else is FORBIDDEN for listing and redeeming', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const order = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-1', waveDate: '2026-11-24', status: 'ARRIVED', lines: [{ productId: 'p-rice', qty: 1 }] });
    // The role binding still says active leader of c-xujiahui, but the community record names another.
    await w.store.write({ type: 'update', key: keys.community('c-xujiahui'), update: { set: { leaderId: 'l-someone-else' } } });
    await expect(call(w, leaderOrdersCommand, {}, 'demo-leader-xujiahui').catch(codeOf)).resolves.toBe('FORBIDDEN');
    await expect(call(w, redeemCommand, { communityId: 'c-xujiahui', code: order.pickupCode }, 'demo-leader-xujiahui').catch(codeOf)).resolves.toBe('FORBIDDEN');
    expect((await w.store.get(keys.order('c-xujiahui', '2026-11-24', order.id)))!.status).toBe('ARRIVED');
    await expect(call(w, getOrderCommand, { id: order.id }, 'demo-leader-xujiahui').catch(codeOf)).resolves.toBe('NOT_FOUND');

    await w.store.write({ type: 'update', key: keys.community('c-xujiahui'), update: { set: { leaderId: 'l-xujiahui' } } });
    await expect(call(w, leaderOrdersCommand, { waveDate: '2026-11-24' }, 'demo-leader-xujiahui')).resolves.toMatchObject({ items: [{ id: order.id }] });
    await expect(call(w, getOrderCommand, { id: order.id }, 'demo-leader-xujiahui')).resolves.toMatchObject({ id: order.id, contact: { phoneTail: '5678' } });
  });
});
