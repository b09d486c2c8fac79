import { describe, expect, it } from 'vitest';
import { createCipheriv, createHmac, createHash, randomBytes } from 'node:crypto';
import { createContactCipher } from './contact-cipher.ts';

const macKey = randomBytes(32);
const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const cipher = (keys: Record<string, string>, currentKeyId: string) => createContactCipher({ keys, currentKeyId, macKey });

/** A value as the cipher sealed it before record binding: `<keyId>.<iv>.<tag>.<data>`, no additional data. */
function legacySeal(keyId: string, keyB64: string, plain: string, tagLength = 16): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', Buffer.from(keyB64, 'base64'), iv, { authTagLength: tagLength });
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return [keyId, iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

describe('contact cipher', () => {
  it('round-trips and never stores the plain text', () => {
    const c = cipher({ k1 }, 'k1');
    const sealed = c.encrypt('张三|13812345678', 'order:o-1');
    expect(sealed).not.toContain('138');
    expect(sealed.startsWith('v2:k1:')).toBe(true);
    expect(c.decrypt(sealed, 'order:o-1')).toBe('张三|13812345678');
  });

  it('rotation: new writes use the current key; values sealed with a previous key still open', () => {
    const old = cipher({ k1 }, 'k1').encrypt('x', 'order:o-1');
    const rotated = cipher({ k1, k2 }, 'k2');
    expect(rotated.decrypt(old, 'order:o-1')).toBe('x');
    expect(rotated.isCurrent(old)).toBe(false);
    const fresh = rotated.encrypt('x', 'order:o-1');
    expect(fresh.startsWith('v2:k2:')).toBe(true);
    expect(rotated.isCurrent(fresh)).toBe(true);
    // A retired key that is no longer configured cannot open its values.
    expect(() => cipher({ k2 }, 'k2').decrypt(old, 'order:o-1')).toThrow(/unknown key/);
  });

  it('binds a value to its record: moved to another record it does not open', () => {
    const c = cipher({ k1 }, 'k1');
    const sealed = c.encrypt('13812345678', 'order:o-1');
    expect(() => c.decrypt(sealed, 'order:o-2')).toThrow(/does not open/);
    expect(() => c.decrypt(sealed, 'leader:o-1')).toThrow(/does not open/);
  });

  it('refuses tampered data', () => {
    const c = cipher({ k1 }, 'k1');
    const parts = c.encrypt('hello', 'r').split(':');
    parts[4] = Buffer.from('jello').toString('base64url');
    expect(() => c.decrypt(parts.join(':'), 'r')).toThrow();
  });

  it('refuses a tag shorter than 16 bytes, both a truncated one and one GCM made short', () => {
    const c = cipher({ k1 }, 'k1');
    const parts = c.encrypt('hello', 'r').split(':');
    const truncated = [...parts];
    truncated[3] = Buffer.from(parts[3]!, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => c.decrypt(truncated.join(':'), 'r')).toThrow(/16 bytes/);
    // A legacy value whose tag really is 4 bytes (GCM allows it) is refused all the same.
    expect(() => c.decrypt(legacySeal('k1', k1, 'hello', 4), 'r')).toThrow(/16 bytes/);
  });

  it('opens legacy values sealed without record binding; isCurrent is false for them, so rekey upgrades them', () => {
    const c = cipher({ k1 }, 'k1');
    const legacy = legacySeal('k1', k1, '{"name":"张三","phone":"13912345678"}');
    expect(c.decrypt(legacy, 'order:any')).toBe('{"name":"张三","phone":"13912345678"}');
    expect(c.isCurrent(legacy)).toBe(false);
  });

  it('refuses malformed values and bad keys at construction', () => {
    const c = cipher({ k1 }, 'k1');
    for (const bad of ['', 'v2:k1:x', 'k1.a.b', 'v2:k1:!!:a:b:c', 'nonsense']) expect(() => c.decrypt(bad, 'r')).toThrow();
    expect(() => cipher({ k1 }, 'k9')).toThrow(/current contact key/);
    expect(() => cipher({ 'k:1': k1 }, 'k:1')).toThrow(/key id/);
    expect(() => cipher({ k1: randomBytes(16).toString('base64') }, 'k1')).toThrow(/32 bytes/);
    expect(() => createContactCipher({ keys: { k1 }, currentKeyId: 'k1', macKey: 'short' })).toThrow(/MAC key/);
  });

  it('mac is an HMAC under the configured key, not a bare SHA-256', () => {
    const c = cipher({ k1 }, 'k1');
    const text = '{"n":"张三","t":"13912345678"}';
    expect(c.mac(text)).toBe(createHmac('sha256', macKey).update(text).digest('base64url'));
    expect(c.mac(text)).not.toBe(createHash('sha256').update(text).digest('base64url'));
    expect(createContactCipher({ keys: { k1 }, currentKeyId: 'k1', macKey: randomBytes(32) }).mac(text)).not.toBe(c.mac(text));
  });
});
