import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dispatch } from '#platform/dispatch';
import { parseConfig } from '#platform/config';
import { settingsCommand, settingsHistoryCommand, updateSettingsCommand } from '#app/admin/settings';
import { upsertProductCommand } from '#app/admin/commands';
import { settingsKeys, SETTINGS_MAX_AGE_MS } from '#app/settings';
import type { Deps } from '#app/deps';
import { assembleDeps, withFreshSettings } from '#wiring/shared';
import { makeWorld, type TestWorld } from '../support/harness.ts';

/**
 * The merchant settings document (issue 12 "One home per rule"): GET / PUT / history through
 * dispatch on DynamoDB Local, the version condition, validation naming the field, the
 * per-instance cache of at most 60 s on the clock, and validation at cold start.
 */
const STAFF = { kind: 'openid' as const, openid: 'staff-1' };
const get = (deps: Deps) => dispatch(settingsCommand, {}, STAFF, deps) as Promise<any>;
const put = (deps: Deps, doc: unknown) => dispatch(updateSettingsCommand, doc, STAFF, deps) as Promise<any>;
const history = (deps: Deps) => dispatch(settingsHistoryCommand, {}, STAFF, deps) as Promise<any[]>;
const failure = (p: Promise<unknown>) => p.then(() => ({ code: 'none', details: undefined as any }), (e) => ({ code: e.code as string, details: e.details }));

/** A second function instance on the same table and the same moment (its own settings cache). */
async function secondInstance(w: TestWorld) {
  const other = await makeWorld({ store: w.store, seed: false, now: new Date(w.clock.now()).toISOString() });
  return other;
}

describe('the settings document', () => {
  it('answers the MERCHANT_SETTINGS seed as version 1 with every default, before anything is stored', async () => {
    const w = await makeWorld({ settings: { pickupDays: 5 }, seed: false });
    const doc = await get(w.deps);
    expect(doc).toMatchObject({ version: 1, cutoffTime: '22:00', arrivalTime: '16:00', pickupClosesAt: '22:00', pickupDays: 5, defaultCommissionRate: 0.1 });
    expect(doc.settlement).toMatchObject({ settlementPeriod: 'weekly', settleHour: 2 });
    expect(await w.store.get(settingsKeys.current())).toBeUndefined();
    expect(await history(w.deps)).toEqual([]);
  });

  it('PUT with the version read stores the next version, records who, when and what changed; GET and history show it', async () => {
    const w = await makeWorld({ seed: false, now: '2026-11-24T10:00:00+08:00' });
    const read = await get(w.deps);
    const saved = await put(w.deps, { ...read, cutoffTime: '20:00', settlement: { ...read.settlement, settleHour: 4 } });
    expect(saved).toMatchObject({ version: 2, cutoffTime: '20:00' });
    expect(await get(w.deps)).toEqual({ ...read, version: 2, cutoffTime: '20:00', settlement: { ...read.settlement, settleHour: 4 } });
    expect(await history(w.deps)).toEqual([
      {
        version: 2,
        by: 'staff-1',
        at: '2026-11-24T10:00:00+08:00',
        changes: [
          { path: 'cutoffTime', before: '22:00', after: '20:00' },
          { path: 'settlement.settleHour', before: 2, after: 4 },
        ],
      },
      { version: 1, by: 'MERCHANT_SETTINGS', at: '2026-11-24T10:00:00+08:00', changes: [] },
    ]);
    // The instance that wrote serves the new settings at once.
    expect(w.deps.settings.cutoffTime).toBe('20:00');
    const again = await put(w.deps, { ...(await get(w.deps)), pickupDays: 4 });
    expect(again.version).toBe(3);
    expect((await history(w.deps)).map((h) => h.version)).toEqual([3, 2, 1]);
  });

  it('a stale version is refused with INVALID_STATE and changes nothing; of two editors at once one wins', async () => {
    const w = await makeWorld({ seed: false });
    const read = await get(w.deps);
    await put(w.deps, { ...read, pickupDays: 2 });
    const stale = await failure(put(w.deps, { ...read, pickupDays: 6 }));
    expect(stale).toMatchObject({ code: 'INVALID_STATE', details: { version: 1, currentVersion: 2 } });
    expect(await get(w.deps)).toMatchObject({ version: 2, pickupDays: 2 });

    const current = await get(w.deps);
    const both = await Promise.allSettled([put(w.deps, { ...current, maxOrderLines: 10 }), put(w.deps, { ...current, maxOrderLines: 30 })]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(both.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['INVALID_STATE']);
    expect((await get(w.deps)).version).toBe(3);
    expect((await history(w.deps)).map((h) => h.version)).toEqual([3, 2, 1]);
  });

  it.each([
    ['cutoffTime', { cutoffTime: '25:00' }],
    ['pickupClosesAt', { pickupClosesAt: '9pm' }],
    ['settlement.settleHour', { settlement: { settleHour: 24 } }],
    ['defaultCommissionRate', { defaultCommissionRate: 0.12345 }],
    ['defaultCommissionRate', { defaultCommissionRate: 0.2 }],
    ['payWindowMinutes', { payWindowMinutes: 0 }],
    ['', { SESSION_SECRET: 'not a business setting' }],
  ])('refuses a bad field (%s; empty: an unknown one) with VALIDATION_FAILED naming it, and changes nothing', async (field, bad) => {
    const w = await makeWorld({ seed: false });
    const read = await get(w.deps);
    const refused = await failure(put(w.deps, { ...read, ...bad }));
    expect(refused.code).toBe('VALIDATION_FAILED');
    const paths = (refused.details.issues as { path: string; message: string }[]).map((i) => i.path);
    if (field) expect(paths).toContain(field);
    else expect(JSON.stringify(refused.details)).toContain('SESSION_SECRET');
    expect(await w.store.get(settingsKeys.current())).toBeUndefined();
    expect(await get(w.deps)).toEqual(read);
  });

  it('is staff only', async () => {
    const w = await makeWorld({ seed: false });
    const asCustomer = await failure(dispatch(settingsCommand, {}, { kind: 'openid', openid: 'u-1' }, w.deps));
    expect(asCustomer.code).toBe('FORBIDDEN');
    const putAsCustomer = await failure(dispatch(updateSettingsCommand, { ...(await get(w.deps)) }, { kind: 'openid', openid: 'u-1' }, w.deps));
    expect(putAsCustomer.code).toBe('FORBIDDEN');
    expect(await w.store.get(settingsKeys.current())).toBeUndefined();
  });
});

describe('each instance reads the settings through a cache of at most 60 s', () => {
  it('another instance sees a change once its copy is 60 s old, not before; the writer at once', async () => {
    const w = await makeWorld({ seed: false, now: '2026-11-24T10:00:00+08:00' });
    const other = await secondInstance(w);
    const otherDeps = withFreshSettings(async () => other.deps);
    expect((await otherDeps()).settings.cutoffTime).toBe('22:00'); // cold start: loaded

    await put(w.deps, { ...(await get(w.deps)), cutoffTime: '21:00' });
    expect(w.deps.settings.cutoffTime).toBe('21:00');

    other.clock.set(other.clock.now() + SETTINGS_MAX_AGE_MS - 1_000);
    expect((await otherDeps()).settings.cutoffTime).toBe('22:00');
    other.clock.set(other.clock.now() + 1_000);
    expect((await otherDeps()).settings.cutoffTime).toBe('21:00');
    expect(other.deps.settingsCache.current.version).toBe(2);
  });

  it('reads again when the clock moved backwards (the local stage resets its clock)', async () => {
    const w = await makeWorld({ seed: false, now: '2026-11-24T10:00:00+08:00' });
    const other = await secondInstance(w);
    const otherDeps = withFreshSettings(async () => other.deps);
    await otherDeps();
    await put(w.deps, { ...(await get(w.deps)), cutoffTime: '21:30' });
    other.clock.set('2026-11-24T09:00:00+08:00');
    expect((await otherDeps()).settings.cutoffTime).toBe('21:30');
  });
});

describe('every merchant setting is validated at cold start', () => {
  const config = (settings?: string) =>
    parseConfig({
      STAGE: 'local',
      AUTH_MODE: 'wechat',
      WX_APPID: 'wxtest',
      WX_SECRET: 'secret',
      TABLE_NAME: 'unused',
      SESSION_SECRET: 'test-session-secret-0123456789-abcdef',
      CONTACT_KEY: randomBytes(32).toString('base64'),
      MERCHANT_SETTINGS: settings,
    });

  it('a bad MERCHANT_SETTINGS seed stops the function naming the field', async () => {
    const w = await makeWorld({ seed: false });
    expect(() => assembleDeps({ config: config('{"cutoffTime":"22:60"}'), store: w.store, payment: w.deps.payment, payout: w.deps.payout, sender: w.sender })).toThrow(
      /MERCHANT_SETTINGS\.cutoffTime/,
    );
    expect(() => assembleDeps({ config: config('{"settlement":{"tiers":[{"minSalesFen":0,"extraRatePoints":1}]}}'), store: w.store, payment: w.deps.payment, payout: w.deps.payout, sender: w.sender })).toThrow(
      /MERCHANT_SETTINGS\.settlement\.tiers\.0\.minSalesFen/,
    );
  });

  it('a bad stored document stops the function at its first call, naming the field', async () => {
    const w = await makeWorld({ seed: false });
    await w.store.write({ type: 'put', item: { ...settingsKeys.current(), version: 7, settings: { cutoffTime: '24:00' } } });
    const getDeps = withFreshSettings(async () => w.deps);
    await expect(getDeps()).rejects.toThrow(/stored settings \(version 7\) cutoffTime/);
  });
});

describe('commission rates: one rule, no silent 10%', () => {
  it('a product saved without a rate gets the merchant default written on it; a bad rate is refused naming the field', async () => {
    const w = await makeWorld({ settings: { defaultCommissionRate: 0.12 } });
    const base = { title: '测试米', category: '粮油', priceFen: 1000, supplierId: 's-grain', fresh: false };
    const saved = (await dispatch(upsertProductCommand, base, STAFF, w.deps)) as any;
    expect(saved.commissionRate).toBe(0.12);
    for (const rate of [0.12345, 0.2, 0.04]) {
      const refused = await failure(dispatch(upsertProductCommand, { ...base, commissionRate: rate }, STAFF, w.deps));
      expect(refused.code).toBe('VALIDATION_FAILED');
      expect((refused.details.issues as { path: string }[]).map((i) => i.path)).toEqual(['commissionRate']);
    }
    const exact = await dispatch(upsertProductCommand, { ...base, commissionRate: 0.0725 }, STAFF, w.deps);
    expect((exact as any).commissionRate).toBe(0.0725);
  });
});
