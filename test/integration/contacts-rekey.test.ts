import { addAddressCommand } from '#app/delivery/addresses';
import { deliveryKeys } from '#app/delivery/keys';
import { describe, expect, it, vi } from 'vitest';
import { createCipheriv, randomBytes } from 'node:crypto';
import { createContactCipher } from '#adapters/crypto/contact-cipher';
import { deriveSecret } from '#adapters/crypto/derive';
import { rekeyContacts } from '#app/contacts/rekey';
import { sealedRecord } from '#app/contacts/sealed';
import { orderView } from '#app/orders/model';
import { keys } from '#app/keys';
import { placeCommand } from '#app/orders/commands';
import { dispatch } from '#platform/dispatch';
import { createTestStore } from '../support/dynamo.ts';
import { givenOrder, makeWorld } from '../support/harness.ts';
import { seedDemo } from '../../scripts/lib/demo-data.ts';
import { main as rekeyMain } from '../../scripts/contacts-rekey.ts';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const SESSION_SECRET = 'rekey-test-session-secret-0123456789abcdef';
const macKey = deriveSecret(SESSION_SECRET, 'groupbuy contact mac');
const only = (keys: Record<string, string>, current: string) => createContactCipher({ keys, currentKeyId: current, macKey });

/** A contact sealed the way records were before record binding: `<keyId>.<iv>.<tag>.<data>`, no additional data. */
function legacySeal(keyId: string, keyB64: string, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', Buffer.from(keyB64, 'base64'), iv);
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return [keyId, iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

/** A world whose contacts are sealed with k1, holding: a current (v2, k1) order, a legacy one, a moved value, and a leader's phone. */
async function worldUnderK1() {
  const created = await createTestStore();
  const w = await makeWorld({ store: created.store, seed: false });
  w.deps.contacts = only({ k1 }, 'k1');
  // The demo's leaders are onboarded through the back office: their phones are sealed under k1.
  await seedDemo(w.deps);
  const contact = { name: '李四', phone: '13700001111' };
  const current = await givenOrder(w, { communityId: 'c-jingan', userId: 'u-1', waveDate: '2026-11-24', lines: [{ productId: 'p-rice', qty: 1 }], contact });
  const legacy = await givenOrder(w, { communityId: 'c-xujiahui', userId: 'u-2', waveDate: '2026-11-24', lines: [{ productId: 'p-rice', qty: 1 }], contact });
  const legacyKey = keys.order(legacy.communityId, legacy.waveDate, legacy.id);
  await w.store.write({ type: 'update', key: legacyKey, update: { set: { contactSealed: legacySeal('k1', k1, JSON.stringify(contact)) } } });
  // A sealed value copied from another order: bound to that order, it does not open here.
  const moved = await givenOrder(w, { communityId: 'c-jingan', userId: 'u-3', waveDate: '2026-11-24', lines: [{ productId: 'p-rice', qty: 1 }], contact });
  const movedKey = keys.order(moved.communityId, moved.waveDate, moved.id);
  await w.store.write({ type: 'update', key: movedKey, update: { set: { contactSealed: current.contactSealed } } });
  // An address-book entry (shared/app/delivery), sealed under k1 too.
  const address = (await dispatch(addAddressCommand, { name: '王五', phone: '13700002222', district: '静安区', detail: '南京西路1号' }, { kind: 'openid', openid: 'u-addr' }, w.deps)) as { id: string };
  return { w, created, contact, current, legacy, legacyKey, moved, movedKey, address };
}

const sealedOf = async (w: Awaited<ReturnType<typeof makeWorld>>, key: { pk: string; sk: string }, field = 'contactSealed') =>
  String((await w.store.get(key, { consistent: true }))?.[field]);

describe('contacts:rekey against DynamoDB Local', () => {
  it('re-seals every contact under the current key and format; the retired key can go; a second pass writes nothing', async () => {
    const s = await worldUnderK1();
    const rotated = only({ k1, k2 }, 'k2');

    const first = await rekeyContacts({ store: s.w.store, contacts: rotated });
    expect(first.orderContacts).toMatchObject({ rewritten: 2, current: 0, unreadable: 1, raced: 0 });
    expect(first.leaderPhones).toMatchObject({ seen: 4, rewritten: 4, unreadable: 0 });
    expect(first.addresses).toMatchObject({ seen: 1, rewritten: 1, unreadable: 0 });

    // With k1 retired, every rewritten value opens under k2 alone, bound to its record.
    const k2Only = only({ k2 }, 'k2');
    for (const o of [s.current, s.legacy]) {
      const sealed = await sealedOf(s.w, keys.order(o.communityId, o.waveDate, o.id));
      expect(sealed.startsWith('v2:k2:')).toBe(true);
      expect(JSON.parse(k2Only.decrypt(sealed, sealedRecord.orderContact(o.id)))).toEqual(s.contact);
      const view = orderView({ ...s.w.deps, contacts: k2Only }, { ...o, contactSealed: sealed }, 'owner');
      expect(view.contact).toEqual(s.contact);
    }
    const phone = await sealedOf(s.w, keys.leader('l-jingan'), 'phoneSealed');
    expect(k2Only.decrypt(phone, sealedRecord.leaderPhone('l-jingan'))).toBe('13800001002');
    const address = await sealedOf(s.w, deliveryKeys.address('u-addr', s.address.id), 'sealed');
    expect(JSON.parse(k2Only.decrypt(address, sealedRecord.address('u-addr', s.address.id)))).toMatchObject({ phone: '13700002222', detail: '南京西路1号' });
    // The moved value is left exactly as it was.
    expect(await sealedOf(s.w, s.movedKey)).toBe(s.current.contactSealed);

    const second = await rekeyContacts({ store: s.w.store, contacts: rotated });
    expect(second.orderContacts).toMatchObject({ rewritten: 0, current: 2, unreadable: 1 });
    expect(second.leaderPhones).toMatchObject({ rewritten: 0, current: 4 });
    expect(second.addresses).toMatchObject({ rewritten: 0, current: 1 });
  });

  it('a dry run counts what it would rewrite and writes nothing', async () => {
    const s = await worldUnderK1();
    const before = await sealedOf(s.w, s.legacyKey);
    const dry = await rekeyContacts({ store: s.w.store, contacts: only({ k1, k2 }, 'k2') }, { dryRun: true });
    expect(dry.orderContacts).toMatchObject({ rewritten: 2, unreadable: 1 });
    expect(await sealedOf(s.w, s.legacyKey)).toBe(before);
  });

  it('npm run contacts:rekey: configured from the environment (CONTACT_KEYS, CONTACT_KEY_ID), prints counts and never a value', async () => {
    const s = await worldUnderK1();
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const env = {
      STAGE: 'test',
      AUTH_MODE: 'wechat',
      WX_APPID: 'wxtest',
      WX_SECRET: 'secret',
      TABLE_NAME: s.created.tableName,
      DYNAMO_ENDPOINT: s.created.endpoint,
      SESSION_SECRET,
      CONTACT_KEYS: `k1:${k1},k2:${k2}`,
      CONTACT_KEY_ID: 'k2',
    };
    try {
      // One value does not open (the moved one): the script says so with exit code 1.
      expect(await rekeyMain([], env)).toBe(1);
      expect(await rekeyMain([], env)).toBe(1);
    } finally {
      log.mockRestore();
    }
    const out = lines.join('\n');
    expect(out).toContain('order contacts: 3 sealed, 2 rewritten, 0 already current, 1 unreadable');
    expect(out).toContain('order contacts: 3 sealed, 0 rewritten, 2 already current, 1 unreadable');
    expect(out).toContain('leader phones: 4 sealed, 4 rewritten');
    for (const secret of ['李四', '13700001111', '13800001002', '李娜', k1, k2]) expect(out).not.toContain(secret);
    expect((await sealedOf(s.w, s.legacyKey)).startsWith('v2:k2:')).toBe(true);
  });

  it('placing an order seals its contact bound to the order under the current key, and the idempotency record holds an HMAC, not a bare SHA-256', async () => {
    const w = await makeWorld({ now: '2026-11-24T10:00:00+08:00' });
    w.deps.contacts = only({ k1, k2 }, 'k2');
    const input = { communityId: 'c-jingan', items: [{ productId: 'p-rice', qty: 1 }], requestId: 'r-hmac', contact: { name: '赵六', phone: '13600003333' } };
    const placed = (await dispatch(placeCommand, input, { kind: 'openid', openid: 'u-hmac' }, w.deps)) as any;
    const stored = await w.store.get(keys.order('c-jingan', placed.order.waveDate, placed.order.id));
    expect(String(stored?.contactSealed).startsWith('v2:k2:')).toBe(true);
    // Bound to this order: opened for another record id it fails.
    expect(() => w.deps.contacts.decrypt(String(stored?.contactSealed), sealedRecord.orderContact('other'))).toThrow();
    const request = await w.store.get(keys.idempotency('u-hmac', 'r-hmac'));
    const { createHash } = await import('node:crypto');
    const canonical = JSON.stringify({ c: 'c-jingan', i: [['p-rice', 1]], k: null, p: 0, n: '赵六', t: '13600003333', a: null });
    expect(request?.hash).toBe(w.deps.contacts.mac(canonical));
    expect(request?.hash).not.toBe(createHash('sha256').update(canonical).digest('base64url'));
    // The same request again is a replay (same fingerprint), not a conflict.
    const again = (await dispatch(placeCommand, input, { kind: 'openid', openid: 'u-hmac' }, w.deps)) as any;
    expect(again.order.id).toBe(placed.order.id);
  });
});
