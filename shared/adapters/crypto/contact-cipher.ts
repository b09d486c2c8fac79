import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ContactCipher } from '#ports/session';

/**
 * AES-256-GCM for contact data at rest. The sealed form is `<keyId>.<iv>.<tag>.<ciphertext>`
 * (base64url) so a key can be rotated: old records name the key that sealed them.
 */
export function createContactCipher(keys: Record<string, string>, currentKeyId: string): ContactCipher {
  const material = new Map(Object.entries(keys).map(([id, b64]) => [id, Buffer.from(b64, 'base64')]));
  const current = material.get(currentKeyId);
  if (!current || current.length !== 32) throw new Error(`contact key ${currentKeyId} must be 32 bytes`);
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', current, iv);
      const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return [currentKeyId, iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
    },
    decrypt(sealed) {
      const [keyId, iv, tag, data] = sealed.split('.');
      const key = keyId ? material.get(keyId) : undefined;
      if (!key || !iv || !tag || data === undefined) throw new Error('sealed contact data is malformed or its key is unknown');
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
    },
  };
}
