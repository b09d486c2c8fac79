import { bizDate, bizTime, toBizIso } from '#domain/time';
import { ConditionFailed, type WriteOp } from '#ports/item-store';
import type { SmsTemplate } from '#ports/sms';
import type { Deps } from '../deps.ts';
import { keys } from '../keys.ts';
import { outboxIndex, outboxKey, type OutboxEntry } from '../outbox.ts';
import { findOrder } from '../orders/model.ts';
import { sealedRecord } from '../contacts/sealed.ts';
import { financeDayOp } from '../settle/finance.ts';
import { guard } from '../guards.ts';
import { smsEntryId, smsKeys } from './keys.ts';

/**
 * The SMS fallback (DESIGN.md §15). When the notify job cannot push a customer's notice for lack
 * of subscription quota (our counter is empty, or WeChat answers 43101), the write that marks the
 * push skipped also queues ONE text for the order and kind — an outbox entry with
 * `channel: 'sms'` whose key is derived from the order and kind and put only when absent — unless
 * the customer opted out (`POST /me/sms { enabled: false }`) or no SMS sender is configured.
 *
 * The text is sent by the same drain (claims, leases, backoff, dead letters): it re-checks the
 * opt-out and that the order still waits for pickup, takes one of the customer's texts of the
 * day and the price of one text from the month's budget (conditional counters, given back if
 * the text does not go out), opens the contact (the only place the phone is decrypted; it is
 * passed to the SMS port and never logged or stored), and counts the text and its cost in
 * finance in the same write that marks the entry sent.
 */
export const SMS_KINDS: readonly SmsTemplate[] = ['arrivalNotice', 'pickupReminder', 'lateNotice'];

export const isSmsEntry = (entry: { channel?: unknown }) => entry.channel === 'sms';

/** Whether the customer takes texts (default yes). */
export async function smsEnabled(deps: Deps, userId: string): Promise<boolean> {
  const profile = await deps.store.get(keys.user(userId));
  return !!profile && profile.smsEnabled !== false && !profile.deletedAt;
}

/** The put of the text that stands in for a skipped push, or undefined when none is due. Add it to the skip's write; its condition is the "one per order and kind". */
export async function smsFallbackOp(deps: Deps, entry: OutboxEntry): Promise<WriteOp | undefined> {
  if (!deps.sms || isSmsEntry(entry as { channel?: unknown }) || !(SMS_KINDS as readonly string[]).includes(entry.key)) return undefined;
  const orderId = (entry.payload as { orderId?: unknown }).orderId;
  if (typeof orderId !== 'string' || !(await smsEnabled(deps, entry.touser))) return undefined;
  const id = smsEntryId(entry.key, orderId);
  const now = toBizIso(deps.clock.now());
  return guard('sms', {
    type: 'put',
    item: { ...outboxKey(id), ...outboxIndex(id, now), id, channel: 'sms', key: entry.key, touser: entry.touser, payload: entry.payload, status: 'pending', attempts: 0, dueAt: now, createdAt: now },
    when: [{ op: 'notExists' }],
  });
}

export type SmsOutcome =
  | { kind: 'sent'; ops: WriteOp[] }
  | { kind: 'skipped'; reason: string }
  | { kind: 'retry' | 'dead'; error: string; ops: WriteOp[] };

const month = (date: string) => date.slice(0, 7);
const shanghai = (iso: string) => bizTime(iso).format('MM-DD HH:mm');

/** Sends one claimed SMS entry; what to write with its outcome (the finance count, or the counters given back). */
export async function attemptSms(deps: Deps, entry: OutboxEntry): Promise<SmsOutcome> {
  const sms = deps.sms;
  if (!sms) return { kind: 'skipped', reason: 'sms not configured' };
  if (!(SMS_KINDS as readonly string[]).includes(entry.key)) return { kind: 'dead', error: `no SMS for ${entry.key}`, ops: [] };
  if (!(await smsEnabled(deps, entry.touser))) return { kind: 'skipped', reason: 'sms opted out' };
  const payload = entry.payload as { orderId: string; orderShortNo: string; pickupPointName: string; pickupCode: string; pickupDeadline: string };
  const order = await findOrder(deps, payload.orderId);
  // A late notice (cutoff/late.ts) is for goods not yet arrived; the others for goods waiting at the point.
  if (!order || order.userId !== entry.touser || order.status !== (entry.key === 'lateNotice' ? 'CONFIRMED' : 'ARRIVED')) return { kind: 'skipped', reason: 'order no longer waits for pickup' };
  if (!order.contactSealed) return { kind: 'skipped', reason: 'no contact' };

  const { smsDailyCapPerCustomer: cap, smsMonthlyBudgetFen: budget, smsUnitCostFen: unit } = deps.settings;
  const date = bizDate(deps.clock.now());
  const at = toBizIso(deps.clock.now());
  if (cap < 1) return { kind: 'skipped', reason: 'sms daily cap' };
  if (unit > budget) return { kind: 'skipped', reason: 'sms monthly budget' };
  const dayKey = smsKeys.userDay(entry.touser, date);
  const budgetKey = smsKeys.budgetMonth(month(date));
  if (!(await take(deps, { type: 'update', key: dayKey, update: { inc: { count: 1 }, set: { date, updatedAt: at } }, when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'count' }, { op: 'lt', path: 'count', value: cap }] }] })))
    return { kind: 'skipped', reason: 'sms daily cap' };
  const giveBackDay: WriteOp = { type: 'update', key: dayKey, update: { inc: { count: -1 } } };
  if (
    !(await take(deps, {
      type: 'update',
      key: budgetKey,
      update: { inc: { count: 1, spentFen: unit }, set: { month: month(date), updatedAt: at } },
      when: [{ op: 'or', conditions: [{ op: 'attrNotExists', path: 'spentFen' }, { op: 'lte', path: 'spentFen', value: budget - unit }] }],
    }))
  ) {
    await deps.store.write(giveBackDay);
    return { kind: 'skipped', reason: 'sms monthly budget' };
  }
  const giveBack: WriteOp[] = [giveBackDay, { type: 'update', key: budgetKey, update: { inc: { count: -1, spentFen: -unit } } }];

  let phone: string;
  try {
    phone = String((JSON.parse(deps.contacts.decrypt(order.contactSealed, sealedRecord.orderContact(order.id))) as { phone?: unknown }).phone ?? '');
  } catch {
    return { kind: 'dead', error: 'the contact does not open', ops: giveBack };
  }
  let result;
  try {
    const late = entry.payload as { newArrivalAt?: string; reason?: string };
    const params = entry.key === 'lateNotice' ? [payload.orderShortNo, payload.pickupPointName, shanghai(String(late.newArrivalAt)), String(late.reason)] : [payload.orderShortNo, payload.pickupPointName, payload.pickupCode, shanghai(payload.pickupDeadline)];
    result = await sms.send({ phone, template: entry.key as SmsTemplate, params, userId: entry.touser });
  } catch (e) {
    result = { status: 'retry' as const, message: `sms sender error: ${e instanceof Error ? e.name : 'unknown'}` };
  }
  switch (result.status) {
    case 'sent':
      return { kind: 'sent', ops: [financeDayOp(deps, date, { smsCount: 1, smsCostFen: unit }, entry.id)] };
    case 'retry':
      return { kind: 'retry', error: result.message, ops: giveBack };
    case 'failed':
      return { kind: 'dead', error: result.message, ops: giveBack };
  }
}

async function take(deps: Deps, op: WriteOp): Promise<boolean> {
  try {
    await deps.store.write(op);
    return true;
  } catch (e) {
    if (e instanceof ConditionFailed) return false;
    throw e;
  }
}
