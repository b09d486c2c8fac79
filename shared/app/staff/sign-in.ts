import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, type Item } from '#ports/item-store';
import { staffSubject } from '#ports/session';
import type { Deps } from '../deps.ts';
import { rolesOf, sessionUser } from '../users.ts';
import { staffKeys } from './keys.ts';
import { dummyHash, verifyPassword } from './password.ts';
import { normaliseLogin } from './records.ts';

/** Password sign-in: 5 failures within 15 minutes lock the login for 15 minutes (business clock). */
export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const LOCK_MS = 15 * 60_000;

/** The one answer for a wrong login, a wrong password, a disabled member or one without a password. */
const WRONG = 'wrong login or password';

/** The session a staff member gets (password or scan): an 8-hour staff token and who they are. */
export async function staffSession(deps: Deps, member: Item) {
  const id = String(member.id);
  const { token, expiresAt } = await deps.sessions.issueStaff(id);
  const subject = staffSubject(id);
  const roles = await rolesOf(deps, subject);
  return {
    token,
    expiresAt: new Date(expiresAt).toISOString(),
    user: { ...sessionUser(subject, roles), staffId: id, name: String(member.name), ...(member.login ? { login: String(member.login) } : {}) },
  };
}

/**
 * `POST /auth/staff-login`. The login's failure counter is checked first (locked → 429 even with
 * the right password); the password is always hashed (a dummy hash for an unknown login), so a
 * wrong login and a wrong password look and take the same.
 */
export async function staffLogin(deps: Deps, input: { login: string; password: string }) {
  const login = normaliseLogin(input.login);
  const now = deps.clock.now();
  const failures = await deps.store.get(staffKeys.failures(login), { consistent: true });
  if (failures && Number(failures.lockedUntil ?? 0) > now) {
    throw new AppError('RATE_LIMITED', 'too many failed sign-ins; try again later', { retryAfterSeconds: Math.ceil((Number(failures.lockedUntil) - now) / 1000) });
  }
  const ref = await deps.store.get(staffKeys.login(login), { consistent: true });
  const member = ref ? await deps.store.get(staffKeys.member(String(ref.staffId)), { consistent: true }) : undefined;
  const hash = typeof member?.passwordHash === 'string' ? member.passwordHash : await dummyHash();
  const matches = await verifyPassword(input.password, hash);
  if (!member || !matches || member.status !== 'active' || member.login !== login) {
    await recordFailure(deps, login, now);
    throw new AppError('UNAUTHENTICATED', WRONG);
  }
  if (failures) await deps.store.write({ type: 'delete', key: staffKeys.failures(login) });
  return staffSession(deps, member);
}

/**
 * Counts one failure in the login's 15-minute window (a conditional counter: concurrent
 * failures all count, the lock is set once when the count reaches 5). A window that ended
 * (and any lock with it) starts again at 1.
 */
async function recordFailure(deps: Deps, login: string, now: number): Promise<void> {
  const key = staffKeys.failures(login);
  const ttl = Math.ceil((now + FAILURE_WINDOW_MS + LOCK_MS) / 1000) + 86_400;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.store.get(key, { consistent: true });
    const windowStart = Number(current?.windowStart ?? 0);
    try {
      if (!current || windowStart + FAILURE_WINDOW_MS <= now) {
        await deps.store.write({
          type: 'put',
          item: { ...key, login, count: 1, windowStart: now, at: toBizIso(now), expiresAt: ttl },
          when: current ? [{ op: 'eq', path: 'windowStart', value: windowStart }] : [{ op: 'notExists' }],
        });
        return;
      }
      const after = await deps.store.write({ type: 'update', key, update: { inc: { count: 1 }, set: { expiresAt: ttl } }, when: [{ op: 'eq', path: 'windowStart', value: windowStart }] });
      if (Number(after?.count ?? 0) >= MAX_FAILURES && after?.lockedUntil === undefined) {
        await deps.store
          .write({ type: 'update', key, update: { set: { lockedUntil: now + LOCK_MS } }, when: [{ op: 'eq', path: 'windowStart', value: windowStart }, { op: 'attrNotExists', path: 'lockedUntil' }] })
          .catch((e) => {
            if (!(e instanceof ConditionFailed)) throw e;
          });
      }
      return;
    } catch (e) {
      if (!(e instanceof ConditionFailed)) throw e; // the window moved meanwhile: count again in the new one
    }
  }
}
