import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createContactCipher } from './contact-cipher.ts';

describe('contact cipher', () => {
  const k1 = randomBytes(32).toString('base64');
  const k2 = randomBytes(32).toString('base64');

  it('round-trips and never stores the plain text', () => {
    const c = createContactCipher({ k1 }, 'k1');
    const sealed = c.encrypt('张三|13812345678');
    expect(sealed).not.toContain('138');
    expect(c.decrypt(sealed)).toBe('张三|13812345678');
  });

  it('reads data sealed with a previous key after rotation', () => {
    const old = createContactCipher({ k1 }, 'k1').encrypt('x');
    expect(createContactCipher({ k1, k2 }, 'k2').decrypt(old)).toBe('x');
  });

  it('refuses tampered data', () => {
    const c = createContactCipher({ k1 }, 'k1');
    const sealed = c.encrypt('hello');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('jello').toString('base64url');
    expect(() => c.decrypt(parts.join('.'))).toThrow();
  });
});
