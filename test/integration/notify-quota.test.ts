import { beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { outboxKey, outboxOp } from '#app/outbox';
import { drainOutbox } from '#app/notify/drain';
import { notifyJob, subscribeCommand, templatesCommand } from '#app/notify/commands';
import { devOutboxCommand } from '#app/notify/dev-outbox';
import { quotaOf } from '#app/notify/quota';
import { MESSAGE_KEYS, type MessageKey, type MessagePayload } from '#domain/messages';
import { codeOf } from '#test/errors';
import { createSinkSender } from '#adapters/local/sink-sender';
import { createStoreSink } from '#adapters/local/store-sink';
import { makeWorld, toBizIso, type TestWorld } from '../support/harness.ts';

// One-time subscription quota: recorded by notify.subscribe, spent by the notify job.

const arrival = (orderId: string): MessagePayload<'arrivalNotice'> => ({
  orderId,
  orderShortNo: orderId.slice(-6),
  pickupPointName: '静安寺小区',
  pickupCode: '12345678',
  pickupDeadline: '2026-11-27T22:00:00+08:00',
});
const cutoff: MessagePayload<'cutoffSummary'> = { waveDate: '2026-11-24', orderCount: 2, itemCount: 5, expectedArrivalAt: '2026-11-25T16:00:00+08:00' };

let n = 0;
async function queue<K extends MessageKey>(w: TestWorld, key: K, touser: string, payload: MessagePayload<K>) {
  const dedupe = `quota#${key}#${touser}#${n++}`;
  const op = outboxOp(w.deps, { key, touser, payload, dedupe });
  await w.store.write(op);
  if (op.type !== 'put') throw new Error('outboxOp is a put');
  return String(op.item.id);
}
const status = async (w: TestWorld, id: string) => (await w.store.get(outboxKey(id)))!.status;
const subscribe = (w: TestWorld, openid: string, results: Record<string, unknown>) =>
  dispatch(subscribeCommand, { results }, { kind: 'openid', openid }, w.deps) as Promise<{ quota: Record<string, number> }>;

describe('subscription quota', () => {
  let w: TestWorld;
  let calls: string[];
  beforeAll(async () => {
    w = await makeWorld({ now: '2026-11-25T16:30:00+08:00' });
    calls = [];
    w.sender.answer((m) => {
      calls.push(`${m.touser}/${m.templateId}`);
      return { status: 'sent' };
    });
  });

  it('lists every template with its id and audience', async () => {
    const list = (await dispatch(templatesCommand, {}, { kind: 'openid', openid: 'u-any' }, w.deps)) as any[];
    expect(list).toHaveLength(MESSAGE_KEYS.length);
    expect(list).toContainEqual({ key: 'arrivalNotice', templateId: 'tmpl-arrivalNotice', audience: 'customer' });
    expect(list).toContainEqual({ key: 'cutoffSummary', templateId: 'tmpl-cutoffSummary', audience: 'leader' });
  });

  it('accept adds one send, reject changes nothing, ban sets it to 0', async () => {
    const u = 'u-choices';
    expect(await subscribe(w, u, { 'tmpl-arrivalNotice': 'accept', 'tmpl-refundResult': 'accept' })).toEqual({
      quota: { 'tmpl-arrivalNotice': 1, 'tmpl-refundResult': 1 },
    });
    expect((await subscribe(w, u, { 'tmpl-arrivalNotice': 'accept' })).quota).toEqual({ 'tmpl-arrivalNotice': 2 });
    expect((await subscribe(w, u, { 'tmpl-arrivalNotice': 'reject' })).quota).toEqual({ 'tmpl-arrivalNotice': 2 });
    expect((await subscribe(w, u, { 'tmpl-arrivalNotice': 'ban', 'tmpl-refundResult': 'reject' })).quota).toEqual({
      'tmpl-arrivalNotice': 0,
      'tmpl-refundResult': 1,
    });
    // The whole wx.requestSubscribeMessage result may be passed: errMsg, unknown ids and 'filter' change nothing.
    expect(await subscribe(w, u, { errMsg: 'requestSubscribeMessage:ok', 'tmpl-unknown': 'accept', 'tmpl-refundResult': 'filter' })).toEqual({
      quota: { 'tmpl-refundResult': 1 },
    });
    expect(await quotaOf(w.deps, u, 'tmpl-unknown')).toBe(0);
  });

  it('refuses an answer it does not know, and a caller without a token', async () => {
    const bad = await subscribe(w, 'u-bad', { 'tmpl-arrivalNotice': 'maybe' }).catch((e) => e);
    expect(codeOf(bad)).toBe('VALIDATION_FAILED');
    expect(bad.details.issues).toEqual([{ path: 'results.tmpl-arrivalNotice', message: expect.any(String) }]);
    expect(codeOf(await subscribe(w, 'u-bad', { 'tmpl-arrivalNotice': 1 }).catch((e) => e))).toBe('VALIDATION_FAILED');
    expect(codeOf(await dispatch(subscribeCommand, { results: {} }, { kind: 'openid', openid: undefined }, w.deps).catch((e) => e))).toBe('UNAUTHENTICATED');
    expect(await quotaOf(w.deps, 'u-bad', 'tmpl-arrivalNotice')).toBe(0);
  });

  it('a customer who accepted nothing gets no arrival push: skipped_no_quota, the sender is never called', async () => {
    const id = await queue(w, 'arrivalNotice', 'u-silent', arrival('o-silent'));
    const summary = await drainOutbox(w.deps);
    expect(summary).toMatchObject({ claimed: 1, skipped: 1, sent: 0 });
    expect(await status(w, id)).toBe('skipped_no_quota');
    expect((await w.store.get(outboxKey(id)))!.gsi2pk).toBeUndefined();
    expect(calls.filter((c) => c.startsWith('u-silent/'))).toEqual([]);
  });

  it('one accept gives exactly one arrival push; the next is skipped again', async () => {
    const u = 'u-once';
    await subscribe(w, u, { 'tmpl-arrivalNotice': 'accept' });
    const first = await queue(w, 'arrivalNotice', u, arrival('o-once-1'));
    await notifyJob.run(w.deps, {});
    const second = await queue(w, 'arrivalNotice', u, arrival('o-once-2'));
    await notifyJob.run(w.deps, {});

    expect(await status(w, first)).toBe('sent');
    expect(await status(w, second)).toBe('skipped_no_quota');
    expect(calls.filter((c) => c.startsWith(`${u}/`))).toEqual([`${u}/tmpl-arrivalNotice`]);
    expect(await quotaOf(w.deps, u, 'tmpl-arrivalNotice')).toBe(0);
  });

  it('two queued pushes and one accept: one goes out, the other is skipped', async () => {
    const u = 'u-two';
    await subscribe(w, u, { 'tmpl-arrivalNotice': 'accept' });
    const ids = [await queue(w, 'arrivalNotice', u, arrival('o-two-1')), await queue(w, 'arrivalNotice', u, arrival('o-two-2'))];
    await Promise.all([drainOutbox(w.deps), drainOutbox(w.deps)]);
    expect((await Promise.all(ids.map((id) => status(w, id)))).sort()).toEqual(['sent', 'skipped_no_quota']);
    expect(calls.filter((c) => c.startsWith(`${u}/`))).toHaveLength(1);
  });

  it('quota is per template: accepting the arrival notice allows no refund push', async () => {
    const u = 'u-per-template';
    await subscribe(w, u, { 'tmpl-arrivalNotice': 'accept' });
    const id = await queue(w, 'refundResult', u, { orderId: 'o-r', orderShortNo: 'A0000R', amountFen: 990, reason: '缺货', status: 'succeeded' });
    await drainOutbox(w.deps);
    expect(await status(w, id)).toBe('skipped_no_quota');
    expect(await quotaOf(w.deps, u, 'tmpl-arrivalNotice')).toBe(1);
  });

  it('a banned template is never sent, even after earlier accepts', async () => {
    const u = 'u-banned';
    await subscribe(w, u, { 'tmpl-pickupReminder': 'accept' });
    await subscribe(w, u, { 'tmpl-pickupReminder': 'accept' });
    await subscribe(w, u, { 'tmpl-pickupReminder': 'ban' });
    const id = await queue(w, 'pickupReminder', u, arrival('o-banned'));
    await drainOutbox(w.deps);
    expect(await status(w, id)).toBe('skipped_no_quota');
    expect(calls.filter((c) => c.startsWith(`${u}/`))).toEqual([]);
  });

  it("WeChat's 43101 skips the push and resets that quota to zero", async () => {
    const u = 'u-43101';
    await subscribe(w, u, { 'tmpl-arrivalNotice': 'accept' });
    await subscribe(w, u, { 'tmpl-arrivalNotice': 'accept' });
    const id = await queue(w, 'arrivalNotice', u, arrival('o-43101'));
    let tries = 0;
    w.sender.answer(() => {
      tries++;
      return { status: 'no_quota', errcode: 43101, message: 'wechat 43101: user refuse to accept the msg' };
    });
    const summary = await drainOutbox(w.deps);
    w.sender.answer((m) => {
      calls.push(`${m.touser}/${m.templateId}`);
      return { status: 'sent' };
    });

    expect(summary).toMatchObject({ skipped: 1, retried: 0, dead: 0 });
    expect(tries).toBe(1);
    const stored = (await w.store.get(outboxKey(id)))!;
    expect(stored).toMatchObject({ status: 'skipped_no_quota', lastError: expect.stringContaining('43101') });
    expect(stored.gsi2pk).toBeUndefined();
    expect(await quotaOf(w.deps, u, 'tmpl-arrivalNotice')).toBe(0);
    // Not retried later either.
    w.clock.advance(3600_000);
    await drainOutbox(w.deps);
    expect(tries).toBe(1);
  });

  it("a leader's cutoff summary needs the leader's own accept", async () => {
    const leader = 'demo-leader-lujiazui';
    const before = await queue(w, 'cutoffSummary', leader, cutoff);
    await drainOutbox(w.deps);
    expect(await status(w, before)).toBe('skipped_no_quota');
    await dispatch(subscribeCommand, { results: { 'tmpl-cutoffSummary': 'accept' } }, { kind: 'openid', openid: leader }, w.deps);
    const after = await queue(w, 'cutoffSummary', leader, { ...cutoff, waveDate: '2026-11-25', expectedArrivalAt: '2026-11-26T16:00:00+08:00' });
    await drainOutbox(w.deps);
    expect(await status(w, after)).toBe('sent');
  });
});

describe('the local sink (GET /dev/outbox)', () => {
  it('lists each push once as WeChat would get it, also when two drains run at once', async () => {
    const w = await makeWorld({ now: '2026-11-24T22:01:00+08:00' });
    const sink = createSinkSender(createStoreSink(w.store), () => toBizIso(w.clock.now()));
    const local = { ...w.deps, devMode: true, sender: sink };
    const leaders = ['demo-leader-xujiahui', 'demo-leader-jingan', 'demo-leader-lujiazui', 'demo-leader-wujiaochang'];
    for (const l of leaders) await dispatch(subscribeCommand, { results: { 'tmpl-cutoffSummary': 'accept' } }, { kind: 'openid', openid: l }, local);
    for (const l of leaders) await queue(w, 'cutoffSummary', l, cutoff);

    await Promise.all([notifyJob.run(local, {}), notifyJob.run(local, {})]);

    const all = (await dispatch(devOutboxCommand, {}, { kind: 'openid', openid: 'u-dev' }, local)) as any[];
    expect(all.map((m) => m.touser).sort()).toEqual([...leaders].sort());
    expect(all[0]).toEqual({
      touser: expect.any(String),
      templateId: 'tmpl-cutoffSummary',
      page: 'pages/leader/wave/index?date=2026-11-24',
      data: expect.objectContaining({ number2: { value: '2' }, number3: { value: '5' } }),
      sentAt: '2026-11-24T22:01:00+08:00',
    });
    const one = (await dispatch(devOutboxCommand, { touser: 'demo-leader-jingan' }, { kind: 'openid', openid: 'u-dev' }, local)) as any[];
    expect(one).toHaveLength(1);
  });

  it('does not exist outside the local stage', async () => {
    const w = await makeWorld({ seed: false });
    expect(codeOf(await dispatch(devOutboxCommand, {}, { kind: 'openid', openid: 'u-dev' }, w.deps).catch((e) => e))).toBe('NOT_FOUND');
    expect(codeOf(await dispatch(devOutboxCommand, {}, { kind: 'openid', openid: undefined }, { ...w.deps, devMode: true }).catch((e) => e))).toBe(
      'UNAUTHENTICATED',
    );
  });
});
