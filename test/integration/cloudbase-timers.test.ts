/**
 * CloudBase takes one timer per function (config.json `triggers` holds one entry), so a
 * function with several jobs deploys one `heartbeat` timer at the finest of their crons, and
 * each tick runs the jobs whose own cron names that minute (UTC+8). Fired here through the
 * CloudBase entry with the trigger names the deployed config carries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { fixedClock } from '#ports/clock';
import type { ItemStore } from '#ports/item-store';
import { SCHEDULES } from '#app/schedules';
import { cloudbaseConfig } from '../../scripts/gen.ts';
import { FUNCTIONS } from '../../functions/registry.ts';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';
import { createCloudbaseDouble, type CloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { installCloudPlatform, type InstalledCloud } from '../support/cloud-fake.ts';

type Main = (event: unknown, context: unknown) => Promise<any>;
const tick = (main: Main, trigger: string, iso: string) => main({ Type: 'Timer', TriggerName: trigger, Time: new Date(Date.parse(iso)).toISOString(), Message: '' }, {});

describe('one CloudBase timer per function', () => {
  let double: CloudbaseDouble;
  let cloud: InstalledCloud;
  let store: ItemStore;
  const mains: Record<string, Main> = {};

  beforeAll(async () => {
    double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
    cloud = installCloudPlatform({ db: double.wxDatabase(), tcbEnv: double.env, clock: fixedClock('2026-11-24T10:30:00+08:00') });
    store = createCloudbaseItemStore({ db: double.db });
    mains.notify = ((await import('../../functions/notify/cloudbase.ts')) as { main: Main }).main;
    mains.order = ((await import('../../functions/order/cloudbase.ts')) as { main: Main }).main;
    cloud.as(undefined);
  });

  afterAll(() => {
    cloud?.uninstall();
    double?.uninstall();
  });

  it('every deployed function has at most one timer, and every scheduled job is woken by it', () => {
    for (const mod of FUNCTIONS) {
      const triggers = cloudbaseConfig(mod.name).triggers;
      expect(triggers.length, mod.name).toBeLessThanOrEqual(1);
      const jobs = Object.entries(SCHEDULES).filter(([, s]) => s.fn === mod.name);
      expect(triggers.length, mod.name).toBe(jobs.length > 0 ? 1 : 0);
    }
    expect(cloudbaseConfig('order').triggers).toEqual([{ name: 'heartbeat', type: 'timer', config: '0 */5 * * * * *' }]);
    expect(cloudbaseConfig('notify').triggers).toEqual([{ name: 'heartbeat', type: 'timer', config: '0 * * * * * *' }]);
  });

  it('the notify heartbeat drains every minute and cleans up expired records at :30 only', async () => {
    const [trigger] = cloudbaseConfig('notify').triggers;
    const expired = { pk: 'REQ#u-1#r-1', sk: 'REQ', orderId: 'o-1', expiresAt: Math.floor(Date.parse('2026-11-24T09:00:00+08:00') / 1000) };
    await store.putMany([expired]);
    const at31 = await tick(mains.notify!, trigger!.name, '2026-11-24T10:31:00+08:00');
    expect(at31.ok).toBe(true);
    expect(Object.keys(at31.data).sort()).toEqual(['notify']);
    expect(await store.get({ pk: expired.pk, sk: expired.sk })).toBeDefined();
    const at30 = await tick(mains.notify!, trigger!.name, '2026-11-24T10:30:00+08:00');
    expect(Object.keys(at30.data).sort()).toEqual(['notify', 'ttl']);
    expect(await store.get({ pk: expired.pk, sk: expired.sk })).toBeUndefined();
  });

  it('the order heartbeat expires unpaid orders every 5 minutes and polls refunds every 10', async () => {
    const [trigger] = cloudbaseConfig('order').triggers;
    expect(Object.keys((await tick(mains.order!, trigger!.name, '2026-11-24T10:05:00+08:00')).data)).toEqual(['expire']);
    expect(Object.keys((await tick(mains.order!, trigger!.name, '2026-11-24T10:10:00+08:00')).data).sort()).toEqual(['expire', 'refunds']);
  });

  it('a timer that names neither a job nor the heartbeat is refused, and a client cannot send a tick', async () => {
    await expect(tick(mains.order!, 'nonsense', '2026-11-24T10:10:00+08:00')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    cloud.as('o-client');
    const asClient = await tick(mains.order!, 'heartbeat', '2026-11-24T10:10:00+08:00');
    cloud.as(undefined);
    expect(asClient).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
