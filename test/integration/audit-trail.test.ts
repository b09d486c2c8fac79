import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { outputOf } from '#app/outputs';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { outboxKey } from '#app/outbox';
import { deadIndex } from '#app/notify/keys';
import { runCutoff } from '#app/cutoff/close-waves';
import { auditKeys } from '#app/audit/keys';
import { auditedStore, summarize, HIDDEN } from '#app/audit/audit';
import { ConditionFailed, queryAll, type Item } from '#ports/item-store';
import { FUNCTIONS } from '../../functions/registry.ts';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';

const D = '2026-11-24';
const XJH = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';
const command = (name: string) => {
  const c = FUNCTIONS.flatMap((m) => m.commands).find((x) => x.name === name);
  if (!c) throw new Error(`no command ${name} in the registry`);
  return c;
};
/** Every answer is checked against the command's output schema (shared/app/outputs.ts). */
const checked = (name: string) => (data: unknown) => {
  const schema = outputOf(command(name));
  const r = schema?.safeParse(data);
  if (r && !r.success) throw new Error(`${name} answered outside its output schema: ${JSON.stringify(r.error.issues).slice(0, 500)}`);
  return data as any;
};
const as = (w: TestWorld, openid: string, name: string, input: Record<string, unknown>) => dispatch(command(name), input, { kind: 'openid', openid }, w.deps).then(checked(name)) as Promise<any>;
const staff = (w: TestWorld, name: string, input: Record<string, unknown>) => as(w, 'staff-1', name, input);
/** Every audit entry, read straight from the table (every month partition the test can touch). */
const entries = async (w: TestWorld): Promise<Item[]> => [...(await queryAll(w.store, { ...auditKeys.month('2026-11'), consistent: true })), ...(await queryAll(w.store, { ...auditKeys.month('2026-12'), consistent: true }))];

const LEADER_PHONE = '13700001234';
const LEADER_NAME = '李四光';
const CUSTOMER_PHONE = '13912345678';
const CUSTOMER_NAME = '张三丰';

describe('audit trail: every staff write leaves exactly one entry, in its own transaction, never contact data', () => {
  it('loops over the staff writes through dispatch', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    // Fixtures (customer, leader and direct writes: not staff writes).
    const contact = { name: CUSTOMER_NAME, phone: CUSTOMER_PHONE };
    const toRefund = await givenOrder(w, { communityId: XJH, userId: 'u-1', waveDate: D, status: 'PAID', contact, lines: [{ productId: 'p-rice', qty: 2 }] });
    const toCancel = await givenOrder(w, { communityId: XJH, userId: 'u-2', waveDate: D, status: 'PAID', contact, lines: [{ productId: 'p-rice', qty: 1 }] });
    const pickedUp = await givenOrder(w, { communityId: XJH, userId: 'u-3', waveDate: D, status: 'PAID', contact, lines: [{ productId: 'p-eggs', qty: 2 }] });
    w.clock.set(`${D}T22:00:00+08:00`);
    await runCutoff(w.deps, { date: D });
    w.clock.set('2026-11-25T16:00:00+08:00');
    await as(w, LEADER, 'verify.arrival', { communityId: XJH, waveDate: D });
    await as(w, LEADER, 'verify.redeem', { communityId: XJH, code: pickedUp.pickupCode });
    const asked = await as(w, 'u-3', 'order.afterSales', { id: pickedUp.id, lines: [{ productId: 'p-eggs', qty: 1 }], reason: '破了' });
    await w.store.write({ type: 'put', item: { ...keys.leaderBalance('l-xujiahui'), leaderId: 'l-xujiahui', pendingFen: 0, availableFen: 10_000, withdrawnFen: 0, reservedFen: 0 } });
    const withdrawal = await as(w, LEADER, 'settle.withdraw', { requestId: 'wd-1', amountFen: 1_000 });
    const deadAt = '2026-11-25T15:00:00+08:00';
    await w.store.write({ type: 'put', item: { ...outboxKey('dead-1'), ...deadIndex(deadAt, 'dead-1'), id: 'dead-1', key: 'arrivalNotice', touser: 'u-1', payload: {}, status: 'dead', attempts: 5, dueAt: deadAt, createdAt: deadAt, deadAt } });
    const settings = await staff(w, 'admin.settings', {});
    const communityId = (await staff(w, 'admin.upsertCommunity', { name: '新小区', address: '幸福路 1 号', region: '徐汇', location: { lat: 31.2, lng: 121.4 }, routeId: 'r-west' })).id;
    const leaderApplication = await as(w, 'u-applicant', 'verify.apply', { name: '赵团长', pointName: '莘庄小店', address: '莘庄路8号', location: { lat: 31.11, lng: 121.38 }, region: '闵行区', hours: { opens: '08:00', closes: '21:00' }, capacity: 50, phone: '13912340077' });
    const before = (await entries(w)).length;
    expect(before).toBe(1);

    const product = { title: '有机菠菜', category: '蔬菜', priceFen: 990, supplierId: 's-veg', fresh: true };
    const made: Record<string, any> = {};
    const writes: [string, Record<string, unknown> | (() => Record<string, unknown>)][] = [
      ['admin.upsertProduct', product],
      ['admin.updateProduct', { ...product, id: 'p-rice', title: '五常大米 5kg', priceFen: 6990 }],
      ['admin.updateCommunity', { id: communityId, name: '新小区二期', address: '幸福路 2 号', region: '徐汇', location: { lat: 31.2, lng: 121.4 }, routeId: 'r-west' }],
      ['admin.upsertLeader', { openid: 'o-new-leader', name: LEADER_NAME, phone: LEADER_PHONE, communityId }],
      ['admin.setLeaderStatus', { id: 'l-jingan', status: 'warned', reason: '单量不足' }],
      ['admin.upsertCoupon', { title: '满100减10', kind: 'fixed', valueFen: 1000, thresholdFen: 10000, validFrom: '2026-11-01T00:00:00+08:00', validTo: '2026-12-31T00:00:00+08:00' }],
      ['admin.grantCoupon', { id: 'cpn-100-10', userIds: ['u-7', 'u-8', 'u-9'] }],
      ['admin.grantMembership', { id: 'u-1', until: '2027-01-01T00:00:00+08:00' }],
      ['admin.updateSettings', { ...settings, lowStockThreshold: 7 }],
      ['admin.createStaff', { login: 'ops.wang', name: '王运营', roles: ['operations'], password: 'correct horse battery' }],
      ['admin.updateStaff', () => ({ id: made['admin.createStaff'].id, roles: ['operations', 'finance'] })],
      ['admin.runJob', { job: 'expire' }],
      ['notify.retryDeadLetter', { id: 'dead-1' }],
      ['admin.decideAfterSales', { id: asked.id, decision: 'approve' }],
      ['settle.decideWithdrawal', { id: withdrawal.id, decision: 'reject', reason: '信息不符' }],
      ['admin.refundOrder', { id: toRefund.id, requestId: 'rf-1', lines: [{ productId: 'p-rice', qty: 1 }], reason: '破损' }],
      ['admin.cancelOrder', { id: toCancel.id, reason: '无法履约' }],
      ['cutoff.shortage', { date: D, requestId: 'sh-1', productId: 'p-rice', shortQty: 1, reason: '少送' }],
      ['admin.updateServiceArea', { districts: [] }],
      ['settle.adjust', { id: 'l-xujiahui', requestId: 'adj-1', amountFen: 500, reason: '活动补贴' }],
      ['verify.moveCustomer', { id: 'u-1', leaderId: 'l-jingan' }],
      ['admin.decideLeaderApplication', { id: leaderApplication.id, decision: 'approve', routeId: 'r-south' }],
      ['admin.announce', { title: '培训', body: '核销流程', kind: 'training', audience: { all: true } }],
      ['admin.productMaterial', { id: 'p-rice', text: '新米上市', images: [] }],
      ['cutoff.dispatch', { date: D, routeId: 'r-west' }],
      ['cutoff.late', { date: D, requestId: 'late-1', newArrivalAt: '2026-11-25T19:00:00+08:00', reason: '暴雨封路' }],
    ];
    let count = before;
    for (const [name, input] of writes) {
      made[name] = await staff(w, name, typeof input === 'function' ? input() : input);
      await w.jobs.idle?.();
      const all = await entries(w);
      expect({ name, added: all.length - count }).toEqual({ name, added: 1 });
      const newest = all.sort((a, b) => String(b.sk).localeCompare(String(a.sk)))[0]!;
      expect(newest).toMatchObject({ command: name, actor: 'staff-1' });
      expect(typeof newest.target).toBe('string');
      count = all.length;
    }

    // The loop covers every staff write of the registry (roles neither customer nor leader, not a GET);
    // confirming a sign-in ticket is a sign-in, not a business write.
    const staffWrites = FUNCTIONS.flatMap((m) => m.commands)
      .filter((c) => Array.isArray(c.roles) && !c.roles.some((r: string) => r === 'customer' || r === 'leader') && c.http?.method !== 'GET')
      .map((c) => c.name)
      .filter((n) => n !== 'auth.confirmWebTicket');
    const covered = new Set(['admin.upsertCommunity', ...writes.map(([n]) => n)]);
    expect(staffWrites.filter((n) => !covered.has(n))).toEqual([]);

    // A replay or a refused write leaves none.
    await staff(w, 'admin.refundOrder', { id: toRefund.id, requestId: 'rf-1', lines: [{ productId: 'p-rice', qty: 1 }], reason: '破损' });
    expect(codeOf(await staff(w, 'admin.cancelOrder', { id: toCancel.id, reason: 'again' }).catch((e) => e))).toBe('ALREADY_DONE');
    expect(codeOf(await staff(w, 'admin.decideAfterSales', { id: asked.id, decision: 'approve' }).catch((e) => e))).toBe('ALREADY_DONE');
    expect((await entries(w)).length).toBe(count);

    // Never contact data: the leader's and the customers' names and phones appear nowhere.
    const text = JSON.stringify(await entries(w));
    for (const secret of [LEADER_PHONE, LEADER_NAME, CUSTOMER_PHONE, CUSTOMER_NAME, 'o-new-leader', '王运营', 'correct horse battery']) expect(text).not.toContain(secret);
    const leader = (await entries(w)).find((e) => e.command === 'admin.upsertLeader')!;
    expect(leader.changes).toMatchObject({ phone: HIDDEN, name: HIDDEN, openid: HIDDEN, communityId });

    // Read back: newest first, by target and by actor, paged.
    const page = await staff(w, 'admin.audit', {});
    expect(page.items.map((i: any) => i.command)).toEqual([...writes.map(([n]) => n)].reverse().concat(['admin.upsertCommunity']));
    expect((await staff(w, 'admin.audit', { target: toRefund.id })).items.map((i: any) => i.command)).toEqual(['admin.refundOrder']);
    expect((await staff(w, 'admin.audit', { actor: 'staff-1', from: '2026-11-25' })).items).toHaveLength(count);
    expect((await staff(w, 'admin.audit', { actor: 'nobody' })).items).toEqual([]);
    // The order's timeline names who refunded it.
    const detail = await staff(w, 'admin.order', { id: toRefund.id });
    expect(detail.timeline).toContainEqual(expect.objectContaining({ event: 'admin.refundOrder', by: 'staff-1' }));
  });

  it('the entry is in the write’s transaction: a write whose condition fails leaves no entry and still throws ConditionFailed', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, seed: false });
    let made = 0;
    const store = auditedStore(w.store, () => ({ type: 'put', item: { pk: 'AUDIT#test', sk: String(++made), kind: 'audit' } }));
    const key = { pk: 'X#1', sk: 'X' };
    await expect(store.write({ type: 'put', item: { ...key, v: 1 }, when: [{ op: 'exists' }] })).rejects.toBeInstanceOf(ConditionFailed);
    expect(await queryAll(w.store, { pk: 'AUDIT#test' })).toEqual([]);
    const after = await store.write({ type: 'update', key, update: { set: { v: 2 } } });
    expect(after).toMatchObject({ v: 2 });
    await store.write({ type: 'update', key, update: { set: { v: 3 } } });
    expect((await queryAll(w.store, { pk: 'AUDIT#test' })).map((x) => x.sk)).toEqual(['2']);
  });

  it('summaries hide contact fields and phone-like values, keep the rest', () => {
    expect(summarize({ id: 'p1', priceFen: 100, contact: { name: '王五', phone: '13800001111' }, note: 'call 13800001111', lines: [{ productId: 'a', qty: 2 }] })).toEqual({
      id: 'p1',
      priceFen: 100,
      'contact.name': HIDDEN,
      'contact.phone': HIDDEN,
      note: HIDDEN,
      'lines.0.productId': 'a',
      'lines.0.qty': 2,
    });
  });
});
