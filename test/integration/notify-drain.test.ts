import { beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { outboxKey, outboxOp } from '#app/outbox';
import { drainOutbox, LEASE_MS } from '#app/notify/drain';
import { deadLettersCommand, notifyJob, retryDeadLetterCommand, subscribeCommand } from '#app/notify/commands';
import { quotaOf, recordChoice } from '#app/notify/quota';
import { MAX_ATTEMPTS, retryDelayMs } from '#app/notify/backoff';
import type { MessageKey, MessagePayload } from '#domain/messages';
import { codeOf } from '#test/errors';
import { makeWorld, toBizIso, type TestWorld } from '../support/harness.ts';

// The notify job against DynamoDB Local: claims, concurrency, leases, retries and dead letters.

const LEADER = 'demo-leader-jingan';
const cutoff: MessagePayload<'cutoffSummary'> = { waveDate: '2026-11-24', orderCount: 3, itemCount: 7, expectedArrivalAt: '2026-11-25T16:00:00+08:00' };
const fixedJitter = { random: () => 0.5 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let n = 0;
/** Queues a message as a state change would (outboxOp), returning its id. */
async function queue<K extends MessageKey>(w: TestWorld, key: K, touser: string, payload: MessagePayload<K>, dueAt?: number) {
  const dedupe = `test#${key}#${touser}#${n++}`;
  const op = outboxOp(w.deps, { key, touser, payload, dedupe, ...(dueAt !== undefined ? { dueAt } : {}) });
  await w.store.write(op);
  if (op.type !== 'put') throw new Error('outboxOp is a put');
  return String(op.item.id);
}

const entry = async (w: TestWorld, id: string) => (await w.store.get(outboxKey(id)))!;
const accept = (w: TestWorld, openid: string, key: MessageKey, times = 1) =>
  (async () => {
    for (let i = 0; i < times; i++)
      await dispatch(subscribeCommand, { results: { [w.deps.templates[key]!]: 'accept' } }, { kind: 'openid', openid }, w.deps);
  })();

describe('draining the outbox', () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await makeWorld({ now: '2026-11-24T22:05:00+08:00' });
  });

  it('sends a due message once, rendered with its template id, and takes it out of the queue', async () => {
    await accept(w, LEADER, 'cutoffSummary');
    const id = await queue(w, 'cutoffSummary', LEADER, cutoff);
    const before = w.sender.sent.length;

    const first = await notifyJob.run(w.deps, {});
    const second = await notifyJob.run(w.deps, {});

    expect(first).toMatchObject({ claimed: 1, sent: 1 });
    expect(second).toMatchObject({ seen: 0, sent: 0 });
    const sent = w.sender.sent.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      touser: LEADER,
      templateId: 'tmpl-cutoffSummary',
      page: 'pages/leader/wave/index?date=2026-11-24',
      data: { date1: { value: '2026-11-24' }, number2: { value: '3' }, number3: { value: '7' } },
    });
    const stored = await entry(w, id);
    expect(stored).toMatchObject({ status: 'sent', attempts: 1, sentAt: '2026-11-24T22:05:00+08:00' });
    expect(stored.gsi2pk).toBeUndefined();
    expect(stored.claimedUntil).toBeUndefined();
    expect(await quotaOf(w.deps, LEADER, 'tmpl-cutoffSummary')).toBe(0);
  });

  it('leaves a message that is not due yet in the queue until it is', async () => {
    const user = 'u-later';
    await accept(w, user, 'refundResult');
    const due = w.clock.now() + 10 * 60_000;
    const id = await queue(w, 'refundResult', user, { orderId: 'o-1', orderShortNo: 'A00001', amountFen: 1250, reason: '缺货', status: 'succeeded' }, due);
    await drainOutbox(w.deps);
    expect((await entry(w, id)).status).toBe('pending');
    w.clock.advance(10 * 60_000);
    await drainOutbox(w.deps);
    expect((await entry(w, id)).status).toBe('sent');
  });

  it('two concurrent drains never send one message twice', { timeout: 300_000 }, async () => {
    const users = Array.from({ length: 150 }, (_, i) => `u-race-${i}`);
    await Promise.all(users.map((u) => recordChoice(w.deps, u, 'tmpl-statement', 'accept')));
    const ids = await Promise.all(users.map((u) => queue(w, 'statement', u, { period: '2026-W48', totalFen: 1200, availableFen: 1200 })));
    const calls: string[] = [];
    w.sender.answer(async (m) => {
      calls.push(m.touser);
      await sleep(2);
      return { status: 'sent' };
    });

    const [a, b] = await Promise.all([drainOutbox(w.deps, { concurrency: 16 }), drainOutbox(w.deps, { concurrency: 16 })]);
    w.sender.answer(undefined);

    expect(calls.filter((u) => u.startsWith('u-race-'))).toHaveLength(150);
    expect(new Set(calls).size).toBe(calls.length);
    expect(a.sent + b.sent).toBe(150);
    const stored = await Promise.all(ids.map((id) => entry(w, id)));
    expect(stored.every((e) => e.status === 'sent' && e.attempts === 1)).toBe(true);
  });

  it('a claim whose lease ran out (a crashed run) is sent again, once', async () => {
    const user = 'u-crash';
    await accept(w, user, 'statement');
    const id = await queue(w, 'statement', user, { period: '2026-W48', totalFen: -300, availableFen: 0 });
    // A run claimed it and died before sending: what claimEntry leaves behind.
    const claimedUntil = toBizIso(w.clock.now() + LEASE_MS);
    await w.store.write({
      type: 'update',
      key: outboxKey(id),
      update: { set: { status: 'sending', attempts: 1, claimedUntil, gsi2sk: `${claimedUntil}#${id}` } },
    });
    const calls: string[] = [];
    w.sender.answer((m) => {
      calls.push(m.touser);
      return { status: 'sent' };
    });

    await drainOutbox(w.deps);
    expect(calls).toEqual([]);
    expect((await entry(w, id)).status).toBe('sending');

    w.clock.advance(LEASE_MS + 1000);
    await Promise.all([drainOutbox(w.deps), drainOutbox(w.deps)]);
    w.sender.answer(undefined);

    expect(calls).toEqual([user]);
    expect(await entry(w, id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('an entry whose claims keep lapsing is dead-lettered instead of being tried forever', async () => {
    const user = 'u-poison';
    await accept(w, user, 'statement');
    const id = await queue(w, 'statement', user, { period: '2026-W48', totalFen: 1, availableFen: 1 });
    const lapsed = toBizIso(w.clock.now() - 1000);
    await w.store.write({
      type: 'update',
      key: outboxKey(id),
      update: { set: { status: 'sending', attempts: MAX_ATTEMPTS, claimedUntil: lapsed, gsi2sk: `${lapsed}#${id}` } },
    });
    const before = w.sender.sent.length;
    await drainOutbox(w.deps);
    expect(w.sender.sent.length).toBe(before);
    expect(await entry(w, id)).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS + 1, gsi1pk: 'DEAD' });
    expect(await quotaOf(w.deps, user, 'tmpl-statement')).toBe(1);
  });

  it('retries a timeout with growing backoff, then dead-letters it with the last error after the limit', async () => {
    const user = 'u-timeout';
    await accept(w, user, 'withdrawalResult');
    const id = await queue(w, 'withdrawalResult', user, { withdrawalId: 'wd-1', amountFen: 5000, result: 'paid', at: '2026-11-24T22:00:00+08:00' });
    let calls = 0;
    w.sender.answer(() => {
      calls++;
      return { status: 'retry', message: 'wechat: timeout after 5000ms' };
    });

    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const now = w.clock.now();
      await drainOutbox(w.deps, fixedJitter);
      const e = await entry(w, id);
      expect(e).toMatchObject({ status: 'pending', attempts: attempt, lastError: 'wechat: timeout after 5000ms' });
      // Rescheduled by the backoff (whole seconds), and back in the queue at its new time.
      expect(Date.parse(String(e.dueAt)) - now).toBe(Math.floor(retryDelayMs(attempt, 0.5) / 1000) * 1000);
      expect(e.gsi2sk).toBe(`${e.dueAt}#${id}`);
      // The quota spent on the failed send was given back.
      expect(await quotaOf(w.deps, user, 'tmpl-withdrawalResult')).toBe(1);
      // Not due again before its time.
      await drainOutbox(w.deps, fixedJitter);
      expect(calls).toBe(attempt);
      w.clock.set(Date.parse(String(e.dueAt)));
    }
    await drainOutbox(w.deps, fixedJitter);
    w.sender.answer(undefined);

    expect(calls).toBe(MAX_ATTEMPTS);
    const dead = await entry(w, id);
    expect(dead).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS, gsi1pk: 'DEAD' });
    expect(dead.lastError).toContain('wechat: timeout after 5000ms');
    expect(dead.gsi2pk).toBeUndefined();
    const list = (await dispatch(deadLettersCommand, {}, { kind: 'openid', openid: 'staff-1' }, w.deps)) as any;
    expect(list.items.find((x: any) => x.id === id)).toMatchObject({ key: 'withdrawalResult', touser: user, status: 'dead', lastError: dead.lastError });

    // Staff retry it: back in the queue with fresh attempts, and this time it goes out.
    const retried = (await dispatch(retryDeadLetterCommand, { id }, { kind: 'openid', openid: 'staff-1' }, w.deps)) as any;
    expect(retried).toMatchObject({ id, status: 'pending', attempts: 0 });
    await drainOutbox(w.deps);
    expect(await entry(w, id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect((await entry(w, id)).gsi1pk).toBeUndefined();
    expect(await quotaOf(w.deps, user, 'tmpl-withdrawalResult')).toBe(0);
    const after = (await dispatch(deadLettersCommand, { limit: '100' }, { kind: 'openid', openid: 'staff-1' }, w.deps)) as any;
    expect(after.items.some((x: any) => x.id === id)).toBe(false);
  });

  it('a permanent failure is dead-lettered at once, and the quota given back', async () => {
    const user = 'u-badopenid';
    await accept(w, user, 'refundResult');
    const id = await queue(w, 'refundResult', user, { orderId: 'o-2', orderShortNo: 'A00002', amountFen: 100, reason: '质量问题', status: 'processing' });
    w.sender.answer(() => ({ status: 'failed', errcode: 40003, message: 'wechat 40003: invalid openid' }));
    const summary = await drainOutbox(w.deps);
    w.sender.answer(undefined);
    expect(summary).toMatchObject({ claimed: 1, dead: 1 });
    expect(await entry(w, id)).toMatchObject({ status: 'dead', attempts: 1, lastError: 'wechat 40003: invalid openid' });
    expect(await quotaOf(w.deps, user, 'tmpl-refundResult')).toBe(1);
  });

  it('a sender that throws is retried like a timeout', async () => {
    const user = 'u-throws';
    await accept(w, user, 'refundResult');
    const id = await queue(w, 'refundResult', user, { orderId: 'o-3', orderShortNo: 'A00003', amountFen: 100, reason: '缺货', status: 'succeeded' });
    w.sender.answer(() => {
      throw new TypeError('socket hang up');
    });
    await drainOutbox(w.deps);
    w.sender.answer(undefined);
    expect(await entry(w, id)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'sender error: TypeError' });
  });

  it('a payload that cannot be rendered, or a key without a template id, is dead-lettered without spending quota', async () => {
    const user = 'u-badpayload';
    await accept(w, user, 'refundResult');
    const bad = await queue(w, 'refundResult', user, { orderId: 'o-4', orderShortNo: 'A00004', amountFen: -1, reason: 'x', status: 'succeeded' });
    const noTemplate = await queue(w, 'refundResult', user, { orderId: 'o-5', orderShortNo: 'A00005', amountFen: 1, reason: 'x', status: 'succeeded' });
    const before = w.sender.sent.length;
    await drainOutbox({ ...w.deps, templates: { ...w.deps.templates, refundResult: '' } });
    // Both failed on the missing template; staff retry the bad payload with the template configured.
    expect((await entry(w, noTemplate)).lastError).toBe('no template id configured for refundResult');
    await dispatch(retryDeadLetterCommand, { id: bad }, { kind: 'openid', openid: 'staff-1' }, w.deps);
    await drainOutbox(w.deps);
    const e = await entry(w, bad);
    expect(e.status).toBe('dead');
    expect(e.lastError).toContain('amountFen');
    expect(w.sender.sent.length).toBe(before);
    expect(await quotaOf(w.deps, user, 'tmpl-refundResult')).toBe(1);
  });

  it('only a dead letter can be retried', async () => {
    const staff = { kind: 'openid' as const, openid: 'staff-1' };
    const user = 'u-notdead';
    const id = await queue(w, 'statement', user, { period: '2026-W49', totalFen: 0, availableFen: 0 });
    expect(await dispatch(retryDeadLetterCommand, { id }, staff, w.deps).catch(codeOf)).toBe('INVALID_STATE');
    expect(await dispatch(retryDeadLetterCommand, { id: 'no-such-message' }, staff, w.deps).catch(codeOf)).toBe('NOT_FOUND');
    expect(await dispatch(retryDeadLetterCommand, { id }, { kind: 'openid', openid: user }, w.deps).catch(codeOf)).toBe('FORBIDDEN');
    expect(await dispatch(deadLettersCommand, { limit: 0 }, staff, w.deps).catch(codeOf)).toBe('VALIDATION_FAILED');
  });
});
