import { describe, expect, it } from 'vitest';
import type { Job } from '#app/command';
import { withJobRunner } from '#app/jobs/runner';
import { outboxKey } from '#app/outbox';
import { recordRefundResult } from '#app/orders/refunds';
import { staffAlertOpenids } from '#app/staff-alerts';
import { createAwsHandler } from '#platform/aws-entry';
import { dispatch } from '#platform/dispatch';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, recordRefunds, type TestWorld } from '../support/harness.ts';

/**
 * Staff pushes reach the staff records, not only the STAFF_OPENIDS seed: a refund alert goes
 * to the bound openids of active owners and finance members, a failed job to owners and
 * operations. Disabled members, members without a bound openid and other roles get none. Through
 * the real write paths on DynamoDB Local (the outbox entries the notify function drains).
 */
const command = (name: string) => FUNCTIONS.flatMap((m) => m.commands).find((c) => c.name === name)!;
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps) as Promise<any>;

/** The seed owner (staff-1, STAFF_OPENIDS) and the demo owner record (demo-staff) exist in every test world. */
async function team(w: TestWorld) {
  const made: Record<string, string> = {};
  for (const [login, roles, openid] of [
    ['boss', ['owner'], 'o-boss'],
    ['fin', ['finance'], 'o-fin'],
    ['ops', ['operations'], 'o-ops'],
    ['whse', ['warehouse'], 'o-whse'],
    ['opsfin', ['operations', 'finance'], 'o-opsfin'],
    ['gone', ['owner', 'finance', 'operations'], 'o-gone'],
    ['nobind', ['finance', 'operations'], undefined],
  ] as const)
    made[login] = (await as(w, 'staff-1', 'admin.createStaff', { login, name: login, roles, ...(openid ? { openid } : {}) })).id;
  await as(w, 'staff-1', 'admin.updateStaff', { id: made.gone, status: 'disabled' });
}

const SEEDS = ['demo-staff', 'staff-1'];

describe('staff pushes go to the staff records with a fitting role', () => {
  it('the recipients: refund alerts owner + finance, failed jobs owner + operations; never a disabled member, an unbound one or another role', async () => {
    const w = await makeWorld();
    expect(await staffAlertOpenids(w.deps, 'refundAlert')).toEqual(SEEDS);
    await team(w);
    expect(await staffAlertOpenids(w.deps, 'refundAlert')).toEqual([...SEEDS, 'o-boss', 'o-fin', 'o-opsfin'].sort());
    expect(await staffAlertOpenids(w.deps, 'jobFailed')).toEqual([...SEEDS, 'o-boss', 'o-ops', 'o-opsfin'].sort());
  });

  it('an abnormal refund queues one refundAlert per owner and finance openid, once; a failed job one jobFailed per owner and operations openid', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    await team(w);
    const gateway = recordRefunds(w);
    const order = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-1', waveDate: '2026-11-24', status: 'PAID', lines: [{ productId: 'p-rice', qty: 2, paidFen: 2000 }] });
    const refunded = await as(w, 'o-fin', 'admin.refundOrder', { id: order.id, requestId: 'r1', lines: [{ productId: 'p-rice', qty: 1 }], reason: '破损' });
    const refund = refunded.refunds[0];
    expect(gateway.map((r) => r.amountFen)).toEqual([1000]);
    expect(await recordRefundResult(w.deps, { orderId: order.id, refundId: refund.id, status: 'ABNORMAL', amountFen: 1000 })).toBe('recorded');
    expect(await recordRefundResult(w.deps, { orderId: order.id, refundId: refund.id, status: 'ABNORMAL', amountFen: 1000 })).toBe('unchanged');
    const alert = (openid: string) => w.store.get(outboxKey(`refund-alert#${refund.id}#ABNORMAL#${openid}`), { consistent: true });
    for (const openid of [...SEEDS, 'o-boss', 'o-fin', 'o-opsfin'])
      expect(await alert(openid)).toMatchObject({ key: 'refundAlert', touser: openid, status: 'pending', payload: { orderId: order.id, amountFen: 1000, problem: 'refundAbnormal' } });
    for (const openid of ['o-ops', 'o-whse', 'o-gone']) expect(await alert(openid)).toBeUndefined();

    // A failed scheduled run.
    const ids: string[] = [];
    const newId = w.deps.ids.newId.bind(w.deps.ids);
    w.deps.ids = { ...w.deps.ids, newId: () => (ids.push(newId()), ids[ids.length - 1]!) };
    const failing: Job = { name: 'boom', run: async () => Promise.reject(new Error('boom')) };
    await expect((createAwsHandler(withJobRunner({ name: 'boom', commands: [], jobs: [failing] }, 60), async () => w.deps) as any)({ job: 'boom' }, {})).rejects.toThrow('boom');
    const runId = ids[0]!;
    const push = (openid: string) => w.store.get(outboxKey(`jobFailed#${runId}#${openid}`), { consistent: true });
    for (const openid of [...SEEDS, 'o-boss', 'o-ops', 'o-opsfin']) expect(await push(openid)).toMatchObject({ key: 'jobFailed', touser: openid, payload: { job: 'boom', runId, code: 'INTERNAL' } });
    for (const openid of ['o-fin', 'o-whse', 'o-gone']) expect(await push(openid)).toBeUndefined();
  });
});
