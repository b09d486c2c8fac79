import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { keys } from '#app/keys';
import { outboxKey, outboxOp } from '#app/outbox';
import { ensureProfile } from '#app/users';
import { arrivalCommand } from '#app/verify/commands';
import { notifyJob, subscribeCommand } from '#app/notify/commands';
import { smsPreferenceCommand } from '#app/privacy/commands';
import { smsEntryId, smsKeys } from '#app/sms/keys';
import { smsFallbackOp } from '#app/sms/fallback';
import { readFinance } from '#app/settle/finance';
import { createMemorySmsSink } from '#adapters/local/sms-sink';
import type { SmsResult } from '#ports/sms';
import { queryAll } from '#ports/item-store';
import { givenOrder, makeWorld, type TestWorld } from '../support/harness.ts';

// The SMS fallback of a customer notice without push quota (DESIGN.md §15), against DynamoDB Local.

const XJH = 'c-xujiahui';
const LEADER = 'demo-leader-xujiahui';
const call = (w: TestWorld, command: Parameters<typeof dispatch>[0], input: unknown, openid: string) => dispatch(command, input, { kind: 'openid', openid }, w.deps) as Promise<any>;

async function world(now: string, settings: Record<string, unknown> = {}) {
  const w = await makeWorld({ now, settings });
  const sink = createMemorySmsSink(() => new Date(w.clock.now()).toISOString());
  let answer: (() => SmsResult) | undefined;
  w.deps.sms = { send: async (m) => (answer ? answer() : sink.send(m)) };
  return { w, sink, answer: (f: (() => SmsResult) | undefined) => (answer = f) };
}

/** A paid, confirmed order of the wave for a signed-up customer; `arrive` then sets it ARRIVED and queues its arrival notice. */
async function confirmedOrder(w: TestWorld, userId: string, waveDate: string, phone = '13912345678') {
  await ensureProfile(w.deps, userId);
  return givenOrder(w, { communityId: XJH, userId, waveDate, status: 'CONFIRMED', lines: [{ productId: 'p-rice', qty: 1 }], contact: { name: '王小明', phone } });
}
async function arrive(w: TestWorld, waveDate: string) {
  await w.store.write({ type: 'put', item: { ...keys.communityWave(XJH, waveDate), status: 'CLOSED' } });
  await call(w, arrivalCommand, { communityId: XJH, waveDate }, LEADER);
}
/** The notify job until nothing is due (the fallback is queued by the first run, sent by the next). */
async function drain(w: TestWorld) {
  for (let i = 0; i < 4; i++) if ((await notifyJob.run(w.deps, {}) as { seen: number }).seen === 0) return;
}

describe('SMS fallback', () => {
  it('a customer without push quota gets exactly one arrival SMS, with the full number, through the outbox; the push is skipped', async () => {
    const { w, sink } = await world('2026-11-25T16:00:00+08:00');
    const o = await confirmedOrder(w, 'u-noquota', '2026-11-24');
    await arrive(w, '2026-11-24');
    await drain(w);
    expect(sink.entries).toEqual([{ phone: '13912345678', template: 'arrivalNotice', params: [o.shortNo, '徐家汇花园', o.pickupCode, '11-28 22:00'], sentAt: expect.any(String), userId: 'u-noquota' }]);
    expect((await w.store.get(outboxKey(`arrival#${o.id}`)))!.status).toBe('skipped_no_quota');
    const sms = (await w.store.get(outboxKey(smsEntryId('arrivalNotice', o.id))))!;
    expect(sms).toMatchObject({ channel: 'sms', status: 'sent', touser: 'u-noquota' });
    expect(JSON.stringify(sms)).not.toContain('13912345678');
    // The push queued again (a second arrival notice of the same order, e.g. a staff retry) skips again: still one SMS.
    await w.store.write({ type: 'update', key: outboxKey(`arrival#${o.id}`), update: { set: { status: 'pending', dueAt: '2026-11-25T16:00:00+08:00', gsi2pk: 'OUTBOX#0', gsi2sk: `2026-11-25T16:00:00+08:00#arrival#${o.id}` } } });
    await drain(w);
    expect(sink.entries).toHaveLength(1);
    expect((await w.store.get(outboxKey(`arrival#${o.id}`)))!.status).toBe('skipped_no_quota');
  });

  it('the pickup reminder falls back to its own SMS (one per order and kind: the arrival SMS does not stop it, a second reminder does not repeat it)', async () => {
    const { w, sink } = await world('2026-11-25T16:00:00+08:00');
    const o = await confirmedOrder(w, 'u-remind', '2026-11-24');
    await arrive(w, '2026-11-24');
    await drain(w);
    const arrived = (await w.store.get(outboxKey(`arrival#${o.id}`)))!;
    w.clock.set('2026-11-27T10:00:00+08:00');
    for (const dedupe of [`pickupReminder#${o.id}`, `pickupReminder-again#${o.id}`])
      await w.store.write(outboxOp(w.deps, { key: 'pickupReminder', touser: 'u-remind', payload: arrived.payload as never, dedupe }));
    await drain(w);
    expect(sink.entries.map((e) => e.template)).toEqual(['arrivalNotice', 'pickupReminder']);
    expect((await w.store.get(outboxKey(smsEntryId('pickupReminder', o.id))))!.status).toBe('sent');
  });

  it('WeChat answering 43101 (our quota counter was wrong) also falls back to one SMS', async () => {
    const { w, sink } = await world('2026-11-25T16:00:00+08:00');
    const o = await confirmedOrder(w, 'u-43101', '2026-11-24');
    await call(w, subscribeCommand, { results: { [w.deps.templates.arrivalNotice!]: 'accept' } }, 'u-43101');
    w.sender.answer(() => ({ status: 'no_quota', errcode: 43101, message: 'user refuse to accept the msg' }));
    await arrive(w, '2026-11-24');
    await drain(w);
    expect(sink.entries.map((e) => [e.template, e.params[0]])).toEqual([['arrivalNotice', o.shortNo]]);
  });

  it('a customer with quota gets the push and no SMS; one who opted out gets neither', async () => {
    const { w, sink } = await world('2026-11-25T16:00:00+08:00');
    await confirmedOrder(w, 'u-quota', '2026-11-24');
    await confirmedOrder(w, 'u-optout', '2026-11-24', '13700000001');
    await call(w, subscribeCommand, { results: { [w.deps.templates.arrivalNotice!]: 'accept' } }, 'u-quota');
    expect(await call(w, smsPreferenceCommand, { enabled: false }, 'u-optout')).toEqual({ enabled: false });
    await arrive(w, '2026-11-24');
    await drain(w);
    expect(w.sender.sent.map((m) => m.touser)).toEqual(['u-quota']);
    expect(sink.entries).toEqual([]);
    // Opting back in takes effect for the next notice.
    expect(await call(w, smsPreferenceCommand, { enabled: true }, 'u-optout')).toEqual({ enabled: true });
  });

  it('an opt-out after the SMS was queued still stops it', async () => {
    const { w, sink } = await world('2026-11-25T16:00:00+08:00');
    const o = await confirmedOrder(w, 'u-late-optout', '2026-11-24');
    await arrive(w, '2026-11-24');
    // The fallback as the skip queues it, then the opt-out, then the drain.
    const push = (await w.store.get(outboxKey(`arrival#${o.id}`)))!;
    await w.store.write((await smsFallbackOp(w.deps, push as never))!);
    await call(w, smsPreferenceCommand, { enabled: false }, 'u-late-optout');
    await drain(w);
    expect(sink.entries).toEqual([]);
    expect((await w.store.get(outboxKey(smsEntryId('arrivalNotice', o.id))))!).toMatchObject({ status: 'skipped_no_quota', lastError: 'sms opted out' });
    // And an opted-out customer's skipped push queues none at all.
    expect(await smsFallbackOp(w.deps, push as never)).toBeUndefined();
  });

  it('the daily cap per customer holds (conditional counter), and a new business day allows more: the clock walks', async () => {
    const { w, sink } = await world('2026-11-25T16:00:00+08:00', { smsDailyCapPerCustomer: 2 });
    for (const date of ['2026-11-22', '2026-11-23', '2026-11-24']) await confirmedOrder(w, 'u-capped', date);
    for (const date of ['2026-11-22', '2026-11-23', '2026-11-24']) await arrive(w, date);
    await drain(w);
    expect(sink.entries).toHaveLength(2);
    const day = await w.store.get(smsKeys.userDay('u-capped', '2026-11-25'));
    expect(day!.count).toBe(2);
    const capped = (await queryAll(w.store, { pk: 'U#u-capped', prefix: 'SMSDAY#', consistent: true })).length;
    expect(capped).toBe(1);
    // The next day: the order's reminder (a pickupReminder of the third order) goes out as SMS.
    w.clock.set('2026-11-26T09:00:00+08:00');
    const o = await confirmedOrder(w, 'u-capped', '2026-11-25');
    await arrive(w, '2026-11-25');
    await drain(w);
    expect(sink.entries).toHaveLength(3);
    expect(sink.entries[2]!.params[0]).toBe(o.shortNo);
    expect((await w.store.get(smsKeys.userDay('u-capped', '2026-11-26')))!.count).toBe(1);
  });

  it('the merchant monthly budget holds, finance counts each SMS and its cost per day, and a failed send gives its counters back', async () => {
    const { w, sink, answer } = await world('2026-11-25T16:00:00+08:00', { smsMonthlyBudgetFen: 10, smsUnitCostFen: 4 });
    answer(() => ({ status: 'failed', message: 'tencent sms InvalidParameterValue.IncorrectPhoneNumber' }));
    await confirmedOrder(w, 'u-bad-number', '2026-11-24', '10000000000');
    await arrive(w, '2026-11-24');
    await drain(w);
    expect(await w.store.get(smsKeys.budgetMonth('2026-11'))).toMatchObject({ count: 0, spentFen: 0 });
    expect((await w.store.get(smsKeys.userDay('u-bad-number', '2026-11-25')))!.count).toBe(0);
    answer(undefined);
    for (const u of ['u-b1', 'u-b2', 'u-b3']) await confirmedOrder(w, u, '2026-11-23');
    await arrive(w, '2026-11-23');
    await drain(w);
    // 10 fen buys two texts of 4 fen; the third is not sent.
    expect(sink.entries).toHaveLength(2);
    expect(await w.store.get(smsKeys.budgetMonth('2026-11'))).toMatchObject({ count: 2, spentFen: 8 });
    const finance = await readFinance(w.deps, '2026-11-25', '2026-11-25');
    expect(finance.days[0]).toMatchObject({ date: '2026-11-25', smsCount: 2, smsCostFen: 8 });
    expect(finance.totals).toMatchObject({ smsCount: 2, smsCostFen: 8 });
  });
});
