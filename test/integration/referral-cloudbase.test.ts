/**
 * Share cards and referral on CloudBase, through the entries as deployed (functions/<fn>/cloudbase.ts
 * `main`) with the CloudBase double and the fake `cloud`: the card's code from
 * `cloud.openapi.wxacode.getUnlimited` stored in cloud storage (`uploadFile`, `getTempFileURL`),
 * made once per scene; the scene's landing data; an invitee bound by their first call (`auth.me`
 * with the scene: CloudBase has no login); attribution of an order placed through the scene.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudbaseItemStore } from '#adapters/cloudbase/item-store';
import { findOrder } from '#app/orders/model';
import { fixedClock } from '#ports/clock';
import type { ItemStore } from '#ports/item-store';
import { cloudbaseDeps } from '#wiring/cloudbase';
import { CLOUDBASE_COLLECTION_NAMES } from '../../scripts/lib/cloudbase-collections.ts';
import { seedDemo } from '../../scripts/lib/demo-data.ts';
import { createCloudbaseDouble, type CloudbaseDouble } from '../support/cloudbase-double/index.ts';
import { FAKE_APPID, installCloudPlatform, type InstalledCloud } from '../support/cloud-fake.ts';

type Main = (event: unknown, context: unknown) => Promise<any>;

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const clock = fixedClock('2026-11-24T10:00:00+08:00');
let double: CloudbaseDouble;
let cloud: InstalledCloud;
let store: ItemStore;
const mains: Record<string, Main> = {};

async function call(fn: string, action: string, data: Record<string, unknown>, openid: string) {
  cloud.as(openid);
  return mains[fn]!({ ...data, action, userInfo: { appId: FAKE_APPID, openId: openid } }, {});
}

beforeAll(async () => {
  double = createCloudbaseDouble({ collections: CLOUDBASE_COLLECTION_NAMES });
  cloud = installCloudPlatform({ db: double.wxDatabase(), tcbEnv: double.env, clock });
  await seedDemo(await cloudbaseDeps()());
  store = createCloudbaseItemStore({ db: double.db });
  for (const fn of ['order', 'auth']) mains[fn] = ((await import(`../../functions/${fn}/cloudbase.ts`)) as { main: Main }).main;
});

afterAll(() => {
  cloud?.uninstall();
  double?.uninstall();
});

describe('share cards and referral on CloudBase', () => {
  it('a card in cloud storage made once; the landing data; the invitee bound by the first call through the scene; the order attributed', async () => {
    // Count uploads and codes made (the adapters look the methods up at each call).
    const c = cloud.platform.cloud;
    let made = 0;
    const upload = c.uploadFile.bind(c);
    c.uploadFile = (p: unknown) => (made++, upload(p));
    const uploads = () => made;
    const invites = await call('auth', 'invites', {}, 'u-cb-inv');
    expect(invites).toMatchObject({ ok: true });
    const code = invites.data.code as string;

    const first = await call('order', 'shareCard', { communityId: 'c-xujiahui', productId: 'p-rice' }, 'u-cb-inv');
    expect(first, JSON.stringify(first)).toMatchObject({ ok: true });
    const { scene, imageUrl } = first.data as { scene: string; imageUrl: string };
    expect(imageUrl).toBe(`https://fake-bucket.tcb.qcloud.la/cards/${scene}.png`);
    const file = await cloud.platform.cloud.downloadFile({ fileID: `cloud://${double.env}.fake-bucket/cards/${scene}.png` });
    expect([...new Uint8Array(file.fileContent).slice(0, 8)]).toEqual(PNG);
    expect(uploads()).toBe(1);
    expect((await call('order', 'shareCard', { communityId: 'c-xujiahui', productId: 'p-rice' }, 'u-cb-inv')).data).toEqual({ scene, imageUrl });
    expect(uploads()).toBe(1);
    expect((await store.get({ pk: `SCENE#${scene}`, sk: 'META' }))?.imageUrl).toBe(imageUrl);

    expect((await call('order', 'resolveScene', { scene }, 'u-cb-new')).data).toEqual({ communityId: 'c-xujiahui', productId: 'p-rice', leaderId: 'l-xujiahui', inviterCode: code });

    const me = await call('auth', 'me', { scene }, 'u-cb-new');
    expect(me).toMatchObject({ ok: true, data: { points: 200 } });
    expect(await store.get({ pk: 'U#u-cb-new', sk: 'REF#BY' })).toMatchObject({ inviterCode: code });
    // A second call with the scene changes nothing.
    expect((await call('auth', 'me', { scene }, 'u-cb-new')).data.points).toBe(200);

    const placed = await call('order', 'place', { requestId: 'cb-ref-1', scene, communityId: 'c-xujiahui', items: [{ productId: 'p-rice', qty: 1 }], contact: { name: '王小明', phone: '13912345678' } }, 'u-cb-new');
    expect(placed, JSON.stringify(placed)).toMatchObject({ ok: true });
    const deps = await cloudbaseDeps()();
    expect((await findOrder(deps, placed.data.order.id))!.attribution).toEqual({ leaderId: 'l-xujiahui', inviterCode: code });
  });
});
