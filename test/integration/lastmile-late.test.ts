import { describe, expect, it } from 'vitest';
import { codeOf } from '#test/errors';
import { keys } from '#app/keys';
import { orderKey } from '#app/orders/model';
import { runCutoff } from '#app/cutoff/close-waves';
import { drainOutbox } from '#app/notify/drain';
import { ensureProfile } from '#app/users';
import { createMemorySmsSink } from '#adapters/local/sms-sink';
import { queryAll, type Item } from '#ports/item-store';
import { callAs, errorOf } from '../support/calls.ts';
import { storeBackends } from '../support/store-backends.ts';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';

/**
 * Issue 17 item 5 (DESIGN.md §13): the arrival reminder when a route is dispatched, and the late
 * notice of a route or a wave. Through dispatch of the registry's commands on DynamoDB Local,
 * the pushes through the real outbox drain (quota spent at send time).
 */
/** Both stores: DynamoDB Local and the CloudBase double (parity). */
const BACKENDS = storeBackends();
const D = '2026-11-24';
const XJH = 'c-xujiahui'; // r-west
const JA = 'c-jingan'; // r-west
const LJZ = 'c-lujiazui'; // r-east
const as = callAs;
const error = errorOf;
const outbox = async (w: TestWorld): Promise<Item[]> => (await queryAll(w.store, { index: 'gsi2', pk: 'OUTBOX#0' })).concat(...(await Promise.all([1, 2, 3].map((s) => queryAll(w.store, { index: 'gsi2', pk: `OUTBOX#${s}` })))));
const scanMessages = async (w: TestWorld, ids: string[]) => (await w.store.getMany(ids.map((id) => ({ pk: `MSG#${id}`, sk: 'MSG' })))).filter(Boolean);
const sentTo = (w: TestWorld, templateId: string) => w.sender.sent.filter((m) => m.templateId === templateId).map((m) => m.touser).sort();

describe.each(BACKENDS)('last mile: dispatch reminder and late notice on $name', ({ make }) => {
  it('marking a route late pushes each affected customer and leader once (quota-aware), moves arrivalAt and the deadlines; a retry changes nothing', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00`, settings: { pickupDays: 3, pickupClosesAt: '22:00' }, store: await make() });
    const rice = [{ productId: 'p-rice', qty: 1 }];
    const a1 = await givenOrder(w, { communityId: XJH, userId: 'u-a', waveDate: D, lines: rice });
    const a2 = await givenOrder(w, { communityId: XJH, userId: 'u-a', waveDate: D, lines: [{ productId: 'p-eggs', qty: 1 }] });
    const b = await givenOrder(w, { communityId: JA, userId: 'u-b', waveDate: D, lines: rice });
    const c = await givenOrder(w, { communityId: LJZ, userId: 'u-c', waveDate: D, lines: rice });
    // u-e has no push quota: the late notice falls back to one SMS.
    const sms = createMemorySmsSink(() => new Date(w.clock.now()).toISOString());
    w.deps.sms = sms;
    await ensureProfile(w.deps, 'u-e');
    const e = await givenOrder(w, { communityId: JA, userId: 'u-e', waveDate: D, lines: rice, contact: { name: '吴小伟', phone: '13755556666' } });
    w.clock.set(`${D}T22:00:00+08:00`);
    await runCutoff(w.deps, { date: D });
    await drainOutbox(w.deps); // the cutoff summaries (no quota: skipped)

    // Quota: u-a and the Xujiahui leader accepted; u-b accepted; the Jing'an leader did not.
    for (const [openid, tmpl] of [['u-a', 'tmpl-lateNotice'], ['u-b', 'tmpl-lateNotice'], ['u-c', 'tmpl-lateNotice'], ['demo-leader-xujiahui', 'tmpl-lateNoticeLeader'], ['demo-leader-xujiahui', 'tmpl-arrivalReminder'], ['demo-leader-jingan', 'tmpl-arrivalReminder']] as const)
      await as(w, openid, 'notify.subscribe', { results: { [tmpl]: 'accept' } });

    // Dispatch of r-west: one arrival reminder per leader on it, however often it is dispatched.
    w.clock.set('2026-11-25T06:00:00+08:00');
    const sent = await as(w, 'staff-1', 'cutoff.dispatch', { date: D, routeId: 'r-west' });
    expect(sent).toMatchObject({ routes: [{ routeId: 'r-west', dispatchedAt: '2026-11-25T06:00:00+08:00', stops: 2 }], leaders: 2 });
    w.clock.set('2026-11-25T06:10:00+08:00');
    expect(await as(w, 'staff-1', 'cutoff.dispatch', { date: D, routeId: 'r-west' })).toMatchObject({ routes: [{ dispatchedAt: '2026-11-25T06:00:00+08:00' }], leaders: 0 });
    expect(codeOf(await error(as(w, 'staff-1', 'cutoff.dispatch', { date: '2026-11-30' })))).toBe('NOT_FOUND');
    await drainOutbox(w.deps);
    expect(sentTo(w, 'tmpl-arrivalReminder')).toEqual(['demo-leader-jingan', 'demo-leader-xujiahui']);

    // Bad input changes nothing.
    const late = { date: D, requestId: 'late-1', routeId: 'r-west', newArrivalAt: '2026-11-26T10:00:00+08:00', reason: '暴雨封路，延迟到货' };
    expect(codeOf(await error(as(w, 'staff-1', 'cutoff.late', { ...late, newArrivalAt: '2026-11-25T05:00:00+08:00' })))).toBe('VALIDATION_FAILED');
    expect(codeOf(await error(as(w, 'staff-1', 'cutoff.late', { ...late, routeId: 'r-nowhere' })))).toBe('NOT_FOUND');
    expect(codeOf(await error(as(w, 'u-a', 'cutoff.late', late)))).toBe('FORBIDDEN');
    expect(await outbox(w)).toEqual([]);

    // Two at once, then a third: one answer, one set of pushes.
    const answers = await Promise.all([as(w, 'staff-1', 'cutoff.late', late), as(w, 'staff-1', 'cutoff.late', late)]);
    expect(answers).toEqual([{ orders: 4, leaders: 2 }, { orders: 4, leaders: 2 }]);
    const queued = (await outbox(w)).map((m) => String(m.id)).sort();
    expect(queued).toHaveLength(5); // u-a (two orders, one push), u-b, u-e, and two leaders
    const before = await scanMessages(w, queued);
    expect(await as(w, 'staff-1', 'cutoff.late', late)).toEqual({ orders: 4, leaders: 2 });
    expect(await scanMessages(w, queued)).toEqual(before);
    expect(codeOf(await error(as(w, 'staff-1', 'cutoff.late', { ...late, reason: '别的原因' })))).toBe('INVALID_STATE');

    await drainOutbox(w.deps);
    await drainOutbox(w.deps); // the SMS the first run queued
    expect(sentTo(w, 'tmpl-lateNotice')).toEqual(['u-a', 'u-b']);
    expect(sms.entries.map((t) => [t.phone, t.template, t.params])).toEqual([['13755556666', 'lateNotice', [e.shortNo, '静安新城', '11-26 10:00', '暴雨封路，延迟到货']]]);
    expect(sentTo(w, 'tmpl-lateNoticeLeader')).toEqual(['demo-leader-xujiahui']);
    // The Jing'an leader had no quota: queued once, skipped, never sent.
    const skipped = (await scanMessages(w, queued)).filter((m) => m!.status === 'skipped_no_quota').map((m) => m!.touser);
    expect(skipped.sort()).toEqual(['demo-leader-jingan', 'u-e']);
    const customerPush = w.sender.sent.find((m) => m.touser === 'u-a' && m.templateId === 'tmpl-lateNotice')!;
    expect(customerPush.data).toMatchObject({ thing2: { value: '徐家汇花园' }, time3: { value: '2026-11-26 10:00' }, thing4: { value: '暴雨封路，延迟到货' } });

    // The order view shows the new time; the other route's order is untouched.
    for (const [o, user] of [[a1, 'u-a'], [a2, 'u-a'], [b, 'u-b'], [e, 'u-e']] as const) expect((await as(w, user, 'order.get', { id: o.id })).arrivalAt).toBe('2026-11-26T10:00:00+08:00');
    expect((await as(w, 'u-c', 'order.get', { id: c.id })).arrivalAt).toBeUndefined();

    // Deadlines computed at arrival count from the new time (3 days: 11-29 22:00, not 11-28).
    w.clock.set('2026-11-25T16:00:00+08:00');
    expect((await as(w, 'demo-leader-xujiahui', 'verify.arrival', { communityId: XJH, waveDate: D })).pickupDeadline).toBe('2026-11-29T22:00:00+08:00');
    expect((await w.store.get(orderKey(a1), { consistent: true }))!.pickupDeadline).toBe('2026-11-29T22:00:00+08:00');
    expect((await as(w, 'demo-leader-lujiazui', 'verify.arrival', { communityId: LJZ, waveDate: D })).pickupDeadline).toBe('2026-11-28T22:00:00+08:00');

    // A whole-wave notice reaches only orders still CONFIRMED (Jing'an's).
    const wave = await as(w, 'staff-1', 'cutoff.late', { date: D, requestId: 'late-2', newArrivalAt: '2026-11-26T12:00:00+08:00', reason: '车辆故障' });
    expect(wave).toEqual({ orders: 2, leaders: 1 });
    expect((await w.store.get(keys.communityWave(JA, D)))!.lateArrivalAt).toBe('2026-11-26T12:00:00+08:00');
  });
});
