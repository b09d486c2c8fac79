import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { fixedClock } from '#ports/clock';
import { createSessionTokens, sessionAudience, staffAudience } from './session-tokens.ts';

const SECRET = 'test-session-secret-0123456789-abcdef';
const key = new TextEncoder().encode(SECRET);
const NOW = '2026-11-24T10:00:00+08:00';
const nowSec = Math.floor(Date.parse(NOW) / 1000);

const tokens = (stage = 'prod', clock = fixedClock(NOW)) => createSessionTokens({ secret: SECRET, ttlSeconds: 3600, clock, stage });

/** A token signed with the right secret, with exactly the claims given. */
async function forge(claims: { sub?: string; iat?: number; exp?: number; aud?: string; iss?: string }) {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' });
  if (claims.sub !== undefined) jwt = jwt.setSubject(claims.sub);
  if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
  if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud);
  if (claims.iss !== undefined) jwt = jwt.setIssuer(claims.iss);
  return jwt.sign(key);
}

const complete = { sub: 'o-user', iat: nowSec, exp: nowSec + 600, aud: sessionAudience('prod'), iss: 'groupbuy' };

describe('session tokens', () => {
  it('issues tokens its own stage accepts, carrying the user id', async () => {
    const t = tokens();
    const { token } = await t.issue('o-user');
    expect(await t.verify(token)).toBe('o-user');
    expect(await t.verify(await forge(complete))).toBe('o-user');
  });

  it('refuses a token issued for another stage (audience groupbuy:<STAGE>)', async () => {
    const { token } = await tokens('dev').issue('o-user');
    expect(await tokens('prod').verify(token)).toBeUndefined();
    expect(await tokens('prod').verify(await forge({ ...complete, aud: 'groupbuy:local' }))).toBeUndefined();
  });

  it.each(['sub', 'iat', 'exp', 'aud', 'iss'] as const)('refuses a token without %s', async (claim) => {
    const { [claim]: _, ...rest } = complete;
    expect(await tokens().verify(await forge(rest))).toBeUndefined();
  });

  it('refuses an empty subject, an expired token, another secret, and junk', async () => {
    const t = tokens();
    expect(await t.verify(await forge({ ...complete, sub: '' }))).toBeUndefined();
    expect(await t.verify(await forge({ ...complete, iat: nowSec - 7200, exp: nowSec - 1 }))).toBeUndefined();
    const { token } = await createSessionTokens({ secret: `${SECRET}-other`, ttlSeconds: 3600, clock: fixedClock(NOW), stage: 'prod' }).issue('o-user');
    expect(await t.verify(token)).toBeUndefined();
    for (const junk of ['', 'x', 'a.b.c', `${(await t.issue('o-user')).token}x`, 'e30.e30.', '%%%.%%%.%%%']) expect(await t.verify(junk)).toBeUndefined();
  });

  it('expires a token it issued once its ttl has passed', async () => {
    const clock = fixedClock(NOW);
    const t = tokens('prod', clock);
    const { token, expiresAt } = await t.issue('o-user');
    expect(expiresAt).toBe((nowSec + 3600) * 1000);
    clock.set(expiresAt + 1000);
    expect(await t.verify(token)).toBeUndefined();
  });

  it('staff tokens: their own audience, the staff subject, 8 hours; a staff subject in a customer token or an openid in a staff token is refused', async () => {
    const clock = fixedClock(NOW);
    const t = tokens('prod', clock);
    const { token, expiresAt } = await t.issueStaff('01STAFF');
    expect(await t.verify(token)).toBe('staff:01STAFF');
    expect(expiresAt).toBe((nowSec + 8 * 3600) * 1000);
    const [, payload] = token.split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString()).aud).toBe('groupbuy:prod:staff');
    expect(await tokens('local').verify(token)).toBeUndefined();
    await expect(t.issue('staff:01STAFF')).rejects.toThrow();
    expect(await t.verify(await forge({ ...complete, sub: 'staff:01STAFF' }))).toBeUndefined();
    expect(await t.verify(await forge({ ...complete, aud: staffAudience('prod') }))).toBeUndefined();
    expect(await t.verify(await forge({ ...complete, aud: staffAudience('prod'), sub: 'staff:' }))).toBeUndefined();
    expect(await t.verify(await forge({ ...complete, aud: staffAudience('prod'), sub: 'staff:x' }))).toBe('staff:x');
    clock.set(expiresAt + 1000);
    expect(await t.verify(token)).toBeUndefined();
  });
});
