/**
 * CloudBase has no TTL: the records DynamoDB expires by `expiresAt` (deploy/table.json) are
 * removed on CloudBase by the `ttl` job of the notify function, fired by its timer through the
 * CloudBase entry. On DynamoDB the same job does nothing (the table's TTL does it).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { ttlJob } from '#app/expiry';
import { SCHEDULES } from '#app/schedules';
import { fixedClock } from '#ports/clock';
import type { ItemStore } from '#ports/item-store';
import { cloudbaseConfig } from '../../scripts/gen.ts';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';
import { createCloudbaseDouble, type CloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { installCloudPlatform, type InstalledCloud } from '../support/cloud-fake.ts';
import { makeWorld } from '../support/harness.ts';

const NOW = '2026-11-24T10:00:00+08:00';
const nowSeconds = Math.floor(Date.parse(NOW) / 1000);

describe('the ttl job removes on CloudBase what DynamoDB expires by TTL', () => {
  let double: CloudbaseDouble;
  let cloud: InstalledCloud;
  let store: ItemStore;
  let main: (event: unknown, context: unknown) => Promise<any>;

  beforeAll(async () => {
    double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
    cloud = installCloudPlatform({ db: double.wxDatabase(), tcbEnv: double.env, clock: fixedClock(NOW) });
    store = createCloudbaseItemStore({ db: double.db });
    main = ((await import('../../functions/notify/cloudbase.ts')) as { main: typeof main }).main;
  });

  afterAll(() => {
    cloud?.uninstall();
    double?.uninstall();
  });

  it('the timer removes items whose numeric expiresAt has passed, in every collection, and keeps the rest', async () => {
    const items = {
      expiredRequest: { pk: 'REQ#u-1#r-1', sk: 'REQ', orderId: 'o-1', expiresAt: nowSeconds - 1 },
      expiredCounter: { pk: 'L#l-1', sk: 'WRONG#202611241000', count: 3, expiresAt: nowSeconds - 3600 },
      expiredOutbox: { pk: 'MSG#x', sk: 'MSG', status: 'sent', expiresAt: nowSeconds - 86_400 },
      liveRequest: { pk: 'REQ#u-1#r-2', sk: 'REQ', orderId: 'o-2', expiresAt: nowSeconds + 60 },
      // Not epoch seconds: DynamoDB's TTL ignores it, so does the job.
      isoString: { pk: 'C#c-1', sk: 'O#2026-11-24#o-3', status: 'PENDING_PAYMENT', expiresAt: '2026-11-24T09:00:00+08:00' },
      noExpiry: { pk: 'C#c-1', sk: 'META', name: '静安' },
    };
    await store.putMany(Object.values(items));

    cloud.as(undefined);
    const run = await main({ Type: 'Timer', TriggerName: 'ttl', Time: new Date(Date.parse(NOW)).toISOString() }, {});
    expect(run).toMatchObject({ ok: true });
    for (const [name, item] of Object.entries(items)) {
      const kept = await store.get({ pk: item.pk, sk: item.sk });
      if (name.startsWith('expired')) expect(kept, name).toBeUndefined();
      else expect(kept, name).toEqual(item);
    }
    // A second run finds nothing more to remove.
    expect(await main({ Type: 'Timer', TriggerName: 'ttl' }, {})).toMatchObject({ ok: true });
    expect(await store.get({ pk: items.liveRequest.pk, sk: 'REQ' })).toEqual(items.liveRequest);
  });

  it("is woken by the notify function's one timer in the CloudBase configuration (cloudbase-timers.test.ts fires it)", () => {
    // CloudBase takes one timer per function: notify's heartbeat runs ttl at the minute its own cron names.
    expect(SCHEDULES.ttl.fn).toBe('notify');
    expect(cloudbaseConfig('notify').triggers).toEqual([{ name: 'heartbeat', type: 'timer', config: '0 * * * * * *' }]);
    const rc = JSON.parse(readFileSync('cloudbaserc.json', 'utf8')) as { functions: { name: string; triggers: { name: string }[] }[] };
    expect(rc.functions.find((f) => f.name === 'notify')!.triggers.map((t) => t.name)).toEqual(['heartbeat']);
  });

  it('does nothing on DynamoDB, whose table expires items itself', async () => {
    const world = await makeWorld({ now: NOW, seed: false });
    await world.store.write({ type: 'put', item: { pk: 'REQ#u-9#r-9', sk: 'REQ', expiresAt: nowSeconds - 10 } });
    expect(await ttlJob.run(world.deps, {})).toEqual({ removed: 0, nativeTtl: true });
  });
});
