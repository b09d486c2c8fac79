import { toBizIso } from '#domain/time';
import { ConditionFailed, type WriteOp } from '#ports/item-store';
import type { Deps } from '../deps.ts';
import { quotaKey } from './keys.ts';

/**
 * One-time subscription quota (DESIGN.md §8): each template a user accepts in
 * `wx.requestSubscribeMessage` allows one push of that template to that user. The counter is
 * kept per user and template; it is spent when a push is sent, not when it is queued.
 */
export type SubscribeChoice = 'accept' | 'reject' | 'ban';

/** Applies one answer of `wx.requestSubscribeMessage`: accept adds one send, ban sets it to 0, reject changes nothing. */
export async function recordChoice(deps: Deps, userId: string, templateId: string, choice: SubscribeChoice): Promise<number> {
  const key = quotaKey(userId, templateId);
  const at = toBizIso(deps.clock.now());
  if (choice === 'reject') return quotaOf(deps, userId, templateId);
  const after = await deps.store.write({
    type: 'update',
    key,
    update:
      choice === 'accept'
        ? { inc: { count: 1 }, set: { templateId, updatedAt: at } }
        : { set: { count: 0, templateId, bannedAt: at, updatedAt: at } },
  });
  return Number(after?.count ?? 0);
}

export async function quotaOf(deps: Deps, userId: string, templateId: string): Promise<number> {
  const item = await deps.store.get(quotaKey(userId, templateId));
  return Number(item?.count ?? 0);
}

/** Takes one send from the counter, only while it is at least 1; false when there is none. */
export async function spendQuota(deps: Deps, userId: string, templateId: string): Promise<boolean> {
  try {
    await deps.store.write({
      type: 'update',
      key: quotaKey(userId, templateId),
      update: { inc: { count: -1 }, set: { updatedAt: toBizIso(deps.clock.now()) } },
      when: [{ op: 'gte', path: 'count', value: 1 }],
    });
    return true;
  } catch (e) {
    if (e instanceof ConditionFailed) return false;
    throw e;
  }
}

/** Gives a spent send back (the push did not go out). */
export const returnQuotaOp = (userId: string, templateId: string): WriteOp => ({
  type: 'update',
  key: quotaKey(userId, templateId),
  update: { inc: { count: 1 } },
});

/** WeChat says the user has no quota (43101): our counter was wrong, so it becomes 0. */
export const resetQuotaOp = (userId: string, templateId: string, at: string): WriteOp => ({
  type: 'update',
  key: quotaKey(userId, templateId),
  update: { set: { count: 0, templateId, updatedAt: at } },
});
