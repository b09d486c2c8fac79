import { hkdfSync } from 'node:crypto';

/**
 * A 32-byte key for one purpose, derived from a configured secret with HKDF-SHA256 (the
 * purpose is the HKDF info), so one secret serves several uses without one key standing in
 * for another: rotating the secret rotates every key derived from it.
 */
export function deriveSecret(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from(purpose, 'utf8'), 32));
}
