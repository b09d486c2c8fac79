import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFolderStorage } from '#adapters/local/folder-storage';
import { createSandboxCodes } from '#adapters/local/sandbox-codes';
import { dispatch } from '#platform/dispatch';
import { outputOf } from '#app/outputs';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { outboxKey } from '#app/outbox';
import { workspaceKeys } from '#app/workspace/keys';
import { queryAll } from '#ports/item-store';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';

/**
 * Issue 17 items 1 and 4 (DESIGN.md §13): leader applications, announcements with the training
 * gate, and daily materials. Through dispatch on DynamoDB Local.
 */
const D = '2026-11-24';
const command = (name: string) => {
  const c = FUNCTIONS.flatMap((m) => m.commands).find((x) => x.name === name);
  if (!c) throw new Error(`no command ${name}`);
  return c;
};
const checked = (name: string) => (data: unknown) => {
  const r = outputOf(command(name))?.safeParse(data);
  if (r && !r.success) throw new Error(`${name} answered outside its output schema: ${JSON.stringify(r.error.issues).slice(0, 300)}`);
  return data as any;
};
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps).then(checked(name)) as Promise<any>;
const staff = (w: TestWorld, name: string, input: Record<string, unknown>) => as(w, 'staff-1', name, input);
const error = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

const PHONE = '13912340077';
const application = (o: Record<string, unknown> = {}) => ({
  name: '赵团长',
  pointName: '莘庄小店',
  address: '上海市闵行区莘庄路8号',
  location: { lat: 31.11, lng: 121.38 },
  region: '闵行区',
  hours: { opens: '08:00', closes: '21:00', closedDays: [0] },
  capacity: 80,
  phone: PHONE,
  description: '社区便利店，有冷柜',
  photos: ['https://img.example.com/a.jpg'],
  ...o,
});

describe('leader applications', () => {
  it('one open application per customer; an approval (even two at once) creates the community, the leader and one push once; a rejection needs a reason', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    for (const bad of [{ phone: '123' }, { capacity: 0 }, { hours: { opens: '21:00', closes: '08:00' } }, { photos: ['javascript:alert(1)'] }, { name: '' }])
      expect(codeOf(await error(as(w, 'u-apply', 'verify.apply', application(bad))))).toBe('VALIDATION_FAILED');
    const app = await as(w, 'u-apply', 'verify.apply', application());
    expect(app).toMatchObject({ status: 'PENDING', userId: 'u-apply', phoneTail: '0077', pointName: '莘庄小店', capacity: 80 });
    expect(JSON.stringify(app)).not.toContain(PHONE);
    const second = await error(as(w, 'u-apply', 'verify.apply', application({ pointName: '另一家' })));
    expect(codeOf(second)).toBe('INVALID_STATE');
    expect((second as any).details).toMatchObject({ reason: 'OPEN_APPLICATION', applicationId: app.id });
    // Only staff review; the queue shows the application masked.
    expect(codeOf(await error(as(w, 'u-apply', 'admin.leaderApplications', {})))).toBe('FORBIDDEN');
    const queue = await staff(w, 'admin.leaderApplications', {});
    expect(queue.map((a: any) => a.id)).toEqual([app.id]);
    expect(JSON.stringify(queue)).not.toContain(PHONE);
    // A new community needs a route.
    expect(codeOf(await error(staff(w, 'admin.decideLeaderApplication', { id: app.id, decision: 'approve' })))).toBe('VALIDATION_FAILED');
    // Not into a community that has a leader.
    const taken = await error(staff(w, 'admin.decideLeaderApplication', { id: app.id, decision: 'approve', communityId: 'c-xujiahui' }));
    expect(codeOf(taken)).toBe('INVALID_STATE');

    // Two approvals at once: one wins, the other is ALREADY_DONE; one community, one leader, one push.
    const both = await Promise.allSettled([
      staff(w, 'admin.decideLeaderApplication', { id: app.id, decision: 'approve', routeId: 'r-south' }),
      staff(w, 'admin.decideLeaderApplication', { id: app.id, decision: 'approve', routeId: 'r-south' }),
    ]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(both.filter((r) => r.status === 'rejected').map((r) => codeOf((r as PromiseRejectedResult).reason))).toEqual(['ALREADY_DONE']);
    const approved = (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<any>).value;
    expect(approved).toMatchObject({ status: 'APPROVED', communityId: `c-${app.id}`, leaderId: `l-${app.id}` });
    expect(codeOf(await error(staff(w, 'admin.decideLeaderApplication', { id: app.id, decision: 'reject', reason: '重复' })))).toBe('ALREADY_DONE');

    const community = await w.store.get(keys.community(`c-${app.id}`), { consistent: true });
    expect(community).toMatchObject({ name: '莘庄小店', region: '闵行区', routeId: 'r-south', leaderId: `l-${app.id}`, hours: { opens: '08:00', closes: '21:00', closedDays: [0] }, status: 'active' });
    const leader = await w.store.get(keys.leader(`l-${app.id}`), { consistent: true });
    expect(leader).toMatchObject({ openid: 'u-apply', communityId: `c-${app.id}`, status: 'active', phoneTail: '0077' });
    expect(w.deps.contacts.decrypt(String(leader!.phoneSealed), `leader:l-${app.id}`)).toBe(PHONE);
    expect(await w.store.get(keys.leaderRole('u-apply'), { consistent: true })).toMatchObject({ leaderId: `l-${app.id}`, communityId: `c-${app.id}`, status: 'active' });
    expect((await staff(w, 'admin.leaders', {})).filter((l: any) => l.openid === 'u-apply')).toHaveLength(1);
    const push = await w.store.get(outboxKey(`leaderApplication#${app.id}`), { consistent: true });
    expect(push).toMatchObject({ key: 'leaderApplication', touser: 'u-apply', payload: { result: 'approved', pointName: '莘庄小店' } });
    // The sealed application phone is gone once decided; the queues moved.
    expect((await w.store.get(workspaceKeys.application(app.id), { consistent: true }))!.phoneSealed).toBeUndefined();
    expect(await staff(w, 'admin.leaderApplications', {})).toEqual([]);
    expect((await staff(w, 'admin.leaderApplications', { status: 'APPROVED' })).map((a: any) => a.id)).toEqual([app.id]);
    // A leader applies no more.
    expect(codeOf(await error(as(w, 'u-apply', 'verify.apply', application())))).toBe('INVALID_STATE');

    // Rejection: a reason is required; the applicant is told and may apply again.
    const other = await as(w, 'u-other', 'verify.apply', application({ phone: '13912340088' }));
    expect(codeOf(await error(staff(w, 'admin.decideLeaderApplication', { id: other.id, decision: 'reject' })))).toBe('VALIDATION_FAILED');
    expect(await staff(w, 'admin.decideLeaderApplication', { id: other.id, decision: 'reject', reason: '位置重叠' })).toMatchObject({ status: 'REJECTED', reason: '位置重叠' });
    expect(await w.store.get(outboxKey(`leaderApplication#${other.id}`), { consistent: true })).toMatchObject({ payload: { result: 'rejected', reason: '位置重叠' } });
    expect(await w.store.get(keys.leaderRole('u-other'), { consistent: true })).toBeUndefined();
    const again = await as(w, 'u-other', 'verify.apply', application({ phone: '13912340088' }));

    // Approval into an existing community without a leader binds it.
    const empty = await staff(w, 'admin.upsertCommunity', { name: '空置小区', address: '幸福路 9 号', region: '徐汇区', location: { lat: 31.2, lng: 121.4 }, routeId: 'r-west' });
    expect(await staff(w, 'admin.decideLeaderApplication', { id: again.id, decision: 'approve', communityId: empty.id })).toMatchObject({ status: 'APPROVED', communityId: empty.id });
    expect(await w.store.get(keys.community(empty.id), { consistent: true })).toMatchObject({ leaderId: `l-${again.id}`, leaderName: '赵团长', name: '空置小区' });
  });
});

describe('announcements, training and daily materials', () => {
  it('apply → approve → the new leader sees the training, cannot redeem before reading it (TRAINING), reads it, redeems; a region notice reaches only its leaders, once', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    // The share card's ports as on the local stage: mini-program codes from the sandbox, images in a folder.
    Object.assign(w.deps, { objectStorage: createFolderStorage({ dir: mkdtempSync(join(tmpdir(), 'gb-storage-')), baseUrl: 'http://local.test' }), miniCodes: createSandboxCodes() });
    const training = await staff(w, 'admin.announce', { requestId: 'train-1', title: '新团长培训：核销', body: '核销前请核对取货码……', kind: 'training', audience: { all: true } });
    expect(training).toMatchObject({ kind: 'training', pushed: 4 });

    const app = await as(w, 'u-new', 'verify.apply', application());
    await staff(w, 'admin.decideLeaderApplication', { id: app.id, decision: 'approve', routeId: 'r-south' });
    const communityId = `c-${app.id}`;
    const leaderId = `l-${app.id}`;

    w.clock.set(`${D}T10:05:00+08:00`);
    // A notice to 徐汇区 only; retried with the same requestId: no second push.
    const notice = await staff(w, 'admin.announce', { requestId: 'n-1', title: '徐汇区本周调整', body: '周六照常到货', audience: { regions: ['徐汇区'] } });
    expect(notice.pushed).toBe(1);
    expect((await staff(w, 'admin.announce', { requestId: 'n-1', title: '徐汇区本周调整', body: '周六照常到货', audience: { regions: ['徐汇区'] } })).pushed).toBe(1);
    const pushes = (await queryAll(w.store, { pk: 'OUTBOX#0', index: 'gsi2' }))
      .concat(await queryAll(w.store, { pk: 'OUTBOX#1', index: 'gsi2' }), await queryAll(w.store, { pk: 'OUTBOX#2', index: 'gsi2' }), await queryAll(w.store, { pk: 'OUTBOX#3', index: 'gsi2' }))
      .filter((m) => m.key === 'announcement');
    const noticePushes = pushes.filter((m) => (m.payload as any).announcementId === notice.id);
    expect(noticePushes.map((m) => m.touser)).toEqual(['demo-leader-xujiahui']);
    // The training went to the four leaders there were then (the new one reads it in the list).
    expect(pushes.filter((m) => (m.payload as any).announcementId === training.id)).toHaveLength(4);
    expect(codeOf(await error(staff(w, 'admin.announce', { title: 't', body: 'b', audience: {} })))).toBe('VALIDATION_FAILED');

    // Each leader lists what addresses them.
    const mine = await as(w, 'u-new', 'verify.announcements', {});
    expect(mine.map((a: any) => a.id)).toEqual([training.id]);
    expect(mine[0].readAt).toBeUndefined();
    expect((await as(w, 'demo-leader-xujiahui', 'verify.announcements', {})).map((a: any) => a.id)).toEqual([notice.id, training.id]);
    expect((await as(w, 'demo-leader-jingan', 'verify.announcements', {})).map((a: any) => a.id)).toEqual([training.id]);
    expect(codeOf(await error(as(w, 'u-new', 'verify.readAnnouncement', { id: notice.id })))).toBe('NOT_FOUND');
    expect(codeOf(await error(as(w, 'u-customer', 'verify.announcements', {})))).toBe('FORBIDDEN');

    // Materials: staff write copy; the leader gets the wave's products with it.
    await staff(w, 'admin.productMaterial', { id: 'p-rice', text: '新米上市，软糯香甜', images: ['https://img.example.com/rice.jpg'] });
    expect(codeOf(await error(staff(w, 'admin.productMaterial', { id: 'p-none', text: 'x', images: [] })))).toBe('NOT_FOUND');
    const materials = await as(w, 'u-new', 'verify.materials', { date: D });
    expect(materials).toMatchObject({ date: D, cutoffAt: `${D}T22:00:00+08:00`, arrivalAt: '2026-11-25T16:00:00+08:00' });
    expect(materials.products.find((p: any) => p.productId === 'p-rice')).toMatchObject({ title: expect.any(String), priceFen: expect.any(Number), text: '新米上市，软糯香甜', images: ['https://img.example.com/rice.jpg'] });
    expect(materials.products.length).toBeGreaterThan(1);
    expect(materials.post).toContain('新米上市，软糯香甜');
    expect(materials.post).toContain('莘庄小店');
    expect(materials.post).toContain('22:00截单');
    // The leader's own share card: its scene opens the leader's community and names them.
    expect(materials.shareCard).toEqual({ scene: expect.any(String), imageUrl: expect.any(String) });
    expect(await as(w, 'u-customer', 'order.resolveScene', { scene: materials.shareCard.scene })).toMatchObject({ communityId, leaderId });

    // The first redeem waits for the training; nothing changes meanwhile.
    const order = await givenOrder(w, { communityId, userId: 'u-buyer', waveDate: D, status: 'ARRIVED', lines: [{ productId: 'p-rice', qty: 1 }] });
    const refused = await error(as(w, 'u-new', 'verify.redeem', { communityId, code: order.pickupCode }));
    expect(codeOf(refused)).toBe('INVALID_STATE');
    expect((refused as any).details).toMatchObject({ reason: 'TRAINING', unread: [{ id: training.id, title: '新团长培训：核销' }] });
    const batch = await as(w, 'u-new', 'verify.batch', { communityId, codes: [order.pickupCode] }).catch((e) => e);
    expect(codeOf(batch)).toBe('INVALID_STATE');
    expect(await w.store.get(keys.order(communityId, D, order.id), { consistent: true })).toMatchObject({ status: 'ARRIVED' });

    const read = await as(w, 'u-new', 'verify.readAnnouncement', { id: training.id });
    expect(read.readAt).toBe(`${D}T10:05:00+08:00`);
    w.clock.set(`${D}T11:00:00+08:00`);
    expect((await as(w, 'u-new', 'verify.readAnnouncement', { id: training.id })).readAt).toBe(`${D}T10:05:00+08:00`);
    expect((await as(w, 'u-new', 'verify.announcements', {}))[0].readAt).toBe(`${D}T10:05:00+08:00`);
    expect(await as(w, 'u-new', 'verify.redeem', { communityId, code: order.pickupCode })).toMatchObject({ status: 'PICKED_UP' });

    // A leader who has redeemed before is not stopped by a later training.
    await staff(w, 'admin.announce', { title: '新话术', body: '……', kind: 'training', audience: { all: true } });
    const next = await givenOrder(w, { communityId, userId: 'u-buyer', waveDate: D, status: 'ARRIVED', lines: [{ productId: 'p-rice', qty: 1 }] });
    expect(await as(w, 'u-new', 'verify.redeem', { communityId, code: next.pickupCode })).toMatchObject({ status: 'PICKED_UP' });
  });
});
