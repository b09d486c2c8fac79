import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { settingsCommand, updateSettingsCommand } from '#app/admin/settings';
import { cutoffJob } from '#app/cutoff/jobs';
import { keys } from '#app/keys';
import { orderKey } from '#app/orders/model';
import { SCHEDULES } from '#app/schedules';
import { settleHeartbeat } from '#app/settle/heartbeat';
import { arrivalCommand, verifyJobs } from '#app/verify/commands';
import { overdueHeartbeat } from '#app/verify/heartbeat';
import { openWaveFor } from '#app/waves';
import { outboxKey } from '#app/outbox';
import type { Deps } from '#app/deps';
import type { ItemStore } from '#ports/item-store';
import { withFreshSettings } from '#wiring/shared';
import { FUNCTIONS } from '../../functions/registry.ts';
import { pickupEntryOf, writeEntry } from '#test/settle-fixtures';
import { givenOrder, makeWorld, readBalance, type TestWorld } from '../support/harness.ts';
import { findOrder } from '#app/orders/model';

/**
 * Schedules are heartbeats (issue 12 "One home per rule"): the cutoff every 5 minutes, settle
 * and overdue hourly; each works out from the data, the clock and the settings what is due.
 */
const D = '2026-11-24';
const STAFF = { kind: 'openid' as const, openid: 'staff-1' };

async function putSettings(deps: Deps, change: Record<string, unknown>) {
  const read = (await dispatch(settingsCommand, {}, STAFF, deps)) as Record<string, unknown>;
  return dispatch(updateSettingsCommand, { ...read, ...change }, STAFF, deps);
}

/** A store that counts reads and writes, and fails every write after the first `failAfter`. */
function countingStore(store: ItemStore, failAfter = Infinity) {
  const n = { reads: 0, writes: 0 };
  const write = () => {
    if (++n.writes > failAfter) throw new Error('injected crash');
  };
  const s: ItemStore = {
    get: (k, o) => (n.reads++, store.get(k, o)),
    getMany: (k) => (n.reads++, store.getMany(k)),
    query: (q) => (n.reads++, store.query(q)),
    write: async (op) => (write(), store.write(op)),
    transact: async (ops) => (write(), store.transact(ops)),
    putMany: async (items) => (write(), store.putMany(items)),
  };
  return { store: s, n };
}

const waveStatus = async (w: TestWorld, communityId: string, date = D) => (await w.store.get(keys.communityWave(communityId, date)))?.status;

describe('the schedules are heartbeats', () => {
  it('cutoff every 5 minutes, settle and overdue every hour, on both clouds (reconcile rides the settle function)', () => {
    expect(SCHEDULES.cutoff).toMatchObject({ aws: 'rate(5 minutes)', cloudbase: '0 */5 * * * * *' });
    expect(SCHEDULES.settle).toMatchObject({ aws: 'cron(0 * * * ? *)', cloudbase: '0 0 * * * * *' });
    expect(SCHEDULES.overdue).toMatchObject({ aws: 'cron(0 * * * ? *)', cloudbase: '0 0 * * * * *' });
    const scheduled = (fn: string) => FUNCTIONS.find((m) => m.name === fn)?.jobs?.map((j) => j.name);
    expect([scheduled('cutoff'), scheduled('settle'), scheduled('verify')]).toEqual([['cutoff'], ['settle', 'reconcile'], ['overdue']]);
    expect(verifyJobs).toEqual([overdueHeartbeat]);
  });
});

describe('cutoff heartbeat', () => {
  it('a changed cutoff time in settings takes effect at the next heartbeat, without a redeploy', async () => {
    const admin = await makeWorld({ now: `${D}T19:00:00+08:00` });
    // The cutoff function is another instance on the same table, with its own settings cache.
    const cutoffFn = await makeWorld({ store: admin.store, seed: false, now: `${D}T19:00:00+08:00` });
    const beat = async (at: string) => {
      cutoffFn.clock.set(at);
      return (await cutoffJob.run(await withFreshSettings(async () => cutoffFn.deps)(), {})) as { waves: { date: string }[]; complete: boolean; ordersConfirmed: number };
    };
    const order = await givenOrder(admin, { communityId: 'c-jingan', userId: 'u-1', waveDate: D, lines: [{ productId: 'p-milk', qty: 1 }] });

    await beat(`${D}T19:00:00+08:00`); // cold start with the default 22:00: nothing of D is due
    expect(await waveStatus(admin, 'c-jingan')).toBeUndefined();

    await putSettings(admin.deps, { cutoffTime: '20:00' }); // staff move the cutoff to 20:00 at 19:01

    const before = await beat(`${D}T19:55:00+08:00`);
    expect(before.waves.map((x) => x.date)).not.toContain(D);
    expect(await waveStatus(admin, 'c-jingan')).toBeUndefined();

    const after = await beat(`${D}T20:05:00+08:00`);
    expect(after).toMatchObject({ complete: true, ordersConfirmed: 1 });
    expect(after.waves.map((x) => x.date)).toEqual([D]);
    expect(await waveStatus(admin, 'c-jingan')).toBe('CLOSED');
    expect((await findOrder(admin.deps, order.id))?.status).toBe('CONFIRMED'); // by the CLOSED wave (orders/effective.ts)
    expect(await openWaveFor(cutoffFn.deps, 'c-jingan')).toBe('2026-11-25');
  });

  it('an interrupted cutoff is resumed by the next beat; a beat with nothing due reads twice and writes nothing', async () => {
    const w = await makeWorld({ now: `${D}T18:00:00+08:00` });
    const orders = await Promise.all(
      ['c-xujiahui', 'c-jingan', 'c-lujiazui', 'c-wujiaochang'].map((communityId, i) => givenOrder(w, { communityId, userId: `u-${i}`, waveDate: D, lines: [{ productId: 'p-rice', qty: 1 }] })),
    );
    w.clock.set(`${D}T22:00:10+08:00`);
    const crashing = countingStore(w.store, 3);
    await expect(cutoffJob.run({ ...w.deps, store: crashing.store }, {})).rejects.toThrow('injected crash');
    const statuses = await Promise.all(orders.map((o) => findOrder(w.deps, o.id).then((x) => x?.status)));
    expect(statuses).toContain('PAID'); // the run died with work left

    w.clock.set(`${D}T22:05:00+08:00`);
    const resumed = (await cutoffJob.run(w.deps, {})) as { complete: boolean; waves: { date: string }[] };
    expect(resumed.complete).toBe(true);
    for (const o of orders) expect((await findOrder(w.deps, o.id))?.status).toBe('CONFIRMED');
    expect(await waveStatus(w, 'c-wujiaochang')).toBe('CLOSED');

    w.clock.set(`${D}T22:10:00+08:00`);
    const idle = countingStore(w.store);
    const nothing = (await cutoffJob.run({ ...w.deps, store: idle.store }, {})) as { waves: unknown[]; complete: boolean };
    expect(nothing).toMatchObject({ waves: [], complete: true });
    expect(idle.n).toEqual({ reads: 2, writes: 0 });
  });
});

describe('settle heartbeat (hourly)', () => {
  it('settles at the first beat from the settle hour, once; other beats change nothing; a changed settle hour counts', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const order = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-1', waveDate: D, status: 'PICKED_UP', lines: [{ productId: 'p-pork', qty: 1, paidFen: 1000 }] });
    await writeEntry(w.deps, pickupEntryOf(order, 'l-xujiahui', '2026-11-25T18:00:00+08:00'));
    const beat = async (at: string) => {
      w.clock.set(at);
      return (await settleHeartbeat.run(w.deps, {})) as { skipped?: true; statements: number; periods: string[] };
    };
    const statement = (period: string) => w.store.get(keys.leaderStatement('l-xujiahui', period));

    expect(await beat('2026-11-30T01:00:00+08:00')).toMatchObject({ statements: 0 }); // W48 settles at 02:00
    expect(await beat('2026-11-30T01:30:00+08:00')).toMatchObject({ skipped: true, statements: 0 });
    expect(await statement('2026-W48')).toBeUndefined();

    expect(await beat('2026-11-30T02:00:00+08:00')).toMatchObject({ statements: 1, periods: ['2026-W48'] });
    const settled = { statement: await statement('2026-W48'), balance: await readBalance(w.deps, 'l-xujiahui') };
    expect(settled.statement).toMatchObject({ commissionFen: 100 });
    expect(await beat('2026-11-30T03:00:00+08:00')).toMatchObject({ skipped: true, statements: 0 });
    expect(await beat('2026-11-30T04:00:00+08:00')).toMatchObject({ skipped: true });
    expect({ statement: await statement('2026-W48'), balance: await readBalance(w.deps, 'l-xujiahui') }).toEqual(settled);

    // The settle hour moves to 05:00 through the settings document: W49 settles then, not at 02:00.
    await putSettings(w.deps, { settlement: { ...w.deps.settings.settlement, settleHour: 5 } });
    const next = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-2', waveDate: '2026-12-01', status: 'PICKED_UP', lines: [{ productId: 'p-pork', qty: 1, paidFen: 2000 }] });
    await writeEntry(w.deps, pickupEntryOf(next, 'l-xujiahui', '2026-12-02T18:00:00+08:00'));
    expect(await beat('2026-12-07T02:00:00+08:00')).toMatchObject({ statements: 0 });
    expect(await statement('2026-W49')).toBeUndefined();
    expect(await beat('2026-12-07T05:00:00+08:00')).toMatchObject({ statements: 1, periods: ['2026-W49'] });
  });
});

describe('overdue heartbeat (hourly)', () => {
  const XJH = 'c-xujiahui';
  it('runs the daily work once per business day from its hour; a failed beat is retried by the next', async () => {
    const w = await makeWorld({ now: `${D}T10:00:00+08:00` });
    const fresh = await givenOrder(w, { communityId: XJH, userId: 'u-fresh', waveDate: D, status: 'CONFIRMED', lines: [{ productId: 'p-spinach', qty: 1 }] });
    w.clock.set('2026-11-25T16:00:00+08:00');
    await w.store.write({ type: 'put', item: { ...keys.communityWave(XJH, D), status: 'CLOSED' } });
    await dispatch(arrivalCommand, { communityId: XJH, waveDate: D }, { kind: 'openid', openid: 'demo-leader-xujiahui' }, w.deps);
    const beat = (at: string, deps: Deps = w.deps) => {
      w.clock.set(at);
      return overdueHeartbeat.run(deps, {});
    };
    const reminder = () => w.store.get(outboxKey(`pickupReminder#${fresh.id}`));

    expect(await beat('2026-11-26T01:00:00+08:00')).toEqual({ skipped: true, reminded: 0, expired: 0, refunded: 0 });
    expect(await reminder()).toBeUndefined();

    const failing = { ...w.deps, store: { ...w.store, query: async () => Promise.reject(new Error('injected outage')) } as ItemStore };
    await expect(beat('2026-11-26T03:00:00+08:00', failing)).rejects.toThrow('injected outage');
    expect(await beat('2026-11-26T04:00:00+08:00')).toEqual({ reminded: 1, expired: 0, refunded: 0 });
    expect(await reminder()).toBeDefined();
    expect(await beat('2026-11-26T05:00:00+08:00')).toMatchObject({ skipped: true });
    expect(await beat('2026-11-26T23:00:00+08:00')).toMatchObject({ skipped: true }); // past the deadline, but today's run is done

    expect(await beat('2026-11-27T02:00:00+08:00')).toMatchObject({ skipped: true });
    expect(await beat('2026-11-27T03:00:00+08:00')).toEqual({ reminded: 0, expired: 1, refunded: 0 });
    expect((await w.store.get(orderKey(fresh)))?.status).toBe('EXPIRED');
    expect(await beat('2026-11-27T04:00:00+08:00')).toMatchObject({ skipped: true, expired: 0 });
  });
});
