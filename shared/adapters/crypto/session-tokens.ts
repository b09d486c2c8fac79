import { SignJWT, jwtVerify } from 'jose';
import { STAFF_SUBJECT_PREFIX, staffSubject, type SessionTokens } from '#ports/session';
import type { Clock } from '#ports/clock';

/** Staff tokens (browser sign-in) last 8 hours: a working day, then sign in again. */
export const STAFF_TOKEN_TTL_SECONDS = 8 * 3600;

/**
 * HS256 session tokens (jose) carrying only the user id; roles are looked up per call.
 * A token must carry `sub`, `iat` and `exp`, this issuer and this stage's audience
 * (`groupbuy:<STAGE>`), so a token signed for another stage is refused even if the secrets match.
 * Staff tokens have their own audience (`groupbuy:<STAGE>:staff`), last 8 hours and carry the
 * staff subject (`staff:<id>`); a token whose audience and subject disagree is refused.
 */
export function createSessionTokens(options: { secret: string; ttlSeconds: number; clock: Clock; stage: string; issuer?: string; staffTtlSeconds?: number }): SessionTokens {
  const key = new TextEncoder().encode(options.secret);
  const iss = options.issuer ?? 'groupbuy';
  const aud = sessionAudience(options.stage);
  const staffAud = staffAudience(options.stage);
  const sign = async (subject: string, audience: string, ttlSeconds: number) => {
    const iat = Math.floor(options.clock.now() / 1000);
    const exp = iat + ttlSeconds;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject)
      .setIssuer(iss)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key);
    return { token, expiresAt: exp * 1000 };
  };
  return {
    issue: async (userId) => {
      if (userId.startsWith(STAFF_SUBJECT_PREFIX)) throw new Error('a staff subject gets a staff token (issueStaff)');
      return sign(userId, aud, options.ttlSeconds);
    },
    issueStaff: (staffId) => sign(staffSubject(staffId), staffAud, options.staffTtlSeconds ?? STAFF_TOKEN_TTL_SECONDS),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: iss,
          audience: [aud, staffAud],
          algorithms: ['HS256'],
          requiredClaims: ['sub', 'iat', 'exp'],
          currentDate: new Date(options.clock.now()),
        });
        const sub = payload.sub;
        if (typeof sub !== 'string' || sub.length === 0) return undefined;
        const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        if (audiences.length !== 1) return undefined;
        // The staff audience carries a staff subject and nothing else does.
        const staffToken = audiences[0] === staffAud;
        if (staffToken !== sub.startsWith(STAFF_SUBJECT_PREFIX)) return undefined;
        if (staffToken && sub.length === STAFF_SUBJECT_PREFIX.length) return undefined;
        return sub;
      } catch {
        return undefined;
      }
    },
  };
}

/** The audience a stage's session tokens are bound to. */
export const sessionAudience = (stage: string) => `groupbuy:${stage}`;
/** The audience of a stage's staff tokens (browser sign-in). */
export const staffAudience = (stage: string) => `groupbuy:${stage}:staff`;
