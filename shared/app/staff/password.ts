import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Staff passwords: scrypt (node:crypto) with a random 16-byte salt per hash; the parameters are
 * stored with the hash (`scrypt$N$r$p$salt$hash`, base64url), so they can be raised later and
 * old hashes still verify. Comparison is constant-time.
 */
const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }, length: number): Promise<Buffer> {
  const options: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, length, options, (e, key) => (e ? reject(e) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS, KEY_LENGTH);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `password` matches `stored`; false for a malformed hash (never throws on data). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1 << 20 || r > 32 || p > 16) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length < 16) return false;
  const actual = await derive(password, Buffer.from(parts[4]!, 'base64url'), { N, r, p }, expected.length);
  return timingSafeEqual(actual, expected);
}

let dummy: Promise<string> | undefined;
/**
 * A hash no password matches, checked when the login is unknown (or has no password), so an
 * unknown login costs the same scrypt as a wrong password and timing tells nothing.
 */
export const dummyHash = (): Promise<string> => (dummy ??= hashPassword(randomBytes(24).toString('base64url')));

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** A one-time password to hand over once: 16 characters of 57 without look-alikes (about 93 bits). */
export function generatePassword(): string {
  let out = '';
  while (out.length < 16) {
    for (const b of randomBytes(32)) if (b < 228 && out.length < 16) out += ALPHABET[b % ALPHABET.length]; // 228 = 4 × 57: unbiased
  }
  return out;
}

/** A random url-safe secret of `bytes` bytes (web tickets, scenes). */
export const randomSecret = (bytes: number): string => randomBytes(bytes).toString('base64url');
