/**
 * The personal-information rights over what issues 16–17 added (DESIGN.md §15): the export
 * carries the wallet, the referral lists and the customer's leader applications; deleting the
 * account deletes a pending application with its sealed phone and anonymises an approved one.
 */
import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { workspaceKeys } from '#app/workspace/keys';
import { FUNCTIONS } from '../../functions/registry.ts';
import { makeWorld, type TestWorld } from '../support/harness.ts';

const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((x) => x.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps) as Promise<any>;
const application = (o: Record<string, unknown> = {}) => ({
  name: '钱申请', pointName: '七宝小店', address: '上海市闵行区七宝路1号', location: { lat: 31.15, lng: 121.35 }, region: '闵行区',
  hours: { opens: '08:00', closes: '21:00' }, capacity: 50, phone: '13912348899', description: '有冷柜', photos: ['https://img.example.com/q.jpg'], ...o,
});

describe('export and erasure of growth and workspace data', () => {
  it('the export holds the wallet, invites and leader applications; erasure deletes a pending application and anonymises an approved one', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    const pending = await as(w, 'u-priv-1', 'verify.apply', application());
    const approved = await as(w, 'u-priv-2', 'verify.apply', application({ name: '孙申请', pointName: '九亭小店', phone: '13912348800' }));
    await as(w, 'staff-1', 'admin.decideLeaderApplication', { id: approved.id, decision: 'approve', routeId: 'r-south' });

    const exported = await as(w, 'u-priv-1', 'auth.export', {});
    expect(exported.leaderApplications).toEqual([expect.objectContaining({ id: pending.id, pointName: '七宝小店', status: 'PENDING', phoneTail: '8899' })]);
    expect(JSON.stringify(exported.leaderApplications)).not.toContain('13912348899');
    expect(exported.wallet).toMatchObject({ principalFen: 0, bonusFen: 0, entries: [] });
    expect(exported.invites).toEqual({ invitees: [], rewards: [] });

    expect(await as(w, 'u-priv-1', 'auth.deleteAccount', { confirm: 'DELETE' })).toEqual({ deleted: true });
    expect(await w.store.get(workspaceKeys.application(pending.id))).toBeUndefined();

    // The approved applicant is a leader now; their application keeps what became the community's, not who they are.
    const { forgetApplications } = await import('#app/workspace/applications');
    await forgetApplications(w.deps, 'u-priv-2');
    const kept = await w.store.get(workspaceKeys.application(approved.id));
    expect(kept).toMatchObject({ status: 'APPROVED', pointName: '九亭小店', erased: true });
    for (const gone of ['userId', 'name', 'phoneTail', 'description', 'photos', 'phoneSealed']) expect(kept).not.toHaveProperty(gone);
  });
});
