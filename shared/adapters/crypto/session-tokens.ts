import { SignJWT, jwtVerify } from 'jose';
import type { SessionTokens } from '#ports/session';
import type { Clock } from '#ports/clock';

/** HS256 session tokens (jose) carrying only the user id; roles are looked up per call. */
export function createSessionTokens(options: { secret: string; ttlSeconds: number; clock: Clock; issuer?: string }): SessionTokens {
  const key = new TextEncoder().encode(options.secret);
  const iss = options.issuer ?? 'groupbuy';
  return {
    async issue(userId) {
      const iat = Math.floor(options.clock.now() / 1000);
      const exp = iat + options.ttlSeconds;
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuer(iss).setIssuedAt(iat).setExpirationTime(exp).sign(key);
      return { token, expiresAt: exp * 1000 };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: iss,
          algorithms: ['HS256'],
          currentDate: new Date(options.clock.now()),
        });
        return typeof payload.sub === 'string' ? payload.sub : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
