import { describe, expect, it } from 'vitest';
import { forbiddenAddress } from './webhook-client.ts';

describe('webhook target addresses', () => {
  const prod = { allowLoopback: false };
  const local = { allowLoopback: true };
  it('refuses private, shared, link-local, metadata, unique-local and mapped addresses', () => {
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '100.64.0.1', '169.254.169.254', '0.0.0.0', 'fd00:ec2::254', 'fe80::1', '::', '::ffff:10.0.0.1', '224.0.0.1'])
      expect({ a, why: forbiddenAddress(a, prod) }).toEqual({ a, why: expect.any(String) });
  });
  it('refuses loopback outside the local stage only', () => {
    for (const a of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) {
      expect(forbiddenAddress(a, prod)).toMatch(/loopback/);
      expect(forbiddenAddress(a, local)).toBeUndefined();
    }
  });
  it('allows public addresses', () => {
    for (const a of ['93.184.216.34', '172.32.0.1', '8.8.8.8', '2606:2800:220:1:248:1893:25c8:1946']) expect(forbiddenAddress(a, prod)).toBeUndefined();
  });
});
