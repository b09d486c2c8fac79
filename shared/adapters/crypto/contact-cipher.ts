import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { ContactCipher } from '#ports/session';

/**
 * AES-256-GCM for contact data at rest.
 *
 * Sealed form (current): `v2:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts, 12-byte IV,
 * 16-byte tag), sealed with the record's id as additional authenticated data, so a value
 * copied into another record does not open. The key id names the key that sealed it, so keys
 * rotate: new writes use the current key, values under older keys still open until
 * `npm run contacts:rekey` rewrites them.
 *
 * Legacy form: `<keyId>.<iv>.<tag>.<ciphertext>` without additional data (written before the
 * record binding). It still opens; `isCurrent` is false for it, so rekeying upgrades it.
 *
 * Tags shorter than 16 bytes are refused before anything is deciphered (GCM would otherwise
 * accept a truncated tag, making forgery far cheaper).
 */
export const TAG_BYTES = 16;
const IV_BYTES = 12;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

export interface ContactKeys {
  /** Key id → base64 of 32 bytes. */
  keys: Record<string, string>;
  /** The id new values are sealed with. */
  currentKeyId: string;
  /** The HMAC key of `mac` (idempotency fingerprints over contact data). */
  macKey: string | Buffer;
}

export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedValueError';
  }
}

export function createContactCipher({ keys, currentKeyId, macKey }: ContactKeys): ContactCipher {
  const material = new Map<string, Buffer>();
  for (const [id, b64] of Object.entries(keys)) {
    if (!KEY_ID.test(id)) throw new Error(`contact key id ${JSON.stringify(id)} must be 1-32 of A-Z a-z 0-9 _ -`);
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) throw new Error(`contact key ${id} must be base64 of 32 bytes`);
    material.set(id, key);
  }
  const current = material.get(currentKeyId);
  if (!current) throw new Error(`the current contact key ${currentKeyId} is not among the contact keys`);
  if (!macKey || macKey.length < 32) throw new Error('the contact MAC key must be at least 32 bytes');

  const part = (s: string | undefined, what: string): Buffer => {
    if (s === undefined || !B64URL.test(s)) throw new SealedValueError(`sealed value: bad ${what}`);
    return Buffer.from(s, 'base64url');
  };

  return {
    encrypt(plain, recordId) {
      if (!recordId) throw new Error('a sealed value needs its record id');
      const iv = randomBytes(IV_BYTES);
      const c = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      c.setAAD(Buffer.from(recordId, 'utf8'));
      const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v2', currentKeyId, iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
    },

    decrypt(sealed, recordId) {
      const v2 = sealed.startsWith('v2:');
      const parts = v2 ? sealed.split(':').slice(1) : sealed.split('.');
      if (parts.length !== 4) throw new SealedValueError('sealed value is malformed');
      const [keyId, ivText, tagText, dataText] = parts as [string, string, string, string];
      const key = material.get(keyId);
      if (!key) throw new SealedValueError(`sealed value names an unknown key ${KEY_ID.test(keyId) ? keyId : '?'}`);
      const iv = part(ivText, 'iv');
      const tag = part(tagText, 'tag');
      const data = part(dataText, 'ciphertext');
      if (iv.length !== IV_BYTES) throw new SealedValueError('sealed value: the iv must be 12 bytes');
      if (tag.length !== TAG_BYTES) throw new SealedValueError('sealed value: the tag must be 16 bytes');
      const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      if (v2) d.setAAD(Buffer.from(recordId, 'utf8'));
      d.setAuthTag(tag);
      try {
        return Buffer.concat([d.update(data), d.final()]).toString('utf8');
      } catch {
        throw new SealedValueError('sealed value does not open: tampered, or sealed for another record');
      }
    },

    isCurrent(sealed) {
      return sealed.startsWith(`v2:${currentKeyId}:`);
    },

    mac(text) {
      return createHmac('sha256', macKey).update(text, 'utf8').digest('base64url');
    },
  };
}
