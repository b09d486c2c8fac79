import { AppError } from '#domain/errors';
import { toBizIso } from '#domain/time';
import { ConditionFailed, type Item } from '#ports/item-store';
import { staffIdOfSubject } from '#ports/session';
import type { Deps } from '../deps.ts';
import { rolesOf } from '../users.ts';
import { staffKeys } from './keys.ts';
import { randomSecret } from './password.ts';
import { ensureSeedOwner, getStaff, seedOwnerId } from './records.ts';
import { staffSession } from './sign-in.ts';

/**
 * Scan sign-in (扫码登录). The browser asks for a ticket: a secret `ticket` it keeps (it polls
 * with it and only it collects the token) and a short `scene` (≤ 32 characters, what the
 * mini-program code shows). A staff member signed in on the mini-program confirms the scene
 * (or the ticket) once; the next poll claims the token once. Tickets last 2 minutes on the
 * business clock (deps.clock: POST /dev/clock moves it locally), as every deadline of the API.
 */
export const TICKET_MS = 2 * 60_000;
export const SCENE_PREFIX = 'wt.';

const ticketTtl = (now: number) => Math.ceil((now + TICKET_MS) / 1000) + 86_400;

export async function createWebTicket(deps: Deps) {
  const now = deps.clock.now();
  const ticket = randomSecret(32);
  const scene = `${SCENE_PREFIX}${randomSecret(16)}`; // 3 + 22 = 25 characters
  const validUntil = now + TICKET_MS;
  await deps.store.transact([
    { type: 'put', item: { ...staffKeys.ticket(ticket), scene, status: 'PENDING', validUntil, createdAt: toBizIso(now), expiresAt: ticketTtl(now) }, when: [{ op: 'notExists' }] },
    { type: 'put', item: { ...staffKeys.scene(scene), ticket, expiresAt: ticketTtl(now) }, when: [{ op: 'notExists' }] },
  ]);
  return { ticket, scene, expiresAt: toBizIso(validUntil) };
}

async function ticketOf(deps: Deps, ref: string): Promise<{ ticket: string; item: Item } | undefined> {
  const ticket = ref.startsWith(SCENE_PREFIX) ? (await deps.store.get(staffKeys.scene(ref), { consistent: true }))?.ticket : ref;
  if (typeof ticket !== 'string') return undefined;
  const item = await deps.store.get(staffKeys.ticket(ticket), { consistent: true });
  return item ? { ticket, item } : undefined;
}

/**
 * The member a mini-program caller signs in as: the member bound to their openid (or of their
 * staff token), or, for a STAFF_OPENIDS seed, its owner record, made once (`seed`, called only
 * when the ticket is about to be confirmed, so a refused confirmation writes nothing).
 */
async function confirmingMember(deps: Deps, userId: string): Promise<{ staffId?: string; seed?: () => Promise<Item> }> {
  const roles = await rolesOf(deps, userId);
  if (roles.revoked || !roles.roles.includes('staff')) throw new AppError('FORBIDDEN', 'only staff members confirm a sign-in');
  const staffId = staffIdOfSubject(userId) ?? roles.staffId;
  if (staffId) return { staffId };
  const seedId = seedOwnerId(userId);
  const existing = await getStaff(deps, seedId);
  if (existing && existing.status !== 'active') throw new AppError('FORBIDDEN', 'this staff member is disabled');
  return existing ? { staffId: seedId } : { staffId: seedId, seed: () => ensureSeedOwner(deps, userId) };
}

/**
 * `POST /auth/web-tickets/{ticket}/confirm`: once. The same member confirming again (a retry)
 * is answered the same; anyone else, or an expired ticket, gets INVALID_STATE.
 */
export async function confirmWebTicket(deps: Deps, ref: string, userId: string) {
  const member = await confirmingMember(deps, userId);
  const found = await ticketOf(deps, ref);
  if (!found) throw new AppError('NOT_FOUND', 'no such sign-in ticket');
  const now = deps.clock.now();
  const staffId = member.staffId!;
  const settled = (item: Item) => {
    if (item.status === 'CONFIRMED' && item.staffId === staffId) return { confirmed: true as const };
    if (item.status === 'CONFIRMED') throw new AppError('INVALID_STATE', 'the ticket is already confirmed');
    throw new AppError('INVALID_STATE', 'the ticket has expired');
  };
  if (found.item.status !== 'PENDING' || Number(found.item.validUntil) <= now) return settled(found.item);
  if (member.seed) await member.seed();
  try {
    await deps.store.write({
      type: 'update',
      key: staffKeys.ticket(found.ticket),
      update: { set: { status: 'CONFIRMED', staffId, confirmedAt: toBizIso(now) } },
      when: [{ op: 'eq', path: 'status', value: 'PENDING' }, { op: 'gt', path: 'validUntil', value: now }],
    });
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    return settled((await deps.store.get(staffKeys.ticket(found.ticket), { consistent: true }))!);
  }
  return { confirmed: true as const };
}

/**
 * `GET /auth/web-tickets/{ticket}` (the ticket, never the scene): PENDING, EXPIRED, or CONFIRMED
 * with the staff token on the first poll after confirmation only (a conditional claim); later
 * polls answer CONFIRMED without it. A confirmed ticket is claimable until it expires.
 */
export async function webTicketStatus(deps: Deps, ticket: string) {
  if (ticket.startsWith(SCENE_PREFIX)) throw new AppError('NOT_FOUND', 'no such sign-in ticket');
  const item = await deps.store.get(staffKeys.ticket(ticket), { consistent: true });
  if (!item) throw new AppError('NOT_FOUND', 'no such sign-in ticket');
  const now = deps.clock.now();
  if (item.claimedAt) return { status: 'CONFIRMED' as const };
  if (Number(item.validUntil) <= now) return { status: 'EXPIRED' as const };
  if (item.status !== 'CONFIRMED') return { status: 'PENDING' as const };
  const member = await getStaff(deps, String(item.staffId));
  if (!member || member.status !== 'active') return { status: 'EXPIRED' as const };
  try {
    await deps.store.write({
      type: 'update',
      key: staffKeys.ticket(ticket),
      update: { set: { claimedAt: toBizIso(now) } },
      when: [{ op: 'eq', path: 'status', value: 'CONFIRMED' }, { op: 'attrNotExists', path: 'claimedAt' }],
    });
  } catch (e) {
    if (!(e instanceof ConditionFailed)) throw e;
    return { status: 'CONFIRMED' as const };
  }
  return { status: 'CONFIRMED' as const, ...(await staffSession(deps, member)) };
}
