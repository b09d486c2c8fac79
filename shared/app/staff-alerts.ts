import type { MessageKey, MessagePayload } from '#domain/messages';
import { queryAll, type WriteOp } from '#ports/item-store';
import { rolesAllow, type Role, type StaffRole } from '#platform/command';
import type { Deps } from './deps.ts';
import { outboxOp } from './outbox.ts';
import { allStaff } from './staff/keys.ts';

/**
 * Who gets each staff push besides the STAFF_OPENIDS seed: the openids bound to active staff
 * records holding one of these roles (`rolesAllow`: the owner always). Refund problems go to
 * those who handle money, failed jobs to those who run the jobs.
 */
export const STAFF_ALERT_ROLES = {
  refundAlert: ['owner', 'finance'],
  jobFailed: ['owner', 'operations'],
  reconcileAlert: ['owner', 'finance'],
} as const satisfies Partial<Record<MessageKey, readonly StaffRole[]>>;

export type StaffAlertKey = keyof typeof STAFF_ALERT_ROLES;

/** The openids a staff push goes to: the STAFF_OPENIDS seed and the bound openids of active members with a fitting role, each once. */
export async function staffAlertOpenids(deps: Pick<Deps, 'store' | 'staffOpenids'>, key: StaffAlertKey): Promise<string[]> {
  const members = await queryAll(deps.store, allStaff);
  const bound = members
    .filter((m) => m.status === 'active' && typeof m.openid === 'string' && m.openid !== '')
    .filter((m) => rolesAllow(STAFF_ALERT_ROLES[key], (m.roles as Role[] | undefined) ?? []))
    .map((m) => String(m.openid));
  return [...new Set([...deps.staffOpenids, ...bound])].sort();
}

/**
 * Pushes to staff through the outbox, one entry per recipient (`staffAlertOpenids`), in the
 * caller's transaction. `dedupe` names the event, so a repeated change queues nothing new.
 */
export async function staffAlertOps<K extends StaffAlertKey>(deps: Deps, message: { key: K; payload: MessagePayload<K>; dedupe: string }): Promise<WriteOp[]> {
  const openids = await staffAlertOpenids(deps, message.key);
  return openids.map((touser) => outboxOp(deps, { key: message.key, touser, payload: message.payload, dedupe: `${message.dedupe}#${touser}` }));
}
