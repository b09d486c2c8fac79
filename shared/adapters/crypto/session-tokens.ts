import { SignJWT, jwtVerify } from 'jose';
import type { SessionTokens } from '#ports/session';
import type { Clock } from '#ports/clock';

/**
 * HS256 session tokens (jose) carrying only the user id; roles are looked up per call.
 * A token must carry `sub`, `iat` and `exp`, this issuer and this stage's audience
 * (`groupbuy:<STAGE>`), so a token signed for another stage is refused even if the secrets match.
 */
export function createSessionTokens(options: { secret: string; ttlSeconds: number; clock: Clock; stage: string; issuer?: string }): SessionTokens {
  const key = new TextEncoder().encode(options.secret);
  const iss = options.issuer ?? 'groupbuy';
  const aud = sessionAudience(options.stage);
  return {
    async issue(userId) {
      const iat = Math.floor(options.clock.now() / 1000);
      const exp = iat + options.ttlSeconds;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: exp * 1000 };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: iss,
          audience: aud,
          algorithms: ['HS256'],
          requiredClaims: ['sub', 'iat', 'exp'],
          currentDate: new Date(options.clock.now()),
        });
        return typeof payload.sub === 'string' && payload.sub.length > 0 ? payload.sub : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** The audience a stage's session tokens are bound to. */
export const sessionAudience = (stage: string) => `groupbuy:${stage}`;
