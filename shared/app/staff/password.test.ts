import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, verifyPassword } from './password.ts';

describe('staff passwords (scrypt)', () => {
  it('verifies the password it hashed and nothing else; each hash has its own salt and carries its parameters', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('older parameters stored with a hash still verify; malformed hashes are false, never a throw', async () => {
    const { scryptSync, randomBytes } = await import('node:crypto');
    const salt = randomBytes(16);
    const old = ['scrypt', 1024, 8, 1, salt.toString('base64url'), scryptSync('pw-1234567890', salt, 32, { N: 1024, r: 8, p: 1 }).toString('base64url')].join('$');
    expect(await verifyPassword('pw-1234567890', old)).toBe(true);
    for (const bad of ['', 'scrypt', 'bcrypt$1$2$3$4$5', 'scrypt$x$8$1$aa$bb', 'scrypt$1024$8$1$aa$', `scrypt$${2 ** 30}$8$1$aa$${'b'.repeat(43)}`]) expect(await verifyPassword('x', bad)).toBe(false);
  });

  it('one-time passwords: 16 characters of the unambiguous alphabet, different each time', () => {
    const seen = new Set(Array.from({ length: 200 }, generatePassword));
    expect(seen.size).toBe(200);
    for (const p of seen) expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]{16}$/);
  });
});
